package cli

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/profile"
)

// run re-executes seccompctl as a helper that installs the program on its own locked
// thread and executes the command on that thread; these variables carry the program
// (on an inherited pipe), its flags and the no_new_privs choice to the helper.
const (
	runHelperEnv  = "SECCOMPCTL_RUN_HELPER" // fd of the pipe holding the encoded program
	runFlagsEnv   = "SECCOMPCTL_RUN_FLAGS"  // seccomp(2) flags
	runNNPEnv     = "SECCOMPCTL_RUN_NNP"    // "1": set no_new_privs
	runGodebugEnv = "SECCOMPCTL_RUN_GODEBUG"
	runPathEnv    = "SECCOMPCTL_RUN_PATH" // the command's resolved path; argv stays as given
)

// Exit codes of the helper's own failures, as container runtimes use them.
const (
	exitRunFailed   = 125 // seccompctl could not set the filter up
	exitCannotExec  = 126 // the command could not be executed
	exitNotFound    = 127 // the command does not exist
	exitSignalShift = 128 // a command killed by signal N exits 128+N
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

Exit codes: CMD's; 125 the filter could not be set up; 126 CMD could not be executed
(e.g. the profile denies execve); 127 CMD not found; 2 bad usage or a profile that
does not load.`,
		Example: `  # Does the application start under its profile?
  seccompctl run --profile app.json -- ./app --serve

  # As Kubernetes runs a container with allowPrivilegeEscalation: false
  seccompctl run --profile app.json --no-new-privs -- /bin/sh -c 'id; ls /'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.argv = args
			if fd := os.Getenv(runHelperEnv); fd != "" {
				return &ExitError{Code: runHelper(opts.app.ErrOut, fd, args), Silent: true}
			}
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
	path, err := exec.LookPath(opts.argv[0])
	if err != nil {
		fmt.Fprintf(opts.app.ErrOut, "%s: %v\n", opts.app.Name, err)
		return &ExitError{Code: exitNotFound, Silent: true}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	defer w.Close()
	// NOTIFY needs a supervisor, which run is not: without a listener the kernel
	// answers ENOSYS, which is what the help text promises.
	var flags uint
	for _, fl := range f.Flags {
		if fl != profile.FlagNewListener && fl != profile.FlagTSync && fl != profile.FlagTSyncESRCH {
			flags |= fl.Kernel()
		}
	}
	nnp := "0"
	if opts.noNewPrivs {
		nnp = "1"
	}
	helper := exec.Command(self, append([]string{"run", "--"}, opts.argv...)...)
	helper.Env = append(os.Environ(),
		runHelperEnv+"=3", runFlagsEnv+"="+strconv.FormatUint(uint64(flags), 10), runNNPEnv+"="+nnp,
		runGodebugEnv+"="+os.Getenv("GODEBUG"), runPathEnv+"="+path,
		// No asynchronous preemption signal may land on the filtered thread before
		// execve: its handler would need rt_sigreturn, which a profile may deny.
		"GODEBUG=asyncpreemptoff=1")
	helper.Stdin, helper.Stdout, helper.Stderr = opts.app.In, opts.app.commandOut(), opts.app.ErrOut
	helper.ExtraFiles = []*os.File{r}
	if err := helper.Start(); err != nil {
		return fmt.Errorf("starting the run helper: %w", err)
	}
	r.Close()
	prog := f.Program.Encode(binary.NativeEndian)
	if _, err := w.Write(prog); err != nil {
		return fmt.Errorf("passing the program to the run helper: %w", err)
	}
	w.Close()

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(signals)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-signals:
				helper.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = helper.Wait()
	close(done)
	code := exitCode(helper.ProcessState)
	if err != nil && code < 0 {
		return err
	}
	if code != 0 {
		return &ExitError{Code: code, Silent: true}
	}
	return nil
}

// exitCode is the command's exit status, 128+N for death by signal N, -1 if unknown.
func exitCode(st *os.ProcessState) int {
	if st == nil {
		return -1
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return exitSignalShift + int(ws.Signal())
	}
	return st.ExitCode()
}
