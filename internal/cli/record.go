package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/internal/launch"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
)

type recordOptions struct {
	app       *App
	gen       genFlags
	output    string
	mode      string
	args      bool
	saveTrace string
	quiet     bool
	fromAudit bool
	pid       int
	comm      string
	cgroup    string
	duration  time.Duration
	complete  completeFlags
	command   []string
}

func newCmdRecord(app *App) *cobra.Command {
	opts := &recordOptions{app: app}
	cmd := &cobra.Command{
		Use:   "record -o PROFILE [flags] -- COMMAND [ARG...]",
		Short: "Run a command, record every syscall it makes, and write a profile",
		Long: `Run COMMAND, follow every process and thread it starts, record each syscall with its
architecture, and write a profile allowing exactly those when it ends. The command's exit
status is seccompctl's. Ctrl-C (or SIGTERM) stops the command (a second one kills it) and
the profile is still written. In eBPF mode the signal reaches every process of the
command, and what still runs 10 s later is killed; if seccompctl itself is killed, the
command dies with it and the next eBPF recording removes what was left of it. On a terminal a status line shows the time and the syscalls seen.

Modes (--mode):
  ptrace  pure Go tracer: a seccomp filter stops the command once per syscall. Sees
          argument values (--args) and executables (--comments). Slows syscalls down.
  ebpf    a raw sys_enter tracepoint program counts syscalls of a fresh cgroup v2 the
          command runs in, from its own execve on. Costs little; needs root; no --args.
  auto    ebpf where it loads, else ptrace (the default); says which it used.

Running processes and containers: --pid PID records a process (its cgroup in eBPF mode,
it and its descendants through ptrace otherwise), --cgroup PATH a cgroup v2, until
--duration or Ctrl-C.

Audit mode: --from-audit reads the kernel's SECCOMP audit records from the audit netlink
socket (no auditd needed) until --duration or Ctrl-C, keeping those of --pid (and its
descendants), --comm or --cgroup. Run the workload meanwhile under the profile
'seccompctl generate --audit-profile' writes.

What the launcher does before the command's execve is not recorded; the execve is.

Exit codes: the command's; 126 it was found but cannot be executed (a directory, a file
without execute permission); 127 it does not exist; 125 seccompctl itself failed to
start it; 2 bad usage, or an output path that cannot be written (checked first).`,
		Example: `  # Record a command and write a profile for it
  seccompctl record -o ls.json -- ls -l /

  # With argument conditions and comments, keeping the raw recording
  seccompctl record --mode ptrace --args --comments --save-trace app.trace -o app.json -- ./app

  # A profile for a container run by runc, for x86_64 and aarch64 nodes
  seccompctl record --runtime runc --arch x86_64,aarch64 -o app.json -- ./app

  # Record a running container's cgroup for a minute
  seccompctl record --cgroup /sys/fs/cgroup/unified/mycontainer --duration 1m -o app.json

  # Audit mode: collect SECCOMP records of a program run under the audit profile
  seccompctl record --from-audit --comm nginx --duration 5m -o nginx.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash > 0 {
				return UsageError(fmt.Errorf("unexpected arguments before --: %s", strings.Join(args[:dash], " ")))
			}
			opts.command = args
			opts.complete.explicit = cmd.Flags().Changed("complete")
			return runRecord(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.StringVarP(&opts.output, "output", "o", "", "profile to write (\"-\" for stdout); written atomically")
	f.StringVar(&opts.mode, "mode", "auto", "how to record: auto, ptrace or ebpf")
	f.BoolVar(&opts.args, "args", false, "record argument values and emit conditional rules (ptrace mode)")
	f.StringVar(&opts.saveTrace, "save-trace", "", "also write the raw recording (JSON lines) for 'generate --from'")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "no status line or summary")
	f.BoolVar(&opts.fromAudit, "from-audit", false, "record from SECCOMP audit records (netlink) instead of running a command")
	f.IntVar(&opts.pid, "pid", 0, "record this running process (with --from-audit: keep its records)")
	f.StringVar(&opts.comm, "comm", "", "with --from-audit: keep records of this program name")
	f.StringVar(&opts.cgroup, "cgroup", "", "record this cgroup v2 (a path under the cgroup2 mount)")
	f.DurationVar(&opts.duration, "duration", 0, "with --pid, --cgroup or --from-audit: stop after this long (default: Ctrl-C)")
	opts.gen.register(cmd)
	opts.complete.register(cmd, "static", false)
	cmd.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]string{"auto", "ptrace", "ebpf"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *recordOptions) validate() error {
	if o.output == "" {
		return UsageError(errors.New("name the profile to write with -o PROFILE"))
	}
	if _, err := record.ParseMode(o.mode); err != nil {
		return UsageError(fmt.Errorf("--mode: %w", err))
	}
	existing := o.pid != 0 || o.cgroup != ""
	switch {
	case o.fromAudit && len(o.command) > 0:
		return UsageError(errors.New("--from-audit records what runs elsewhere: it takes no command"))
	case !o.fromAudit && existing && len(o.command) > 0:
		return UsageError(errors.New("record either a command or a running --pid/--cgroup, not both"))
	case !o.fromAudit && !existing && len(o.command) == 0:
		return UsageError(errors.New("name the command to record after --, or a --pid, --cgroup or --from-audit"))
	case o.comm != "" && !o.fromAudit:
		return UsageError(errors.New("--comm filters audit records: use it with --from-audit"))
	case o.duration != 0 && !o.fromAudit && !existing:
		return UsageError(errors.New("--duration applies to --pid, --cgroup and --from-audit; a command is recorded until it ends"))
	case o.args && o.mode == string(record.ModeEBPF):
		return UsageError(errors.New("--args needs --mode ptrace: eBPF mode counts syscalls without their arguments"))
	case o.args && o.fromAudit:
		return UsageError(errors.New("--args needs --mode ptrace: audit records carry no arguments"))
	case o.pid < 0:
		return UsageError(fmt.Errorf("--pid %d: want a process id", o.pid))
	}
	return nil
}

func runRecord(ctx context.Context, opts *recordOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	// A recording can take minutes and cannot be repeated: find out now, not after
	// the command ran, that the profile could not be written.
	if err := checkOutputPath("-o", opts.output); err != nil {
		return err
	}
	if err := checkOutputPath("--save-trace", opts.saveTrace); err != nil {
		return err
	}
	if err := opts.complete.validate(); err != nil {
		return err
	}
	if opts.complete.format == "json" && opts.output == "-" {
		return UsageError(errors.New("--format json writes the report on stdout: write the profile to a file with -o"))
	}
	gen, err := opts.gen.options(opts.args)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	app := opts.app
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	progress := &record.Progress{}
	live := !opts.quiet && isTerminal(app.ErrOut)
	stopLive := func() {}
	if live {
		stopLive = startStatusLine(app.ErrOut, progress)
	}

	var res *record.Result
	switch {
	case opts.fromAudit:
		res, err = recordAudit(ctx, opts, sigs, progress)
	case opts.pid != 0 || opts.cgroup != "":
		res, err = recordExisting(ctx, opts, sigs, progress)
	default:
		res, err = record.Command(ctx, opts.command, record.Options{
			Mode: record.Mode(opts.mode), Args: opts.args,
			Stdin: app.In, Stdout: app.commandOut(), Stderr: app.ErrOut,
			Signals: sigs, Progress: progress,
		})
	}
	stopLive()
	if err != nil {
		var nf *exec.Error
		if errors.As(err, &nf) {
			// 127 when it does not exist, 126 for a directory or a file that is
			// not executable.
			return &ExitError{Code: launch.ExitCodeFor(err), Err: err}
		}
		if res == nil {
			return err
		}
		// The command failed to start but something was recorded: report it below.
		fmt.Fprintf(app.ErrOut, "%s: %v\n", app.Name, err)
	}

	if opts.saveTrace != "" {
		var buf bytes.Buffer
		if err := res.Recording.WriteTrace(&buf); err != nil {
			return err
		}
		if err := profile.WriteFileAtomic(opts.saveTrace, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if len(res.Recording.Calls) == 0 {
		return FailError(errors.New("nothing was recorded: no profile written"))
	}
	comp, compErr := completeOptions(ctx, &opts.complete, res.Recording, &gen)
	if compErr != nil {
		// The recording cannot be repeated: write what was seen, and say loudly that
		// it was not completed.
		fmt.Fprintf(app.ErrOut, "%s: %v: the profile allows only what was recorded\n", app.Name, compErr)
	}
	rep, err := writeProfile(app, res.Recording, gen, opts.output)
	if err != nil {
		return err
	}
	comp.setCompleted(rep)
	if opts.complete.format == "json" {
		if err := writeJSON(app.Out, profileReport{Profile: opts.output, Allowed: rep.Allowed, Completion: comp}); err != nil {
			return err
		}
	}
	if !opts.quiet {
		printRecordSummary(app.ErrOut, opts, res, rep.Allowed)
		printReport(app.ErrOut, rep)
		comp.print(app.ErrOut)
	}
	if compErr != nil {
		return &ExitError{Code: ExitFindings, Silent: true}
	}
	if res.ExitCode != 0 {
		return &ExitError{Code: res.ExitCode, Silent: true}
	}
	return nil
}

func recordAudit(ctx context.Context, opts *recordOptions, sigs <-chan os.Signal, progress *record.Progress) (*record.Result, error) {
	ao := record.AuditOptions{PID: opts.pid, Comm: opts.comm, Duration: opts.duration, Progress: progress}
	if opts.cgroup != "" {
		p, err := record.CgroupPath(opts.cgroup)
		if err != nil {
			return nil, UsageError(err)
		}
		ao.Cgroup = p
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	start := time.Now()
	rec, st, err := record.FromAudit(ctx, ao)
	if err != nil {
		return nil, err
	}
	if st.Overruns > 0 {
		fmt.Fprintf(opts.app.ErrOut, "%s: warning: the kernel dropped audit records %d times (reader too slow): the profile may miss syscalls\n", opts.app.Name, st.Overruns)
	}
	if st.Unattributed > 0 {
		fmt.Fprintf(opts.app.ErrOut, "%s: warning: %d records came from processes that exited before they could be matched to --pid/--cgroup\n", opts.app.Name, st.Unattributed)
	}
	if st.NoForkEvents {
		fmt.Fprintf(opts.app.ErrOut, "%s: warning: no process events connector: short-lived processes may be missed\n", opts.app.Name)
	}
	if !opts.quiet {
		fmt.Fprintf(opts.app.ErrOut, "read %d SECCOMP records, kept %d\n", st.Records, st.Kept)
	}
	return &record.Result{Recording: rec, Mode: "audit", Duration: time.Since(start), Interrupted: true}, nil
}

func recordExisting(ctx context.Context, opts *recordOptions, sigs <-chan os.Signal, progress *record.Progress) (*record.Result, error) {
	t := record.Target{PID: opts.pid, Duration: opts.duration}
	if opts.cgroup != "" {
		p, err := record.CgroupPath(opts.cgroup)
		if err != nil {
			return nil, UsageError(err)
		}
		t.Cgroup = p
	}
	return record.Existing(ctx, t, record.Options{Mode: record.Mode(opts.mode), Args: opts.args, Signals: sigs, Progress: progress})
}

func printRecordSummary(w io.Writer, opts *recordOptions, res *record.Result, allowed int) {
	mode := string(res.Mode) + " mode"
	if res.Fallback != "" {
		fmt.Fprintf(w, "%s; recorded with ptrace\n", res.Fallback)
	} else if opts.mode == string(record.ModeAuto) && !opts.fromAudit {
		mode += ", chosen by --mode auto"
	}
	what := "recorded"
	if len(opts.command) > 0 {
		what = fmt.Sprintf("recorded %q", strings.Join(opts.command, " "))
	}
	status := ""
	if len(opts.command) > 0 {
		status = fmt.Sprintf(", exit status %d", res.ExitCode)
	}
	if res.Interrupted && len(opts.command) > 0 {
		status += " (interrupted)"
	}
	out := opts.output
	if out == "-" {
		out = "stdout"
	}
	fmt.Fprintf(w, "%s in %s (%s)%s: %d distinct syscalls; wrote %s allowing %d\n",
		what, res.Duration.Round(time.Millisecond), mode, status, res.Recording.Len(), out, allowed)
}

// startStatusLine redraws "recording: 3.2s, 57 syscalls" on w until the returned
// function is called, which erases it.
func startStatusLine(w io.Writer, p *record.Progress) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-tick.C:
				fmt.Fprintf(w, "\r\x1b[Krecording: %.1fs, %d syscalls", time.Since(start).Seconds(), p.Distinct())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
