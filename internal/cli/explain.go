package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

type explainOptions struct {
	app     *App
	file    string
	syscall string
	args    []string
	arch    string
	caps    []string
	kernel  string
	format  string
}

func newCmdExplain(app *App) *cobra.Command {
	opts := &explainOptions{app: app}
	cmd := &cobra.Command{
		Use:   "explain PROFILE SYSCALL [ARG...] [--arch ARCH]",
		Short: "Say what a profile does with one system call, and which rule decides",
		Long: `Compile the profile, run the program over one system call with the BPF interpreter
(which follows the kernel's rules exactly) and say what the kernel would do: the action,
the rule that decided it with its place in the file, or why no rule did (the default
action, ENOSYS for numbers above every syscall the profile names, an architecture the
program does not accept).

SYSCALL is a name or a number on the architecture. ARGs are the syscall's arguments,
up to six, as 64-bit numbers: decimal, 0x hex, 0o octal or 0b binary; a negative number
stands for its two's complement (-1 is 0xffffffffffffffff, as a sign-extended int is
passed on 64-bit architectures); put -- before the first negative one, after the flags.
Missing arguments are zero.

--arch is the architecture the call is made from (default: this machine's); the
program is compiled as runc would compile it on a machine of that architecture (x32
calls are made on an x86_64 machine).

Exit codes: 0 explained; 2 bad usage, an unknown syscall, or a profile that does not
load.`,
		Example: `  # Why is clone3 refused in Docker's default profile?
  seccompctl explain docker-default.json clone3

  # personality(PER_LINUX32) on aarch64
  seccompctl explain docker-default.json personality 8 --arch aarch64

  # An x32 call on an x86_64 machine, as JSON
  seccompctl explain profile.json getpid --arch x32 --format json

  # kill(-1, SIGKILL): negative arguments after --
  seccompctl explain profile.json kill --arch x86_64 -- -1 9`,
		Args: cobra.RangeArgs(2, 8),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file, opts.syscall, opts.args = args[0], args[1], args[2:]
			return runExplain(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.arch, "arch", "", "the architecture the call is made from (default: this machine's)")
	f.StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	f.StringVar(&opts.kernel, "kernel", "", "the host kernel release for minKernel (default: new enough for every rule)")
	formatFlag(cmd, &opts.format, "text", "json")
	cmd.RegisterFlagCompletionFunc("arch", cobra.FixedCompletions(archNames(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

type explainJSON struct {
	Profile   string          `json:"profile"`
	Arch      string          `json:"arch"`
	Syscall   string          `json:"syscall,omitempty"`
	Nr        int             `json:"nr"`
	Args      [6]uint64       `json:"args"`
	Decision  filter.Decision `json:"decision"`
	Position  string          `json:"position,omitempty"`
	Cacheable bool            `json:"cacheable"`
}

func runExplain(opts *explainOptions) error {
	if err := checkFormat(opts.format, "text", "json"); err != nil {
		return err
	}
	arch := syscalls.Native()
	if opts.arch != "" {
		a, err := syscalls.ParseArch(opts.arch)
		if err != nil {
			return UsageError(fmt.Errorf("--arch: %w", err))
		}
		arch = a
	}
	if !syscalls.HasTable(arch) {
		return UsageError(fmt.Errorf("--arch: no syscall table for %v", arch))
	}
	nr, name, err := parseSyscall(arch, opts.syscall)
	if err != nil {
		return UsageError(err)
	}
	var args [6]uint64
	for i, s := range opts.args {
		v, err := parseArg(s)
		if err != nil {
			return UsageError(fmt.Errorf("argument %d: %w", i, err))
		}
		args[i] = v
	}
	o, err := filterOptions(nil, opts.caps, opts.kernel)
	if err != nil {
		return err
	}
	o.Native = arch
	f, err := compileProfile(opts.app, opts.file, o)
	if err != nil {
		return err
	}
	res, err := explainCall(f, inputName(opts.file), arch, nr, name, args)
	if err != nil {
		return err
	}
	if opts.format == "json" {
		return writeJSON(opts.app.Out, res)
	}
	printExplanation(opts.app.Out, f, &res)
	return nil
}

// explainCall says what the compiled profile f (read from file) does with one call;
// the report's tests check every row of the page against it.
func explainCall(f *filter.Filter, file string, arch syscalls.Arch, nr int, name string, args [6]uint64) (explainJSON, error) {
	d, err := f.Explain(arch, nr, args)
	if err != nil {
		return explainJSON{}, err
	}
	res := explainJSON{Profile: file, Arch: arch.String(), Syscall: name, Nr: nr, Args: args, Decision: d,
		Cacheable: f.Cacheable(arch, nr)}
	if d.Rule != nil {
		if pos, ok := f.Profile.Pos(fmt.Sprintf("syscalls[%d]", d.Rule.Rule)); ok {
			res.Position = fmt.Sprintf("%s:%d:%d", file, pos.Line, pos.Column)
		}
	}
	return res, nil
}

// parseSyscall reads a syscall name or number on arch.
func parseSyscall(arch syscalls.Arch, s string) (int, string, error) {
	if nr, ok := syscalls.Number(arch, s); ok {
		return nr, s, nil
	}
	if v, err := strconv.ParseInt(s, 0, 64); err == nil && v >= -1<<31 && v < 1<<32 {
		nr := int(int32(uint32(v)))
		if arch == syscalls.X32 && nr >= 0 && nr < syscalls.X32SyscallBit {
			nr |= syscalls.X32SyscallBit
		}
		name, _ := syscalls.Name(arch, nr)
		return nr, name, nil
	}
	msg := fmt.Sprintf("%s has no syscall %q", arch.Name(), s)
	if sug := syscalls.Suggest(arch, s); len(sug) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(sug, ", "))
	}
	return 0, "", fmt.Errorf("%s", msg)
}

// parseArg reads a 64-bit argument; negative values are two's complement.
func parseArg(s string) (uint64, error) {
	if v, err := strconv.ParseUint(s, 0, 64); err == nil {
		return v, nil
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a 64-bit number", s)
	}
	return uint64(v), nil
}

func printExplanation(w io.Writer, f *filter.Filter, r *explainJSON) {
	arch, _ := syscalls.ParseArch(r.Arch)
	call := r.Syscall
	if call == "" {
		call = "syscall"
	}
	var args []string
	last := 0
	for i, a := range r.Args {
		if a != 0 {
			last = i + 1
		}
	}
	for _, a := range r.Args[:last] {
		args = append(args, fmt.Sprintf("%#x", a))
	}
	d := r.Decision
	fmt.Fprintf(w, "%s(%s) on %s (nr %d): %s\n", call, strings.Join(args, ", "), arch.Name(), r.Nr, actionText(d.Ret))
	switch d.Reason {
	case filter.ReasonRule:
		rule := f.Profile.Syscalls[d.Rule.Rule]
		where := fmt.Sprintf("syscalls[%d]", d.Rule.Rule)
		if r.Position != "" {
			where += " at " + r.Position
		}
		fmt.Fprintf(w, "  decided by %s: %s for %q", where, rule.Action, d.Rule.Name)
		if len(rule.Args) > 0 {
			fmt.Fprintf(w, " when %s", describeArgs(rule.Args))
		}
		fmt.Fprintln(w)
		if d.Rule.Via != "" {
			fmt.Fprintf(w, "  through %s: libseccomp adds a rule for the multiplexed call, as runc does\n", d.Rule.Via)
		}
	case filter.ReasonDefault:
		fmt.Fprintf(w, "  no rule applies: the default action, %s\n", f.Profile.DefaultAction)
	case filter.ReasonENOSYS:
		fmt.Fprintln(w, "  the number is above every syscall the profile names on this architecture: ENOSYS, as runc")
		fmt.Fprintln(w, "  answers so that programs fall back from syscalls newer than the profile")
	case filter.ReasonBadArch:
		fmt.Fprintf(w, "  the program does not accept %s system calls: the bad-architecture action, KILL_THREAD\n", arch.Name())
	}
	cache := "the kernel runs the filter for every call"
	if r.Cacheable {
		cache = "the kernel's action cache skips the filter for it"
	}
	fmt.Fprintf(w, "  %d BPF instructions executed; %s\n", d.Executed, cache)
}

func actionText(ret uint32) string {
	switch bpf.ActionOf(ret) {
	case bpf.Action(bpf.RetAllow):
		return "allowed (ALLOW)"
	case bpf.Action(bpf.RetLog):
		return "allowed and logged (LOG)"
	case bpf.Action(bpf.RetErrno):
		return fmt.Sprintf("fails with errno %d (ERRNO)", ret&bpf.RetData)
	case bpf.Action(bpf.RetKillThread):
		return "the thread is killed (KILL_THREAD)"
	case bpf.Action(bpf.RetKillProcess):
		return "the process is killed (KILL_PROCESS)"
	case bpf.Action(bpf.RetTrap):
		return "SIGSYS is sent (TRAP)"
	case bpf.Action(bpf.RetTrace):
		return fmt.Sprintf("the tracer is notified with %d, ENOSYS without one (TRACE)", ret&bpf.RetData)
	case bpf.Action(bpf.RetUserNotif):
		return "the supervisor decides, ENOSYS without one (NOTIFY)"
	}
	return bpf.RetString(ret)
}

func describeArgs(args []profile.Arg) string {
	var parts []string
	seen := map[uint]bool{}
	join := " and "
	for _, a := range args {
		if seen[a.Index] {
			join = " or " // runc splits such rules: any one condition suffices
		}
		seen[a.Index] = true
		op := map[profile.Operator]string{profile.OpEqualTo: "==", profile.OpNotEqual: "!=", profile.OpLessThan: "<",
			profile.OpLessEqual: "<=", profile.OpGreaterThan: ">", profile.OpGreaterEqual: ">="}[a.Op]
		if a.Op == profile.OpMaskedEqual {
			parts = append(parts, fmt.Sprintf("arg%d & %#x == %#x", a.Index, a.Value, a.ValueTwo))
		} else {
			parts = append(parts, fmt.Sprintf("arg%d %s %#x", a.Index, op, a.Value))
		}
	}
	return strings.Join(parts, join)
}
