package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/analyze"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

type lintOptions struct {
	app        *App
	files      []string
	runtimes   []string
	arches     []string
	noNewPrivs bool
	caps       []string
	kernel     string
	disable    []string
	format     string
	failOn     string
	explain    string
	list       bool
	binaries   []string
	cacheDir   string
}

func newCmdLint(app *App) *cobra.Command {
	opts := &lintOptions{app: app}
	cmd := &cobra.Command{
		Use:   "lint PROFILE... [--runtime runc|crun|containerd|cri-o] [--arch ARCH] [--format text|json|sarif]",
		Short: "Check seccomp profiles for mistakes that break or weaken containers",
		Long: `Check seccomp profiles against a catalogue of rules, each with a stable ID (SC1001...),
a severity, and a message that points at the profile's file:line:column:

  SC1xxx  syscall names: unknown anywhere, or missing on an architecture
  SC2xxx  the container cannot start or stop: the runtime's own syscalls denied (measured
          on runc 1.1.5 and crun 1.8.1), exit/exit_group denied
  SC3xxx  argument conditions that cannot mean what they say: pointers, the wrong flags
          index, MASKED_EQ that never or always holds, shadowed rules, narrow socket rules
  SC4xxx  dangerous syscalls allowed without narrowing conditions
  SC5xxx  weak profiles: default allow or log, wider than the runtime default
  SC6xxx  runtime compatibility: fields containerd drops, constructs runc or crun refuse
  SC7xxx  duplicates, conflicting actions, rules without effect
  SC8xxx  with --binary B: what B can reach (static analysis) that the profile denies

includes/excludes are evaluated for a container with the default capabilities (--caps
changes that) on each architecture the profile names (or --arch). The runtime checks
assume no_new_privs is false, the Kubernetes default; pass --no-new-privs for pods with
allowPrivilegeEscalation: false. 'seccompctl lint --explain ID' prints why a rule
matters and how to fix it; docs/lint-rules.md lists them all.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on;
2 bad usage or a profile that does not load.`,
		Example: `  # Lint the profiles a cluster will use
  seccompctl lint profiles/*.json

  # Will it start under containerd (runc) on arm64 nodes, for a pod with
  # allowPrivilegeEscalation: false?
  seccompctl lint --runtime containerd --arch arm64 --no-new-privs app.json

  # GitHub code scanning
  seccompctl lint --format sarif --fail-on never profiles/*.json > seccomp.sarif

  # What can nginx do that its recorded profile denies?
  seccompctl lint --binary /usr/sbin/nginx nginx.json

  # Why does SC3002 matter?
  seccompctl lint --explain SC3002`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return runLint(opts)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.runtimes, "runtime", nil, "runtimes the profile must work with: runc, crun, containerd, cri-o (default all)")
	f.StringSliceVar(&opts.arches, "arch", nil, "node architectures to check (x86_64, arm64, ...; default the profile's own)")
	f.BoolVar(&opts.noNewPrivs, "no-new-privs", false, "the container runs with no_new_privs (allowPrivilegeEscalation: false)")
	f.StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	f.StringVar(&opts.kernel, "kernel", "", "the nodes' kernel release, for minKernel and actions that need a newer kernel")
	f.StringSliceVar(&opts.disable, "disable", nil, "rule IDs not to report")
	formatFlag(cmd, &opts.format, "text", "json", "sarif", "markdown")
	f.StringVar(&opts.failOn, "fail-on", "error", "exit 1 on findings at or above this severity: error, warning, info or never")
	f.StringVar(&opts.explain, "explain", "", "print the long form of a rule and exit")
	f.BoolVar(&opts.list, "list-rules", false, "list every rule and exit")
	f.StringArrayVar(&opts.binaries, "binary", nil, "report, as info (SC8001), what this executable can reach that the profile denies (static analysis; repeatable)")
	f.StringVar(&opts.cacheDir, "analysis-cache", analyze.DefaultCacheDir(), "where static analysis caches per-library results by build-id (\"\" for none)")
	cmd.RegisterFlagCompletionFunc("runtime", cobra.FixedCompletions(lint.Runtimes(), cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info", "never"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runLint(opts *lintOptions) error {
	out := opts.app.Out
	if opts.explain != "" {
		r, ok := lint.Lookup(opts.explain)
		if !ok {
			return UsageError(fmt.Errorf("no rule %q (see 'seccompctl lint --list-rules')", opts.explain))
		}
		return lint.Explain(out, r)
	}
	if opts.list {
		for _, r := range lint.Rules() {
			fmt.Fprintf(out, "%s  %-8s %-30s %s\n", r.ID, r.Severity, r.Name, r.Summary)
		}
		return nil
	}
	if err := checkFormat(opts.format, "text", "json", "sarif", "markdown"); err != nil {
		return err
	}
	failOn, err := parseFailOn(opts.failOn)
	if err != nil {
		return err
	}
	if len(opts.files) == 0 {
		return UsageError(errors.New("lint needs at least one PROFILE (or - for stdin)"))
	}
	lo, err := opts.lintOptions()
	if err != nil {
		return err
	}
	var all []lint.Finding
	bad := false
	for _, file := range opts.files {
		data, err := readProfileInput(opts.app, file)
		if err != nil {
			fmt.Fprintln(opts.app.ErrOut, err)
			bad = true
			continue
		}
		ps, err := profile.ParseAll(inputName(file), data)
		if err != nil {
			printProfileError(opts.app.ErrOut, err)
			bad = true
			continue
		}
		for _, p := range ps {
			fs, err := lint.Lint(p, lo)
			if err != nil {
				fmt.Fprintf(opts.app.ErrOut, "%s: %v\n", inputName(file), err)
				bad = true
				continue
			}
			all = append(all, fs...)
		}
	}
	switch opts.format {
	case "json":
		err = lint.WriteJSON(out, all)
	case "markdown":
		if !bad || len(all) > 0 {
			err = lint.WriteMarkdown(out, all)
		}
	case "sarif":
		wd, _ := os.Getwd()
		err = lint.WriteSARIF(out, all, lint.SARIFOptions{ToolVersion: buildVersion(), BaseDir: wd})
	default:
		// A "0 errors" summary for files that did not even load would read as a pass.
		if !bad || len(all) > 0 {
			err = lint.WriteText(out, all, lint.TextOptions{Color: isTerminal(out)})
		}
	}
	if err != nil {
		return err
	}
	if bad {
		return &ExitError{Code: ExitUsage, Silent: true}
	}
	if failOn != nil && lint.Count(all, *failOn) > 0 {
		return FindingsError()
	}
	return nil
}

func parseFailOn(s string) (*lint.Severity, error) {
	if s == "never" {
		return nil, nil
	}
	sev, err := lint.ParseSeverity(s)
	if err != nil {
		return nil, UsageError(fmt.Errorf("--fail-on: %w (or never)", err))
	}
	return &sev, nil
}

func (opts *lintOptions) lintOptions() (lint.Options, error) {
	lo := lint.Options{NoNewPrivs: opts.noNewPrivs, Kernel: opts.kernel, Caps: opts.caps}
	for _, rt := range opts.runtimes {
		rt = strings.ToLower(strings.TrimSpace(rt))
		if rt == "crio" {
			rt = "cri-o"
		}
		lo.Runtimes = append(lo.Runtimes, rt)
	}
	for _, rt := range lo.Runtimes {
		if !slices.Contains(lint.Runtimes(), rt) {
			return lo, UsageError(fmt.Errorf("--runtime %q: want one of %s", rt, strings.Join(lint.Runtimes(), ", ")))
		}
	}
	for _, a := range opts.arches {
		arch, err := syscalls.ParseArch(a)
		if err != nil {
			return lo, UsageError(fmt.Errorf("--arch: %w", err))
		}
		lo.Arches = append(lo.Arches, arch)
	}
	for _, c := range opts.caps {
		if _, ok := profile.NormalizeCap(c); !ok {
			return lo, UsageError(fmt.Errorf("--caps: unknown capability %q", c))
		}
	}
	if opts.kernel != "" {
		if _, err := profile.ParseKernelRelease(opts.kernel); err != nil {
			return lo, UsageError(fmt.Errorf("--kernel: %w", err))
		}
	}
	if len(opts.binaries) > 0 {
		reach, err := reachableOf(opts.binaries, opts.cacheDir)
		if err != nil {
			return lo, err
		}
		lo.Reachable = reach
	}
	for _, id := range opts.disable {
		r, ok := lint.Lookup(id)
		if !ok {
			return lo, UsageError(fmt.Errorf("--disable: no rule %q", id))
		}
		lo.Disable = append(lo.Disable, r.ID)
	}
	return lo, nil
}
