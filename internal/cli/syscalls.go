package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/syscalls"
)

type syscallsOptions struct {
	app    *App
	arches []string
	list   bool
	format string
	args   []string
}

type syscallResult struct {
	Arch       string   `json:"arch"`
	Query      string   `json:"query"`
	Name       string   `json:"name,omitempty"`
	Number     *int     `json:"number,omitempty"`
	Exists     bool     `json:"exists"`
	Suggestion []string `json:"suggestions,omitempty"`
}

func newCmdSyscalls(app *App) *cobra.Command {
	opts := &syscallsOptions{app: app}
	cmd := &cobra.Command{
		Use:   "syscalls [NAME|NUMBER...]",
		Short: "Resolve syscall names and numbers per architecture",
		Long: `Resolve syscall names to numbers and numbers to names on one or more architectures,
or list an architecture's whole table. Numbers are what the kernel sees in
seccomp_data.nr: x32 numbers carry bit 0x40000000, MIPS numbers their 4000/5000 base.

Exits 1 when a name or number does not exist on one of the architectures asked for.`,
		Example: `  # Does open exist on aarch64? (no: it suggests openat)
  seccompctl syscalls --arch aarch64 open

  # Resolve on several architectures at once
  seccompctl syscalls --arch x86_64,x86,x32 execve 59

  # List the riscv64 table as JSON
  seccompctl syscalls --list --arch riscv64 --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runSyscalls(opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.arches, "arch", []string{syscalls.Native().Name()}, "architectures (x86_64, aarch64, SCMP_ARCH_X32, ...)")
	cmd.Flags().BoolVar(&opts.list, "list", false, "list every syscall of the architectures")
	formatFlag(cmd, &opts.format, "text", "json")
	cmd.RegisterFlagCompletionFunc("arch", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, a := range syscalls.TableArches() {
			names = append(names, a.Name())
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func runSyscalls(opts *syscallsOptions) error {
	if err := checkFormat(opts.format, "text", "json"); err != nil {
		return err
	}
	if !opts.list && len(opts.args) == 0 {
		return UsageError(fmt.Errorf("name a syscall or number, or use --list"))
	}
	var arches []syscalls.Arch
	for _, s := range opts.arches {
		a, err := syscalls.ParseArch(s)
		if err != nil {
			return UsageError(fmt.Errorf("--arch: %w", err))
		}
		if !syscalls.HasTable(a) {
			return UsageError(fmt.Errorf("--arch: no syscall table for %s", a.Name()))
		}
		arches = append(arches, a)
	}
	var results []syscallResult
	missing := false
	for _, a := range arches {
		if opts.list {
			for _, e := range syscalls.Table(a) {
				nr := e.Nr
				results = append(results, syscallResult{Arch: a.Name(), Query: e.Name, Name: e.Name, Number: &nr, Exists: true})
			}
			continue
		}
		for _, q := range opts.args {
			r := resolveSyscall(a, q)
			missing = missing || !r.Exists
			results = append(results, r)
		}
	}
	if opts.format == "json" {
		if err := writeJSON(opts.app.Out, results); err != nil {
			return err
		}
	} else {
		printSyscalls(opts, results, len(arches) > 1)
	}
	if missing {
		return FindingsError()
	}
	return nil
}

func resolveSyscall(a syscalls.Arch, q string) syscallResult {
	r := syscallResult{Arch: a.Name(), Query: q}
	if n, err := strconv.ParseInt(q, 0, 64); err == nil {
		nr := int(n)
		r.Number = &nr
		r.Name, r.Exists = syscalls.Name(a, nr)
		return r
	}
	name := strings.ToLower(q)
	if nr, ok := syscalls.Number(a, name); ok {
		r.Name, r.Number, r.Exists = name, &nr, true
		return r
	}
	r.Suggestion = syscalls.Suggest(a, name)
	return r
}

func printSyscalls(opts *syscallsOptions, results []syscallResult, showArch bool) {
	w := opts.app.Out
	for _, r := range results {
		prefix := ""
		if showArch {
			prefix = r.Arch + "\t"
		}
		switch {
		case r.Exists:
			fmt.Fprintf(w, "%s%s\t%d\n", prefix, r.Name, *r.Number)
		case r.Number != nil:
			fmt.Fprintf(w, "%s%s\tno syscall with this number on %s\n", prefix, r.Query, r.Arch)
		default:
			msg := fmt.Sprintf("%s%s\tnot a syscall on %s", prefix, r.Query, r.Arch)
			if len(r.Suggestion) > 0 {
				msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(r.Suggestion, ", "))
			}
			fmt.Fprintln(w, msg)
		}
	}
}
