package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/merge"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

type mergeOptions struct {
	app    *App
	files  []string
	out    string
	caps   []string
	arch   string
	format string
}

func newCmdMerge(app *App) *cobra.Command {
	opts := &mergeOptions{app: app}
	cmd := &cobra.Command{
		Use:   "merge A B... [-o OUT]",
		Short: "Union profiles recorded from several runs, replicas or architectures",
		Long: `Merge seccomp profiles into one that allows what any of them allows. Typical inputs are
profiles recorded from several runs or replicas of one workload, or on several
architectures. Each allow rule of the result carries a comment saying how many inputs
used its syscalls ("allowed by 2 of 3 inputs: a.json, c.json"), so rarely used calls
stand out.

Conflicts are settled by fixed rules (docs/profile-quality.md):
  - inputs with includes/excludes or archMap are resolved first (--caps, --arch);
  - all inputs must deny by default, or all allow by default; the first input's
    defaultAction is kept, and other defaults are reported;
  - a syscall allowed without conditions by any input is allowed without conditions;
    otherwise every distinct conditional allow rule is kept;
  - a syscall no input allows keeps the first input's explicit deny rule;
  - for profiles that allow by default, a syscall is denied only if every input denies it;
  - architectures and flags are unions; listenerPath must agree.

The result goes to -o (written atomically) or stdout; what was merged and every
conflict are reported on stderr.

Exit codes: 0 merged; 2 bad usage, a profile that does not load, or inputs that cannot
be merged.`,
		Example: `  seccompctl merge run1.json run2.json run3.json -o app.json
  seccompctl merge app-amd64.json app-arm64.json -o app.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return runMerge(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.out, "output", "o", "", "write the merged profile here (default stdout)")
	cmd.Flags().StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	cmd.Flags().StringVar(&opts.arch, "arch", "", "node architecture for archMap and includes/excludes (default: this machine's)")
	formatFlag(cmd, &opts.format, "json", "yaml")
	return cmd
}

func runMerge(opts *mergeOptions) error {
	if err := checkFormat(opts.format, "json", "yaml"); err != nil {
		return err
	}
	mo := merge.Options{}
	if opts.arch != "" {
		a, err := syscalls.ParseArch(opts.arch)
		if err != nil {
			return UsageError(fmt.Errorf("--arch: %w", err))
		}
		mo.Arch = a
	}
	for _, c := range opts.caps {
		n, ok := profile.NormalizeCap(c)
		if !ok {
			return UsageError(fmt.Errorf("--caps: unknown capability %q", c))
		}
		mo.Caps = append(mo.Caps, n)
	}
	var ps []*profile.Profile
	for _, f := range opts.files {
		p, err := loadOne(opts.app, f)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	out, rep, err := merge.Merge(ps, mo)
	if err != nil {
		if errors.Is(err, merge.ErrMixedDefaults) {
			err = fmt.Errorf("%w (merge allowlists with allowlists)", err)
		}
		return UsageError(err)
	}
	format := profile.FormatJSON
	if opts.format == "yaml" {
		format = profile.FormatYAML
	}
	data, err := out.MarshalAs(format)
	if err != nil {
		return err
	}
	if opts.out == "" {
		opts.app.Out.Write(data)
	} else if err := profile.WriteFileAtomic(opts.out, data, 0o644); err != nil {
		return err
	}
	kind := "allowlists"
	if !rep.Allowlist {
		kind = "denylists"
	}
	fmt.Fprintf(opts.app.ErrOut, "merged %d %s (%s): %d syscalls named\n", len(rep.Inputs), kind, strings.Join(rep.Inputs, ", "), rep.Syscalls)
	for _, n := range rep.Notes {
		fmt.Fprintf(opts.app.ErrOut, "  note: %s\n", n)
	}
	return nil
}
