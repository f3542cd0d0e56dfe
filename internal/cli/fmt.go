package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/profile"
)

type fmtOptions struct {
	app   *App
	write bool
	check bool
	files []string
}

func newCmdFmt(app *App) *cobra.Command {
	opts := &fmtOptions{app: app}
	cmd := &cobra.Command{
		Use:   "fmt [-w|--check] [FILE...]",
		Short: "Normalise seccomp profiles (stable order, 2-space indent)",
		Long: `Rewrite seccomp profiles in their normal form: fields in a fixed order, 2-space
indentation, one trailing newline. A file keeps its format: Docker JSON stays JSON,
YAML stays YAML, Security Profiles Operator resources stay SeccompProfiles (their
status and server-set metadata are dropped). YAML keeps its # comments, on the key or
list element they were on. The profile itself never changes, only
its spelling; a file that does not load is reported with file:line:col and left alone.

Without -w or --check the normal form goes to stdout. With no FILE, or "-", the profile
is read from stdin.

Exit codes: 0 all files loaded (and, with --check, were normalised); 1 --check found
files that are not normalised (they are listed on stdout); 2 a file does not load.`,
		Example: `  # Print the normal form
  seccompctl fmt profile.json

  # Normalise files in place
  seccompctl fmt -w profiles/*.json

  # In CI: fail and list the files that need 'seccompctl fmt -w'
  seccompctl fmt --check profiles/*.json profiles/*.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return runFmt(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.write, "write", "w", false, "write the result back to each file instead of stdout")
	cmd.Flags().BoolVar(&opts.check, "check", false, "do not write; list files that are not normalised and exit 1 if any")
	cmd.MarkFlagsMutuallyExclusive("write", "check")
	return cmd
}

func runFmt(opts *fmtOptions) error {
	files := opts.files
	if len(files) == 0 {
		files = []string{"-"}
	}
	if opts.write && slices.Contains(files, "-") {
		return UsageError(errors.New("-w needs files: stdin cannot be written back"))
	}
	bad, unformatted := false, false
	for _, file := range files {
		data, err := readProfileInput(opts.app, file)
		if err != nil {
			fmt.Fprintf(opts.app.ErrOut, "%s\n", err)
			bad = true
			continue
		}
		out, err := normalizeProfiles(inputName(file), data)
		if err != nil {
			printProfileError(opts.app.ErrOut, err)
			bad = true
			continue
		}
		switch {
		case opts.check:
			if !bytes.Equal(data, out) {
				fmt.Fprintln(opts.app.Out, inputName(file))
				unformatted = true
			}
		case opts.write:
			if bytes.Equal(data, out) {
				continue
			}
			perm := os.FileMode(0o644)
			if fi, err := os.Stat(file); err == nil {
				perm = fi.Mode().Perm()
			}
			if err := profile.WriteFileAtomic(file, out, perm); err != nil {
				fmt.Fprintln(opts.app.ErrOut, err)
				bad = true
			}
		default:
			opts.app.Out.Write(out)
		}
	}
	if bad {
		return &ExitError{Code: ExitUsage, Silent: true}
	}
	if unformatted {
		return FindingsError()
	}
	return nil
}

// normalizeProfiles returns the normal form of every profile in data, in the file's format.
func normalizeProfiles(name string, data []byte) ([]byte, error) {
	ps, err := profile.ParseAll(name, data)
	if err != nil {
		return nil, err
	}
	out, err := profile.MarshalAll(ps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if ps[0].Source != nil && ps[0].Source.Format != profile.FormatJSON {
		// YAML keeps its comments; JSON has none.
		if out, err = profile.CarryYAMLComments(data, out); err != nil {
			return nil, fmt.Errorf("%s: keeping comments: %w", name, err)
		}
	}
	return out, nil
}
