package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/diff"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

type diffOptions struct {
	app      *App
	old, new string
	arches   []string
	caps     []string
	runtimes []string
	format   string
}

func newCmdDiff(app *App) *cobra.Command {
	opts := &diffOptions{app: app}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show what changed between two profiles, and the risk of what was added",
		Long: `Compare two seccomp profiles as a runtime applies them: includes/excludes resolved for a
container with the default capabilities (--caps), on each architecture of either profile
(--arch). For each architecture (those with identical changes are grouped):

  + ACTION   syscalls that now get ACTION unconditionally
  - ACTION   syscalls that no longer do
  ~ SYSCALL  syscalls whose conditions or conditional actions changed

A changed defaultAction is reported once: it decides every syscall neither profile
names. Then the risk of what was added: dangerous syscalls (lint's catalogue, SC4001)
the new profile lets through, and lint findings the new profile has and the old one
did not.

Exit codes: 0 the profiles mean the same; 1 they differ; 2 bad usage or a profile that
does not load.`,
		Example: `  seccompctl diff profiles/app-v1.json profiles/app-v2.json
  seccompctl diff --format json old.json new.json | jq .risks
  seccompctl diff --format markdown old.json new.json > pr-comment.md`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.old, opts.new = args[0], args[1]
			return runDiff(opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.arches, "arch", nil, "node architectures to compare on (default: the profiles' own)")
	cmd.Flags().StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	cmd.Flags().StringSliceVar(&opts.runtimes, "runtime", nil, "runtimes for the lint findings: runc, crun, containerd, cri-o (default all)")
	formatFlag(cmd, &opts.format, "text", "json", "markdown")
	return cmd
}

func runDiff(opts *diffOptions) error {
	if err := checkFormat(opts.format, "text", "json", "markdown"); err != nil {
		return err
	}
	do, err := compareOptions(opts.arches, opts.caps)
	if err != nil {
		return err
	}
	do.Lint.Runtimes = opts.runtimes
	old, err := loadOne(opts.app, opts.old)
	if err != nil {
		return err
	}
	new, err := loadOne(opts.app, opts.new)
	if err != nil {
		return err
	}
	res, err := diff.Diff(old, new, do)
	if err != nil {
		return UsageError(err)
	}
	switch opts.format {
	case "json":
		err = writeJSON(opts.app.Out, res)
	case "markdown":
		err = diff.WriteMarkdown(opts.app.Out, res)
	default:
		err = diff.WriteText(opts.app.Out, res)
	}
	if err != nil {
		return err
	}
	if res.Different {
		return FindingsError()
	}
	return nil
}

// loadOne loads the single profile in file ("-" for stdin), printing load errors.
func loadOne(app *App, file string) (*profile.Profile, error) {
	data, err := readProfileInput(app, file)
	if err != nil {
		return nil, UsageError(err)
	}
	p, err := profile.Parse(inputName(file), data)
	if err != nil {
		printProfileError(app.ErrOut, err)
		return nil, &ExitError{Code: ExitUsage, Silent: true}
	}
	return p, nil
}

func compareOptions(arches, caps []string) (diff.Options, error) {
	var o diff.Options
	for _, a := range arches {
		arch, err := syscalls.ParseArch(a)
		if err != nil {
			return o, UsageError(fmt.Errorf("--arch: %w", err))
		}
		o.Arches = append(o.Arches, arch)
	}
	for _, c := range caps {
		n, ok := profile.NormalizeCap(c)
		if !ok {
			return o, UsageError(fmt.Errorf("--caps: unknown capability %q", c))
		}
		o.Caps = append(o.Caps, n)
	}
	return o, nil
}
