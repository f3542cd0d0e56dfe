package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

type compileOptions struct {
	app    *App
	file   string
	arches []string
	caps   []string
	kernel string
	format string
	stats  bool
	out    string
}

func newCmdCompile(app *App) *cobra.Command {
	opts := &compileOptions{app: app}
	cmd := &cobra.Command{
		Use:   "compile PROFILE [--arch ARCH]... [--format asm|bpf|c|json] [--stats] [-o OUT]",
		Short: "Compile a profile to the seccomp BPF program the kernel runs",
		Long: `Compile a seccomp profile to one classic BPF program, with the meaning runc gives the
profile through libseccomp: rules equal to the default action are dropped, unknown
syscall names ignored, conditions on the same argument OR'd, syscalls numbered above
every syscall the profile names get ENOSYS, and other architectures the
bad-architecture action (KILL_THREAD). docs/compiler.md has the details and every
deliberate difference from libseccomp.

The program dispatches on the architecture, then searches the syscall number with a
binary search over runs of numbers that share an outcome, so that a syscall whose
decision does not depend on its arguments costs a handful of comparisons and can be
cached by the kernel (Linux 5.11+).

Without --arch the program accepts this machine's architecture and those the profile
lists, as runc does; --arch (repeatable, comma-separated) gives the exact list, the
first one being the machine's. Warnings about rules that may not mean what they say
go to stderr.

Formats: asm (annotated assembly, the default), bpf (the raw program as seccomp(2)
takes it: 8 bytes an instruction, in the target's byte order), c (a struct
sock_filter array), json (instructions, warnings and, with --stats, statistics).

--stats measures the program with the interpreter over every syscall of each
architecture (arguments zero): length, instructions executed for allowed, denied and
argument-dependent syscalls (average and maximum), and how many syscalls the kernel's
action cache can skip. They go to stderr, or to stdout when -o is used.

Exit codes: 0 compiled; 2 bad usage, a profile that does not load, or one that cannot
be compiled (e.g. more than 4096 instructions).`,
		Example: `  # The program for this machine, annotated
  seccompctl compile profile.json

  # Docker's default for x86_64 with its x86 and x32 sub-architectures, with statistics
  seccompctl compile docker-default.json --arch x86_64,x86,x32 --stats -o /dev/null

  # The raw program for an aarch64 node
  seccompctl compile profile.json --arch aarch64 --format bpf -o profile.bpf`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			return runCompile(opts)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.arches, "arch", nil, "architectures of the program (default: this machine's and the profile's)")
	f.StringSliceVar(&opts.caps, "caps", nil, "the container's capabilities for includes/excludes (default: the runtime's default set)")
	f.StringVar(&opts.kernel, "kernel", "", "the host kernel release for minKernel (default: new enough for every rule)")
	f.BoolVar(&opts.stats, "stats", false, "measure the program: length, instructions executed, cacheable syscalls")
	f.StringVarP(&opts.out, "output", "o", "", "write the program to this file (atomically) instead of stdout")
	formatFlag(cmd, &opts.format, "asm", "bpf", "c", "json")
	cmd.RegisterFlagCompletionFunc("arch", cobra.FixedCompletions(archNames(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func archNames() []string {
	var out []string
	for _, a := range syscalls.TableArches() {
		out = append(out, a.Name())
	}
	return out
}

// filterOptions turns --arch, --caps and --kernel into compiler options.
func filterOptions(arches, caps []string, kernel string) (filter.Options, error) {
	var o filter.Options
	for _, s := range arches {
		a, err := syscalls.ParseArch(s)
		if err != nil {
			return o, UsageError(fmt.Errorf("--arch: %w (known: %s)", err, strings.Join(archNames(), ", ")))
		}
		o.Arches = append(o.Arches, a)
	}
	o.Caps = profile.DefaultCaps()
	if caps != nil {
		o.Caps = nil
		for _, c := range caps {
			n, ok := profile.NormalizeCap(c)
			if !ok {
				return o, UsageError(fmt.Errorf("--caps: unknown capability %q", c))
			}
			o.Caps = append(o.Caps, n)
		}
	}
	o.Kernel = kernel
	return o, nil
}

// compileProfile loads and compiles a profile, printing warnings with their positions.
func compileProfile(app *App, file string, o filter.Options) (*filter.Filter, error) {
	p, err := loadOne(app, file)
	if err != nil {
		return nil, err
	}
	f, err := filter.Compile(p, o)
	if err != nil {
		return nil, UsageError(fmt.Errorf("%s: %w", inputName(file), err))
	}
	for _, w := range f.Warnings {
		fmt.Fprintf(app.ErrOut, "%s: warning: %s\n", warningPlace(f, file, w), w.Message)
	}
	return f, nil
}

func warningPlace(f *filter.Filter, file string, w filter.Warning) string {
	place := inputName(file)
	if w.Rule < 0 {
		return place
	}
	path := fmt.Sprintf("syscalls[%d]", w.Rule)
	if pos, ok := f.Profile.Pos(path); ok {
		return fmt.Sprintf("%s:%d:%d: %s", place, pos.Line, pos.Column, path)
	}
	return place + ": " + path
}

type compileJSON struct {
	Profile      string            `json:"profile"`
	Arches       []string          `json:"arches"`
	BigEndian    bool              `json:"bigEndian"`
	Flags        []profile.Flag    `json:"flags,omitempty"`
	Instructions []instructionJSON `json:"instructions"`
	Warnings     []filter.Warning  `json:"warnings"`
	Stats        *filter.Stats     `json:"stats,omitempty"`
}

type instructionJSON struct {
	Code uint16 `json:"code"`
	Jt   uint8  `json:"jt"`
	Jf   uint8  `json:"jf"`
	K    uint32 `json:"k"`
	Asm  string `json:"asm"`
}

func runCompile(opts *compileOptions) error {
	if err := checkFormat(opts.format, "asm", "bpf", "c", "json"); err != nil {
		return err
	}
	o, err := filterOptions(opts.arches, opts.caps, opts.kernel)
	if err != nil {
		return err
	}
	f, err := compileProfile(opts.app, opts.file, o)
	if err != nil {
		return err
	}
	var stats *filter.Stats
	if opts.stats {
		st, err := f.Stats()
		if err != nil {
			return err
		}
		stats = &st
	}
	var buf bytes.Buffer
	switch opts.format {
	case "asm":
		buf.WriteString(f.Disassemble())
	case "bpf":
		buf.Write(f.Program.Encode(f.Order()))
	case "c":
		writeC(&buf, f, inputName(opts.file))
	case "json":
		j := compileJSON{Profile: inputName(opts.file), BigEndian: f.BigEndian, Flags: f.Flags, Warnings: f.Warnings, Stats: stats}
		if j.Warnings == nil {
			j.Warnings = []filter.Warning{}
		}
		for _, a := range f.Arches {
			j.Arches = append(j.Arches, a.String())
		}
		for i, ins := range f.Program {
			j.Instructions = append(j.Instructions, instructionJSON{ins.Op, ins.Jt, ins.Jf, ins.K, bpf.FormatInstruction(ins, i)})
		}
		if err := writeJSON(&buf, j); err != nil {
			return err
		}
	}
	if opts.out != "" {
		if err := profile.WriteFileAtomic(opts.out, buf.Bytes(), 0o644); err != nil {
			return err
		}
	} else if _, err := opts.app.Out.Write(buf.Bytes()); err != nil {
		return err
	}
	if stats != nil && opts.format != "json" {
		w := opts.app.ErrOut
		if opts.out != "" {
			w = opts.app.Out
		}
		printStats(w, stats)
	}
	return nil
}

func writeC(w io.Writer, f *filter.Filter, name string) {
	var arches []string
	for _, a := range f.Arches {
		arches = append(arches, a.String())
	}
	fmt.Fprintf(w, "/* seccompctl compile %s: %d instructions for %s */\n", name, len(f.Program), strings.Join(arches, ", "))
	fmt.Fprintf(w, "#include <linux/filter.h>\n\nstatic struct sock_filter seccomp_filter[] = {\n")
	for i, ins := range f.Program {
		fmt.Fprintf(w, "\t{ 0x%02x, %3d, %3d, 0x%08x }, /* %04d: %s */\n", ins.Op, ins.Jt, ins.Jf, ins.K, i, bpf.FormatInstruction(ins, i))
	}
	fmt.Fprintf(w, "};\n\nstatic struct sock_fprog seccomp_prog = {\n\t.len = %d,\n\t.filter = seccomp_filter,\n};\n", len(f.Program))
}

func printStats(w io.Writer, st *filter.Stats) {
	fmt.Fprintf(w, "program: %d instructions\n", st.Instructions)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ARCH\tALLOWED\tAVG\tMAX\tDENIED\tAVG\tMAX\tARG-DEPENDENT\tAVG\tMAX\tCACHEABLE")
	for _, a := range st.Arches {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%.1f\t%d\t%d\t%.1f\t%d\t%d\n", a.Arch.Name(),
			a.Allowed.Syscalls, a.Allowed.AvgInsns, a.Allowed.MaxInsns,
			a.Denied.Syscalls, a.Denied.AvgInsns, a.Denied.MaxInsns,
			a.ArgDependent.Syscalls, a.ArgDependent.AvgInsns, a.ArgDependent.MaxInsns, a.Cacheable)
	}
	tw.Flush()
	for _, a := range st.Arches {
		if len(a.AllowedNotCacheable) > 0 {
			fmt.Fprintf(w, "%s: allowed but not cacheable: %s\n", a.Arch.Name(), strings.Join(a.AllowedNotCacheable, ", "))
		}
	}
	fmt.Fprintln(w, "(instructions executed with all arguments zero; x32 syscalls are never cached)")
}
