package diff

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes a Result for people: per architecture group, + lines for syscalls
// that now get an action, - for those that no longer do, ~ for changed conditions; then
// the risk of what was added.
func WriteText(w io.Writer, r *Result) error {
	fmt.Fprintf(w, "--- %s\n+++ %s\n", r.Old, r.New)
	if !r.Different {
		_, err := fmt.Fprintln(w, "no difference")
		return err
	}
	if r.DefaultAction != nil {
		fmt.Fprintf(w, "defaultAction: %s -> %s (every syscall neither profile names)\n", r.DefaultAction.Old, r.DefaultAction.New)
	}
	if r.Flags != nil {
		fmt.Fprintf(w, "flags: %s -> %s\n", r.Flags.Old, r.Flags.New)
	}
	for _, a := range r.Arches {
		fmt.Fprintf(w, "%s:\n", strings.Join(a.Arches, ", "))
		for _, s := range a.Added {
			fmt.Fprintf(w, "  + %s (%d): %s\n", s.Action, len(s.Syscalls), strings.Join(s.Syscalls, " "))
		}
		for _, s := range a.Removed {
			fmt.Fprintf(w, "  - %s (%d): %s\n", s.Action, len(s.Syscalls), strings.Join(s.Syscalls, " "))
		}
		for _, c := range a.Changed {
			fmt.Fprintf(w, "  ~ %s: %s -> %s\n", c.Syscall, c.Old, c.New)
		}
	}
	if len(r.Risks) > 0 {
		fmt.Fprintln(w, "risk of what was added:")
		for _, k := range r.Risks {
			partly := ""
			if k.Partly {
				partly = " (under conditions)"
			}
			fmt.Fprintf(w, "  %-7s %s%s: %s\n", k.Severity, k.Syscall, partly, k.Reason)
		}
	}
	if len(r.NewFindings) > 0 {
		fmt.Fprintln(w, "new lint findings:")
		for _, f := range r.NewFindings {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	return nil
}

// WriteCompareText writes comparisons as one table per architecture.
func WriteCompareText(w io.Writer, cs []Comparison) error {
	for i, c := range cs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s vs %s on %s\n", c.Profile, c.Baseline, c.Arch)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "category\tallowed here\tby baseline\tdenied here\tonly here\t")
		for _, cc := range append(c.Categories, c.Total) {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", cc.Category, cc.Profile, cc.Baseline, len(cc.Denied), len(cc.Added))
		}
		tw.Flush()
		fmt.Fprintf(w, "%.0f%% narrower: denies %d of the %d syscalls the baseline allows\n",
			100*c.Narrower, len(c.Total.Denied), c.Total.Baseline)
		for _, cc := range c.Categories {
			if len(cc.Added) > 0 {
				fmt.Fprintf(w, "  only here, %s: %s\n", cc.Category, strings.Join(cc.Added, " "))
			}
		}
		for _, cc := range c.Categories {
			if len(cc.Denied) > 0 {
				fmt.Fprintf(w, "  denied here, %s: %s\n", cc.Category, strings.Join(cc.Denied, " "))
			}
		}
	}
	return nil
}

// WriteMarkdown writes a Result as GitHub-flavoured markdown for a pull-request
// comment: a table of changes per architecture group, then the risk of what was added
// and the new lint findings as tables.
func WriteMarkdown(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### seccomp profile changes: `%s` → `%s`\n\n", mdCode(r.Old), mdCode(r.New))
	if !r.Different {
		b.WriteString("No difference in meaning.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	if r.DefaultAction != nil {
		fmt.Fprintf(&b, "**defaultAction:** `%s` → `%s` (every syscall neither profile names)\n\n", r.DefaultAction.Old, r.DefaultAction.New)
	}
	if r.Flags != nil {
		fmt.Fprintf(&b, "**flags:** `%s` → `%s`\n\n", r.Flags.Old, r.Flags.New)
	}
	if len(r.Arches) > 0 {
		b.WriteString("| architectures | change | syscalls |\n|---|---|---|\n")
		for _, a := range r.Arches {
			arches := mdCell(strings.Join(a.Arches, ", "))
			for _, s := range a.Added {
				fmt.Fprintf(&b, "| %s | now `%s` (%d) | %s |\n", arches, s.Action, len(s.Syscalls), mdNames(s.Syscalls))
			}
			for _, s := range a.Removed {
				fmt.Fprintf(&b, "| %s | no longer `%s` (%d) | %s |\n", arches, s.Action, len(s.Syscalls), mdNames(s.Syscalls))
			}
			for _, c := range a.Changed {
				fmt.Fprintf(&b, "| %s | `%s` changed | `%s` → `%s` |\n", arches, c.Syscall, mdCode(c.Old), mdCode(c.New))
			}
		}
		b.WriteString("\n")
	}
	if len(r.Risks) > 0 {
		b.WriteString("#### Risk of what was added\n\n| severity | syscall | why it is dangerous |\n|---|---|---|\n")
		for _, k := range r.Risks {
			partly := ""
			if k.Partly {
				partly = " (under conditions)"
			}
			fmt.Fprintf(&b, "| %s | `%s`%s | %s |\n", k.Severity, k.Syscall, partly, mdCell(k.Reason))
		}
		b.WriteString("\n")
	}
	if len(r.NewFindings) > 0 {
		b.WriteString("#### New lint findings\n\n| severity | rule | where | finding |\n|---|---|---|---|\n")
		for _, f := range r.NewFindings {
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", f.Severity, f.Rule, mdCode(f.Location()), mdCell(f.Message))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell makes text safe inside a markdown table cell: a pipe would end the cell and
// a newline the row.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.Join(strings.Fields(s), " ")
}

// mdCode makes text safe inside `code` in a table cell: backticks cannot be escaped
// there, so they become quotes.
func mdCode(s string) string {
	return strings.ReplaceAll(mdCell(s), "`", "'")
}

func mdNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + mdCode(n) + "`"
	}
	return strings.Join(out, " ")
}
