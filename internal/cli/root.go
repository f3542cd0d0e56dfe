// Package cli is the seccompctl command line: one file per verb, each a thin layer over
// the library packages.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/profile"
)

// App carries what every verb shares: the IO streams and the program name.
type App struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// Name is how the user invoked us: "seccompctl" or "kubectl seccomp".
	Name string
	// MaxInputMiB bounds each input file (--max-input-mib); 0 means the default.
	MaxInputMiB int
}

// verbs lists the constructors of every top-level command, one line each.
var verbs = []func(*App) *cobra.Command{
	newCmdVersion,
	newCmdSyscalls,
	newCmdAnalyze,
	newCmdFmt,
	newCmdConvert,
	newCmdLint,
	newCmdTest,
	newCmdTestHelper,
	newCmdDiff,
	newCmdCompare,
	newCmdReport,
	newCmdMerge,
	newCmdRecord,
	newCmdGenerate,
	newCmdK8s,
	newCmdAgent,
	newCmdMonitor,
	newCmdCompile,
	newCmdExplain,
	newCmdRun,
	newCmdLaunchHelper,
}

// NewRootCmd builds the command tree.
func NewRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   app.Name,
		Short: "Discover, generate, check, test and ship seccomp profiles for Kubernetes",
		Long: `seccompctl builds seccomp profiles that allow only the system calls an application
needs, proves them against the real kernel, and ships them to Kubernetes nodes.

Exit codes: 0 success; 1 findings, a failed check or a mismatch; 2 usage error or bad input.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// As a kubectl plugin the name has two words; help and errors must show both.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: app.Name},
	}
	root.PersistentFlags().IntVar(&app.MaxInputMiB, "max-input-mib", profile.MaxInputSize>>20, "the largest input file to read, in MiB")
	root.SetIn(app.In)
	root.SetOut(app.Out)
	root.SetErr(app.ErrOut)
	for _, newCmd := range verbs {
		root.AddCommand(newCmd(app))
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return UsageError(fmt.Errorf("%w (see '%s --help')", err, c.CommandPath()))
	})
	return root
}

// Main runs the CLI and returns the process exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	so := &stdout{w: out}
	app := &App{In: in, Out: so, ErrOut: errOut, Name: "seccompctl"}
	if len(args) > 0 && strings.HasPrefix(filepath.Base(args[0]), "kubectl-") {
		// Installed as kubectl-seccomp, kubectl runs us as a plugin.
		app.Name = "kubectl seccomp"
	}
	root := NewRootCmd(app)
	if len(args) > 1 {
		root.SetArgs(args[1:])
	} else {
		root.SetArgs([]string{})
	}
	code := exitStatus(app, root.Execute())
	if so.err != nil && code < ExitUsage {
		// Output that did not reach its reader is not a success, nor a finding.
		fmt.Fprintf(errOut, "%s: writing the output: %v\n", app.Name, so.err)
		return ExitUsage
	}
	return code
}

// exitStatus prints err (unless already reported) and returns the exit code it carries.
func exitStatus(app *App, err error) int {
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		if exit.Err != nil && !exit.Silent {
			fmt.Fprintf(app.ErrOut, "%s: %v\n", app.Name, exit.Err)
		}
		return exit.Code
	}
	// cobra's own errors (unknown command, bad args) are usage errors.
	fmt.Fprintf(app.ErrOut, "%s: %v\n", app.Name, err)
	return ExitUsage
}

// isTerminal reports whether w is a terminal, for colour and progress lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
