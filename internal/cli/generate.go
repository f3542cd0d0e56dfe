package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/analyze"
	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// genFlags are the generation options record and generate share.
type genFlags struct {
	defaultAction string
	errno         uint
	arches        []string
	runtime       string
	noNewPrivs    bool
	comments      bool
}

func (g *genFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&g.defaultAction, "default-action", "errno", "answer to syscalls not recorded: errno, kill, kill_thread, trap, log or trace")
	f.UintVar(&g.errno, "errno", generate.EPERM, "errno returned with --default-action errno (1 = EPERM)")
	f.StringSliceVar(&g.arches, "arch", nil, "architectures of the profile (default: those recorded); names missing on one are translated (open → openat on aarch64)")
	f.StringVar(&g.runtime, "runtime", "none", "also allow what this OCI runtime calls after installing the filter: runc, crun or none")
	f.BoolVar(&g.noNewPrivs, "no-new-privs", false, "the container runs with no_new_privs (allowPrivilegeEscalation: false); with --runtime")
	f.BoolVar(&g.comments, "comments", false, "say in each rule which executables made the call and how often")
	cmd.RegisterFlagCompletionFunc("runtime", cobra.FixedCompletions([]string{"runc", "crun", "none"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("default-action", cobra.FixedCompletions([]string{"errno", "kill", "kill_thread", "trap", "log", "trace"}, cobra.ShellCompDirectiveNoFileComp))
}

// options validates the flags.
func (g *genFlags) options(args bool) (generate.Options, error) {
	var o generate.Options
	a, err := generate.ParseDefaultAction(g.defaultAction)
	if err != nil {
		return o, UsageError(fmt.Errorf("--default-action: %w", err))
	}
	o.DefaultAction, o.Errno = a, g.errno
	if g.errno == 0 || g.errno > 4095 {
		return o, UsageError(fmt.Errorf("--errno %d: want an errno between 1 and 4095", g.errno))
	}
	for _, s := range g.arches {
		arch, err := syscalls.ParseArch(s)
		if err != nil {
			return o, UsageError(fmt.Errorf("--arch: %w", err))
		}
		if !syscalls.HasTable(arch) {
			return o, UsageError(fmt.Errorf("--arch: no syscall table for %s", arch.Name()))
		}
		o.Arches = append(o.Arches, arch)
	}
	switch g.runtime {
	case "runc", "crun":
		o.Runtime = g.runtime
	case "none", "":
	default:
		return o, UsageError(fmt.Errorf("--runtime %q: want runc, crun or none", g.runtime))
	}
	o.NoNewPrivs, o.Comments, o.Args = g.noNewPrivs, g.comments, args
	return o, nil
}

// writeProfile generates the profile and writes it atomically to out ("-" is stdout).
func writeProfile(app *App, rec *record.Recording, opts generate.Options, out string) (*generate.Report, error) {
	p, rep, err := generate.Profile(rec, opts)
	if err != nil {
		return nil, err
	}
	if out == "-" || out == "" {
		data, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		_, err = app.Out.Write(data)
		return rep, err
	}
	if err := profile.WriteFile(out, p); err != nil {
		return nil, err
	}
	return rep, nil
}

// printReport tells on stderr what generation changed beyond the recording.
func printReport(w io.Writer, rep *generate.Report) {
	if len(rep.Translated) > 0 {
		fmt.Fprintf(w, "  translated for other architectures: %s\n", strings.Join(rep.Translated, ", "))
	}
	if len(rep.Dropped) > 0 {
		fmt.Fprintf(w, "  not in the profile: %s\n", strings.Join(rep.Dropped, "; "))
	}
	if len(rep.RuntimeAdded) > 0 {
		fmt.Fprintf(w, "  added for the runtime: %s\n", strings.Join(rep.RuntimeAdded, " "))
	}
	if rep.Conditional > 0 {
		fmt.Fprintf(w, "  %d syscalls allowed only with the argument values recorded\n", rep.Conditional)
	}
}

type generateOptions struct {
	app          *App
	gen          genFlags
	from         []string
	output       string
	auditProfile bool
	args         bool
	pid          int
	comm         string
	quiet        bool
	complete     completeFlags
}

func newCmdGenerate(app *App) *cobra.Command {
	opts := &generateOptions{app: app}
	cmd := &cobra.Command{
		Use:   "generate (--from FILE... | --audit-profile) [-o PROFILE]",
		Short: "Build a profile from logs and saved recordings, or write the audit profile",
		Long: `Build a seccomp profile from what a program was seen doing, or write the profile to
run it under first so that it can be seen.

--from reads, in any mix and any number of files ("-" is stdin):
  - trace files written by 'seccompctl record --save-trace' (arguments and executables kept);
  - SECCOMP audit records (type 1326) from audit.log (raw or ausearch -i), journalctl,
    journalctl -k, dmesg, /dev/kmsg or syslog;
  - strace output: -f or not, with or without -t/-tt/-ttt/-r timestamps, and -c summary
    tables (whose "total" row is not a syscall).
The profile allows the union of every input. Lines that cannot be read are counted and
reported on stderr, never fatal. Logs fed from the kernel's printk (dmesg, journalctl -k,
syslog without auditd) lose records to rate limiting: prefer 'record --from-audit'.

--audit-profile writes the "allow everything, log it" profile (SCMP_ACT_LOG default,
compat architectures included so 32-bit calls are logged, not killed). Run the workload
under it while 'seccompctl record --from-audit' collects the records.

Exits 0 on success (even with malformed lines), 2 on bad flags, unreadable input, or
inputs holding no syscall at all.`,
		Example: `  # From an audit log and a saved recording, for x86_64 and aarch64
  seccompctl generate --from /var/log/audit/audit.log --from app.trace --arch x86_64,aarch64 -o app.json

  # From strace, adding what runc needs
  strace -f -o app.strace -- ./app && seccompctl generate --from app.strace --runtime runc -o app.json

  # From a strace -c summary
  strace -c -f -o summary.txt -- ./app && seccompctl generate --from summary.txt

  # The profile to discover with, in a cluster or under 'seccompctl run'
  seccompctl generate --audit-profile -o audit.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.complete.explicit = cmd.Flags().Changed("complete")
			return runGenerate(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.from, "from", nil, "input file (repeatable; \"-\" for stdin)")
	f.StringVarP(&opts.output, "output", "o", "-", "profile to write (\"-\" for stdout); written atomically")
	f.BoolVar(&opts.auditProfile, "audit-profile", false, "write the allow-and-log profile to discover with")
	f.BoolVar(&opts.args, "args", false, "emit argument conditions recorded in trace files (record --args)")
	f.IntVar(&opts.pid, "pid", 0, "use only SECCOMP records of this pid")
	f.StringVar(&opts.comm, "comm", "", "use only SECCOMP records of this comm (program name)")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "do not print what was read")
	opts.gen.register(cmd)
	opts.complete.register(cmd, "none", true)
	return cmd
}

func runGenerate(ctx context.Context, opts *generateOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := opts.complete.validate(); err != nil {
		return err
	}
	if opts.complete.format == "json" && opts.output == "-" {
		return UsageError(errors.New("--format json writes the report on stdout: write the profile to a file with -o"))
	}
	if opts.auditProfile {
		if len(opts.from) > 0 {
			return UsageError(errors.New("--audit-profile writes a fixed profile: it takes no --from"))
		}
		g, err := opts.gen.options(false)
		if err != nil {
			return err
		}
		p := generate.AuditProfile(g.Arches)
		if opts.output == "-" {
			data, err := p.Marshal()
			if err != nil {
				return err
			}
			_, err = opts.app.Out.Write(data)
			return err
		}
		return profile.WriteFile(opts.output, p)
	}
	if len(opts.from) == 0 {
		return UsageError(errors.New("name the inputs with --from FILE (or use --audit-profile)"))
	}
	g, err := opts.gen.options(opts.args)
	if err != nil {
		return err
	}
	imp := generate.ImportOptions{}
	if len(g.Arches) == 1 {
		imp.Arch = g.Arches[0]
	}
	if opts.pid != 0 || opts.comm != "" {
		imp.Keep = func(r audit.SeccompRecord) bool {
			return (opts.pid == 0 || r.PID == opts.pid) && (opts.comm == "" || r.Comm == opts.comm)
		}
	}
	all := record.New("import")
	for _, name := range opts.from {
		rec, st, err := importFile(opts.app, name, imp)
		if st != nil && !opts.quiet {
			printImportStats(opts.app.ErrOut, st)
		}
		if err != nil {
			if errors.Is(err, generate.ErrNothingFound) && len(opts.from) > 1 {
				continue
			}
			return UsageError(err)
		}
		all.Merge(rec)
	}
	if len(all.Calls) == 0 {
		return UsageError(fmt.Errorf("no syscalls found in %s", strings.Join(opts.from, ", ")))
	}
	comp, err := completeOptions(ctx, &opts.complete, all, &g)
	if err != nil {
		var ie *analyze.InputError
		if errors.As(err, &ie) {
			return UsageError(err)
		}
		return err
	}
	rep, err := writeProfile(opts.app, all, g, opts.output)
	if err != nil {
		return err
	}
	comp.setCompleted(rep)
	if opts.complete.format == "json" {
		if err := writeJSON(opts.app.Out, profileReport{Profile: opts.output, Allowed: rep.Allowed, Completion: comp}); err != nil {
			return err
		}
	}
	if !opts.quiet {
		defer comp.print(opts.app.ErrOut)
		where := opts.output
		if where == "-" {
			where = "stdout"
		}
		fmt.Fprintf(opts.app.ErrOut, "wrote %s: %d syscalls allowed\n", where, rep.Allowed)
		printReport(opts.app.ErrOut, rep)
	}
	return nil
}

func importFile(app *App, name string, imp generate.ImportOptions) (*record.Recording, *generate.ImportStats, error) {
	if name == "-" {
		return generate.Import("stdin", app.In, imp)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return generate.Import(name, f, imp)
}

func printImportStats(w io.Writer, st *generate.ImportStats) {
	formats := strings.Join(st.Formats, ", ")
	if formats == "" {
		formats = "nothing recognised"
	}
	fmt.Fprintf(w, "%s: %s; %d lines used, %d ignored, %d malformed\n", st.Name, formats, st.Used, st.Ignored, st.Malformed)
	for _, e := range st.Examples {
		fmt.Fprintf(w, "  %s:%d: %s\n", st.Name, e.Line, e.Err)
	}
	if st.Malformed > len(st.Examples) {
		fmt.Fprintf(w, "  ... and %d more malformed lines\n", st.Malformed-len(st.Examples))
	}
}
