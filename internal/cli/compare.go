package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/diff"
	"github.com/seccompctl/seccompctl/profile"
)

type compareOptionsCLI struct {
	app      *App
	file     string
	baseline string
	arches   []string
	caps     []string
	format   string
}

func newCmdCompare(app *App) *cobra.Command {
	opts := &compareOptionsCLI{app: app}
	cmd := &cobra.Command{
		Use:   "compare PROFILE [--baseline runtime-default|FILE]",
		Short: "Show how much narrower a profile is than the runtime default, by category",
		Long: `Count the syscalls a profile lets through (fully or under conditions) against a baseline,
by category: privileged, file, network, process, memory, ipc, time, signals, other
(the category table is data in package diff). The baseline is the runtime's default
profile (moby's, which containerd's RuntimeDefault matches) unless --baseline names a
file. Both are resolved for a container with the default capabilities (--caps) on each
architecture of the profile (--arch).

The report lists, per category, what the profile denies that the baseline allows and
what it allows that the baseline denies (lint rule SC5003 flags the latter).

Exit codes: 0 compared; 2 bad usage or a profile that does not load.`,
		Example: `  seccompctl compare app.json
  seccompctl compare app.json --baseline other.json --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			return runCompare(opts)
		},
	}
	cmd.Flags().StringVar(&opts.baseline, "baseline", "runtime-default", "runtime-default or a profile file")
	cmd.Flags().StringSliceVar(&opts.arches, "arch", nil, "node architectures (default: the profile's own)")
	cmd.Flags().StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	formatFlag(cmd, &opts.format, "text", "json")
	return cmd
}

func runCompare(opts *compareOptionsCLI) error {
	if err := checkFormat(opts.format, "text", "json"); err != nil {
		return err
	}
	co, err := compareOptions(opts.arches, opts.caps)
	if err != nil {
		return err
	}
	p, err := loadOne(opts.app, opts.file)
	if err != nil {
		return err
	}
	var base *profile.Profile
	if opts.baseline == "runtime-default" {
		base = profile.RuntimeDefault()
		if base == nil {
			return UsageError(errors.New("the runtime default profile is only built into Linux binaries: use --baseline FILE"))
		}
		base.Source = &profile.Source{File: "runtime-default"}
	} else if base, err = loadOne(opts.app, opts.baseline); err != nil {
		return err
	}
	cs, err := diff.Compare(p, base, co)
	if err != nil {
		return UsageError(err)
	}
	if opts.format == "json" {
		return writeJSON(opts.app.Out, cs)
	}
	return diff.WriteCompareText(opts.app.Out, cs)
}
