package cli

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/internal/launch"
	"github.com/seccompctl/seccompctl/profile"
)

type runOptions struct {
	app        *App
	file       string
	noNewPrivs bool
	caps       []string
	kernel     string
	argv       []string
}

func newCmdRun(app *App) *cobra.Command {
	opts := &runOptions{app: app}
	cmd := &cobra.Command{
		Use:   "run --profile PROFILE [--no-new-privs] -- CMD [ARG...]",
		Short: "Run a command under a profile's seccomp filter",
		Long: `Compile the profile for this machine and run CMD under the filter, passing its exit
status through (128+N when a signal N kills it, e.g. 159 for SIGSYS).

seccompctl starts a copy of itself that locks its goroutine to its thread, loads the
filter for that thread only (no TSYNC: nothing else in seccompctl is filtered) and
executes CMD on that same thread, so that CMD and everything it starts inherit the
filter. Nothing runs between loading the filter and execve, which the profile must
therefore allow, as every runtime needs.

The kernel accepts a filter from a thread with no_new_privs set or with CAP_SYS_ADMIN.
--no-new-privs sets no_new_privs, as a container with allowPrivilegeEscalation: false
runs. Without it, seccompctl loads the filter with CAP_SYS_ADMIN when it has it (root),
so setuid programs keep working, as in a privileged runtime; without CAP_SYS_ADMIN it
sets no_new_privs anyway, since the kernel refuses the filter otherwise, and says so on
stderr.

SCMP_ACT_NOTIFY rules answer ENOSYS under run (there is no supervisor), SCMP_ACT_TRACE
rules ENOSYS unless CMD runs under a tracer.

Exit codes: CMD's; 125 seccompctl itself failed (the filter could not be set up); 126
CMD was found but cannot be executed (a directory, a file without execute permission,
or the profile denies execve); 127 CMD not found; 2 bad usage or a profile that
does not load.`,
		Example: `  # Does the application start under its profile?
  seccompctl run --profile app.json -- ./app --serve

  # As Kubernetes runs a container with allowPrivilegeEscalation: false
  seccompctl run --profile app.json --no-new-privs -- /bin/sh -c 'id; ls /'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.argv = args
			if cmd.ArgsLenAtDash() != 0 || len(args) == 0 {
				return UsageError(errors.New("the command goes after --: seccompctl run --profile PROFILE -- CMD [ARG...]"))
			}
			if opts.file == "" {
				return UsageError(errors.New("--profile is required"))
			}
			return runRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.file, "profile", "", "the seccomp profile to run CMD under")
	f.BoolVar(&opts.noNewPrivs, "no-new-privs", false, "set no_new_privs: CMD cannot gain privileges through setuid or file capabilities")
	f.StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	f.StringVar(&opts.kernel, "kernel", "", "the host kernel release for minKernel (default: this machine's)")
	return cmd
}

func runRun(opts *runOptions) error {
	o, err := filterOptions(nil, opts.caps, opts.kernel)
	if err != nil {
		return err
	}
	if o.Kernel == "" {
		o.Kernel = kernelRelease()
	}
	f, err := compileProfile(opts.app, opts.file, o)
	if err != nil {
		return err
	}
	path, code, err := launch.LookPath(opts.argv[0])
	if err != nil {
		return &ExitError{Code: code, Err: err}
	}
	// NOTIFY needs a supervisor, which run is not: without a listener the kernel
	// answers ENOSYS, which is what the help text promises.
	var flags uint
	for _, fl := range f.Flags {
		if fl != profile.FlagNewListener && fl != profile.FlagTSync && fl != profile.FlagTSyncESRCH {
			flags |= fl.Kernel()
		}
	}
	if !opts.noNewPrivs && !filter.HasCapSysAdmin() {
		fmt.Fprintf(opts.app.ErrOut, "%s run: no CAP_SYS_ADMIN: setting no_new_privs, without which the kernel refuses the filter (setuid programs will not gain privileges)\n", opts.app.Name)
	}
	p, err := launch.Start(launch.Cmd{
		Request: launch.Request{
			Path: path, Args: opts.argv, Env: os.Environ(),
			Program: f.Program.Encode(binary.NativeEndian), Flags: flags, NoNewPrivs: opts.noNewPrivs,
		},
		Stdin: opts.app.In, Stdout: opts.app.commandOut(), Stderr: opts.app.ErrOut,
	})
	if err != nil {
		return &ExitError{Code: launch.ExitLaunchFailed, Err: err}
	}
	if err := p.Release(); err != nil {
		p.Cmd.Process.Kill()
		p.Wait()
		return &ExitError{Code: launch.ExitLaunchFailed, Err: err}
	}

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(signals)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-signals:
				p.Cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	res, err := p.Wait()
	close(done)
	if err != nil {
		return &ExitError{Code: launch.ExitLaunchFailed, Err: err}
	}
	code = res.ExitCode()
	if err := res.Err(path); err != nil {
		return &ExitError{Code: code, Err: err}
	}
	if code != 0 {
		return &ExitError{Code: code, Silent: true}
	}
	return nil
}

// newCmdLaunchHelper is the hidden helper every verb that runs a command under a
// filter re-executes seccompctl as (see internal/launch).
func newCmdLaunchHelper(app *App) *cobra.Command {
	return &cobra.Command{
		Use:                launch.Verb,
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &ExitError{Code: launch.Main(), Silent: true}
		},
	}
}
