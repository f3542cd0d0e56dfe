package cli

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/report"
)

type reportOptions struct {
	app      *App
	file     string
	baseline string
	old      string
	arches   []string
	caps     []string
	output   string
	format   string
}

func newCmdReport(app *App) *cobra.Command {
	opts := &reportOptions{app: app}
	cmd := &cobra.Command{
		Use:   "report PROFILE [--baseline runtime-default|FILE] [--old PROFILE] -o report.html",
		Short: "Write one self-contained HTML page a reviewer can read: compare, lint and explain together",
		Long: `Write what a reviewer asks of a profile into one HTML file with its styles, script and
charts inline (it loads nothing from the network and reads offline, attached to a pull
request or an incident):

  - the profile, its architectures and default action, and a one-line verdict
    ("allows 61 of the runtime default's 309 syscalls on x86_64; 0 lint errors");
  - per category, the syscalls allowed here and by the baseline (what compare counts);
  - a searchable, sortable table of every syscall: the decision per architecture, the
    rule that decides it (file:line) and its conditions in words, the rule's comment and
    where it came from (recorded calls, merged replicas, the runtime's needs), and
    lint's danger rating;
  - lint's findings with why they matter and how to fix them;
  - with --old, what was added and removed since that version, and the risk of it.

--format json writes the same data for other tools. Decisions are those of 'seccompctl
explain'; counts those of 'seccompctl compare' and 'seccompctl lint'.

Exit codes: 0 written; 2 bad usage, a profile that does not load, or an output that
cannot be written (no partial file is left).`,
		Example: `  seccompctl report app.json -o app-report.html
  seccompctl report app-v2.json --old app-v1.json -o review.html
  seccompctl report app.json --format json | jq .verdict`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			return runReport(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.baseline, "baseline", "runtime-default", "runtime-default or a profile file")
	f.StringVar(&opts.old, "old", "", "the previous version of the profile: report what changed")
	f.StringSliceVar(&opts.arches, "arch", nil, "node architectures (default: the profile's own)")
	f.StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	f.StringVarP(&opts.output, "output", "o", "-", "file to write (\"-\" for stdout); written atomically")
	formatFlag(cmd, &opts.format, "html", "json")
	return cmd
}

func runReport(opts *reportOptions) error {
	if err := checkFormat(opts.format, "html", "json"); err != nil {
		return err
	}
	if err := checkOutputPath("-o", opts.output); err != nil {
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
	ro := report.Options{Arches: co.Arches, Caps: co.Caps, Tool: buildVersion()}
	if opts.baseline == "runtime-default" {
		ro.Baseline = profile.RuntimeDefault()
		if ro.Baseline == nil {
			return UsageError(errors.New("the runtime default profile is only built into Linux binaries: use --baseline FILE"))
		}
		ro.Baseline.Source = &profile.Source{File: "runtime-default"}
		ro.BaselineName = "the runtime default"
	} else if ro.Baseline, err = loadOne(opts.app, opts.baseline); err != nil {
		return err
	}
	if opts.old != "" {
		if ro.Old, err = loadOne(opts.app, opts.old); err != nil {
			return err
		}
	}
	r, err := report.Build(p, ro)
	if err != nil {
		return UsageError(fmt.Errorf("%s: %w", inputName(opts.file), err))
	}
	var buf bytes.Buffer
	if opts.format == "json" {
		err = writeJSON(&buf, r)
	} else {
		err = report.Render(&buf, r)
	}
	if err != nil {
		return err
	}
	if err := writeOutput(opts.app, opts.output, buf.Bytes()); err != nil {
		return UsageError(fmt.Errorf("writing the report: %w (choose a writable -o path)", err))
	}
	return nil
}
