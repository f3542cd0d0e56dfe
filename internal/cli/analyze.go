package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/analyze"
)

type analyzeOptions struct {
	app      *App
	paths    []string
	rootfs   string
	pids     []int
	cacheDir string
	noCache  bool
	strict   bool
	verbose  bool
	format   string
}

func newCmdAnalyze(app *App) *cobra.Command {
	opts := &analyzeOptions{app: app}
	cmd := &cobra.Command{
		Use:   "analyze BINARY... | --rootfs DIR [BINARY...] | --pid PID",
		Short: "Find the syscalls an executable can make, without running it",
		Long: `Static analysis of x86_64 and aarch64 ELF executables: the executable and the
libraries it needs are loaded as the dynamic loader would find them (DT_RUNPATH,
DT_RPATH, ld.so.cache, the default directories; inside --rootfs when given), calls are
followed from the entry points, and the number at every syscall instruction and every
call of a syscall wrapper (libc's syscall(), Go's syscall helpers) is read.

The set over-approximates: an indirect call may reach any function whose address is
taken. What it cannot see is reported, never dropped: syscall sites whose number is not
a constant, libraries that were not found, libraries loaded at run time (dlopen: use
--pid on the running process), other programs executed, code generated at run time.
docs/static-analysis.md says exactly what is covered.

With --rootfs and no BINARY, every executable in the root filesystem's bin and sbin
directories is analyzed. --pid also analyzes what /proc/PID/maps shows mapped.
Per-library results are cached by build-id (--cache-dir, --no-cache).

Exit codes: 0 analyzed; 1 with --strict when a library is missing or a site is
unresolved; 2 bad input (not ELF, corrupt, another architecture, a directory).`,
		Example: `  # The syscalls nginx and its libraries can make, with one call chain for each
  seccompctl analyze /usr/sbin/nginx --verbose

  # Every executable of an unpacked container image, as JSON
  seccompctl analyze --rootfs ./rootfs --format json

  # A running process, including the modules it dlopen'ed
  seccompctl analyze --pid 1234`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runAnalyze(opts)
		},
	}
	cmd.Flags().StringVar(&opts.rootfs, "rootfs", "", "resolve paths and libraries inside this root filesystem")
	cmd.Flags().IntSliceVar(&opts.pids, "pid", nil, "analyze running processes, with the libraries they mapped")
	cmd.Flags().StringVar(&opts.cacheDir, "cache-dir", analyze.DefaultCacheDir(), "where per-library results are cached by build-id")
	cmd.Flags().BoolVar(&opts.noCache, "no-cache", false, "do not read or write the cache")
	cmd.Flags().BoolVar(&opts.strict, "strict", false, "exit 1 when a library is missing or a syscall site is unresolved")
	cmd.Flags().BoolVarP(&opts.verbose, "verbose", "v", false, "show the call chain of every syscall and every unresolved site")
	formatFlag(cmd, &opts.format, "text", "json")
	return cmd
}

func runAnalyze(opts *analyzeOptions) error {
	if err := checkFormat(opts.format, "text", "json"); err != nil {
		return err
	}
	if len(opts.paths) == 0 && opts.rootfs == "" && len(opts.pids) == 0 {
		return UsageError(errors.New("analyze needs a BINARY, --rootfs DIR or --pid PID"))
	}
	ao := analyze.Options{Root: opts.rootfs, PIDs: opts.pids, CacheDir: opts.cacheDir}
	if opts.noCache {
		ao.CacheDir = ""
	}
	res, err := analyze.Analyze(context.Background(), opts.paths, ao)
	if err != nil {
		var ie *analyze.InputError
		if errors.As(err, &ie) {
			return UsageError(err)
		}
		return err
	}
	if opts.format == "json" {
		if err := writeJSON(opts.app.Out, res); err != nil {
			return err
		}
	} else {
		writeAnalyzeText(opts.app.Out, res, opts.verbose)
	}
	if opts.strict && (len(res.Missing) > 0 || len(res.Unresolved) > 0) {
		return FindingsError()
	}
	return nil
}

func writeAnalyzeText(w io.Writer, res *analyze.Result, verbose bool) {
	cached := 0
	for _, o := range res.Objects {
		if o.FromCache {
			cached++
		}
	}
	for _, a := range res.Arches {
		fmt.Fprintf(w, "%s: %d syscalls reachable (%d objects analyzed, %d from cache)\n", a.Arch, len(a.Syscalls), len(res.Objects), cached)
		if verbose {
			for _, s := range a.Syscalls {
				fmt.Fprintf(w, "  %-22s %s\n", s.Name, s.Why())
			}
			continue
		}
		names := make([]string, len(a.Syscalls))
		for i, s := range a.Syscalls {
			names[i] = s.Name
		}
		writeWrapped(w, names, "  ", 88)
	}
	if len(res.Unresolved) > 0 {
		fmt.Fprintf(w, "unresolved syscall sites: %d (their numbers are not in the set above)\n", len(res.Unresolved))
		limit := 10
		if verbose {
			limit = len(res.Unresolved)
		}
		for i, s := range res.Unresolved {
			if i == limit {
				fmt.Fprintf(w, "  ... %d more (--verbose or --format json lists them)\n", len(res.Unresolved)-limit)
				break
			}
			fn := s.Function
			if fn == "" {
				fn = "?"
			}
			fmt.Fprintf(w, "  %s+%#x in %s: %s\n", s.Object, s.Addr, fn, s.Reason)
		}
	}
	if len(res.Missing) > 0 {
		fmt.Fprintf(w, "libraries not found: %d (the set misses what they call)\n", len(res.Missing))
		for _, m := range res.Missing {
			fmt.Fprintf(w, "  %s, needed by %s\n", m.Name, m.NeededBy)
		}
	}
	for _, n := range res.Notes {
		where := ""
		if n.Where != "" {
			where = " (" + n.Where + ")"
		}
		fmt.Fprintf(w, "note: %s: %s%s: %s\n", n.Kind, n.Object, where, n.Detail)
	}
}

func writeWrapped(w io.Writer, words []string, indent string, width int) {
	line := indent
	for _, s := range words {
		if len(line)+len(s)+1 > width && strings.TrimSpace(line) != "" {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			line = indent
		}
		line += s + " "
	}
	if strings.TrimSpace(line) != "" {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}
