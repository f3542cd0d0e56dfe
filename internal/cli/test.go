package cli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/internal/probe"
	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
)

type testOptions struct {
	app        *App
	file       string
	expect     string
	cmd        string
	runtime    string
	rootfs     string
	noNewPrivs bool
	caps       []string
	timeout    time.Duration
	format     string
}

func newCmdTest(app *App) *cobra.Command {
	opts := &testOptions{app: app}
	cmd := &cobra.Command{
		Use:   "test PROFILE [--expect FILE] [--cmd \"COMMAND ARGS\"] [--runtime runc|crun]",
		Short: "Run syscalls and a command under a profile in the real kernel",
		Long: `Compile the profile for this machine, install it in a probe process, and make each
syscall named in the expectations there: the report says, per syscall, whether the
filter allowed it, denied it (with the errno) or killed the caller. Calls are made with
harmless arguments (an invalid fd, a NULL path, an unknown option) once without and
once with the filter, and the two results compared. Dangerous syscalls, and those with
no known harmless arguments (exit, fork, rt_sigreturn ...), are never made: the compiled
program is run over them by the BPF interpreter, and the report says so.

Expectations are YAML:

  allow: [read, write, openat, "socket(1, 1, 0)"]   # optional arguments to use
  deny: [mount, ptrace, unshare]
  errno: EPERM                                      # what denials must return

Without --expect every syscall the profile names is probed, without expectations.

--cmd runs a command under the profile and checks that it starts and exits 0. By
default the command runs directly on this machine (no_new_privs set, the filter
installed just before execve). With --runtime it runs in a container of that OCI
runtime (root, runc or crun installed), which installs the filter itself and must
get through its own start-up under it: the way Kubernetes will run it. The container's
rootfs is --rootfs, or a static busybox (Debian's busybox-static) when not given.

Exit codes: 0 everything as expected; 1 a mismatch (an allowed call denied, a denied
call allowed, the wrong errno, or a command that did not start or exit 0); 2 bad
usage, or a profile or expectations file that does not load.`,
		Example: `  # The article's test pod, done right: EPERM, not "Permission denied"
  cat > expect.yaml <<EOF
  allow: [read, write, openat, getpid]
  deny: [mount, settimeofday, ptrace]
  errno: EPERM
  EOF
  seccompctl test profile.json --expect expect.yaml

  # Does busybox start under the profile in a runc container?
  sudo seccompctl test profile.json --runtime runc --cmd "/bin/busybox true"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			return runTest(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.expect, "expect", "", "expectations file (YAML: allow, deny, errno)")
	f.StringVar(&opts.cmd, "cmd", "", "a command to run under the profile; it must start and exit 0")
	f.StringVar(&opts.runtime, "runtime", "", "run --cmd in a container of this OCI runtime: runc or crun")
	f.StringVar(&opts.rootfs, "rootfs", "", "the container's root filesystem for --runtime (default: a static busybox)")
	f.BoolVar(&opts.noNewPrivs, "no-new-privs", false, "with --runtime: start the container with no_new_privs")
	f.StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	f.DurationVar(&opts.timeout, "timeout", 30*time.Second, "how long --cmd may run")
	formatFlag(cmd, &opts.format, "text", "json")
	cmd.RegisterFlagCompletionFunc("runtime", cobra.FixedCompletions(ociruntime.Runtimes(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// newCmdTestHelper is the hidden probe `test` re-executes itself as.
func newCmdTestHelper(app *App) *cobra.Command {
	return &cobra.Command{
		Use:                probe.ProbeVerb,
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &ExitError{Code: probe.RunProbe(args), Silent: true}
		},
	}
}

func runTest(opts *testOptions) error {
	if err := checkFormat(opts.format, "text", "json"); err != nil {
		return err
	}
	if opts.runtime != "" && opts.cmd == "" {
		return UsageError(errors.New("--runtime needs --cmd"))
	}
	if opts.runtime != "" && !slices.Contains(ociruntime.Runtimes(), opts.runtime) {
		return UsageError(fmt.Errorf("--runtime %q: want one of %s", opts.runtime, strings.Join(ociruntime.Runtimes(), ", ")))
	}
	for _, c := range opts.caps {
		if _, ok := profile.NormalizeCap(c); !ok {
			return UsageError(fmt.Errorf("--caps: unknown capability %q", c))
		}
	}
	data, err := readProfileInput(opts.app, opts.file)
	if err != nil {
		return UsageError(err)
	}
	p, err := profile.Parse(inputName(opts.file), data)
	if err != nil {
		printProfileError(opts.app.ErrOut, err)
		return &ExitError{Code: ExitUsage, Silent: true}
	}
	po := probe.Options{Caps: opts.caps, Timeout: opts.timeout}
	if opts.expect != "" {
		raw, err := readProfileInput(opts.app, opts.expect)
		if err != nil {
			return UsageError(err)
		}
		if po.Expect, err = probe.ParseExpectations(opts.expect, raw); err != nil {
			return UsageError(err)
		}
	}
	var argv []string
	if opts.cmd != "" {
		if argv, err = splitCommand(opts.cmd); err != nil {
			return UsageError(fmt.Errorf("--cmd: %w", err))
		}
	}
	if opts.runtime == "" {
		po.Cmd = argv
	}
	rep, err := probe.Run(p, po)
	if err != nil {
		return fmt.Errorf("%s: %w", inputName(opts.file), err)
	}
	if opts.runtime != "" {
		res, err := ociruntime.RunContainer(ociruntime.ContainerOptions{
			Runtime: opts.runtime, Profile: p, Args: argv, Rootfs: opts.rootfs,
			NoNewPrivs: opts.noNewPrivs, Caps: opts.caps, Timeout: opts.timeout,
		})
		if err != nil {
			return fmt.Errorf("--runtime %s: %w", opts.runtime, err)
		}
		c := &probe.CmdResult{Command: argv, Runtime: res.Runtime, Started: res.Started,
			ExitCode: res.ExitCode, Signal: res.Signal, Error: res.Error}
		c.Mismatch = !c.Started || c.ExitCode != 0 || c.Signal != "" || c.Error != ""
		if c.Mismatch {
			rep.Mismatches++
		}
		rep.Cmd = c
	}
	if opts.format == "json" {
		if err := writeJSON(opts.app.Out, rep); err != nil {
			return err
		}
	} else {
		writeTestReport(opts.app.Out, rep)
	}
	if rep.Mismatches > 0 {
		return FindingsError()
	}
	return nil
}

func writeTestReport(w io.Writer, rep *probe.Report) {
	fmt.Fprintf(w, "%s on %s\n", rep.Profile, rep.Arch)
	if len(rep.Results) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SYSCALL\tEXPECT\tRESULT\t\tVIA\tNOTE")
		for _, r := range rep.Sorted() {
			res := string(r.Outcome)
			if r.Errno != "" {
				res += " (" + r.Errno + ")"
			}
			match := ""
			if r.Mismatch {
				match = "MISMATCH"
			}
			expect := r.Expect
			if expect == "" {
				expect = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Call, expect, res, match, r.Method, r.Note)
		}
		tw.Flush()
	}
	if c := rep.Cmd; c != nil {
		where := "directly"
		if c.Runtime != "" {
			where = "in a " + c.Runtime + " container"
		}
		switch {
		case c.Error != "":
			fmt.Fprintf(w, "command %q %s: %s", strings.Join(c.Command, " "), where, c.Error)
		case !c.Started:
			fmt.Fprintf(w, "command %q %s: did not start", strings.Join(c.Command, " "), where)
		default:
			fmt.Fprintf(w, "command %q %s: started, exited %d", strings.Join(c.Command, " "), where, c.ExitCode)
		}
		if c.Mismatch {
			fmt.Fprint(w, "  MISMATCH")
		}
		fmt.Fprintln(w)
	}
	if rep.Mismatches == 0 {
		fmt.Fprintln(w, "everything as expected")
	} else {
		fmt.Fprintf(w, "%d mismatch%s\n", rep.Mismatches, map[bool]string{true: "", false: "es"}[rep.Mismatches == 1])
	}
}

// splitCommand splits a command line into words: spaces separate, single and double
// quotes group, backslash escapes the next character. No variables, no globbing.
func splitCommand(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord, quote, escape := false, rune(0), false
	for _, r := range s {
		switch {
		case escape:
			cur.WriteRune(r)
			escape = false
		case r == '\\' && quote != '\'':
			escape, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escape {
		return nil, errors.New("unterminated quote or escape")
	}
	if inWord {
		out = append(out, cur.String())
	}
	if len(out) == 0 {
		return nil, errors.New("empty command")
	}
	return out, nil
}
