package cli

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/analyze"
	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// completeFlags choose whether a recorded profile is completed by static analysis.
type completeFlags struct {
	mode     string
	binaries []string
	// moduleDirs are directories the program loads modules from, named by the user:
	// every shared object in them is analyzed as a dlopen'ed module.
	moduleDirs []string
	cacheDir   string
	format     string
	// explicit is set when --complete was given, not defaulted.
	explicit bool
}

func (c *completeFlags) register(cmd *cobra.Command, def string, binaryFlag bool) {
	f := cmd.Flags()
	f.StringVar(&c.mode, "complete", def, "static: also allow what static analysis finds the program can reach (dangerous syscalls are listed, never added); none: only what was seen")
	if binaryFlag {
		f.StringArrayVar(&c.binaries, "binary", nil, "with --complete static: an executable to analyze (repeatable), besides those a trace file names")
	}
	f.StringArrayVar(&c.moduleDirs, "module-dir", nil, "with --complete static: a directory the program loads modules from (repeatable); every shared object in it is analyzed, loaded while recording or not (an embedded interpreter's extension modules, plugins named by a configuration)")
	f.StringVar(&c.cacheDir, "analysis-cache", analyze.DefaultCacheDir(), "where static analysis caches per-library results by build-id (\"\" for none)")
	formatFlag(cmd, &c.format, "text", "json")
	cmd.RegisterFlagCompletionFunc("complete", cobra.FixedCompletions([]string{"static", "none"}, cobra.ShellCompDirectiveNoFileComp))
}

func (c *completeFlags) validate() error {
	if err := checkFormat(c.format, "text", "json"); err != nil {
		return err
	}
	switch c.mode {
	case "static", "none":
	default:
		return UsageError(fmt.Errorf("--complete %q: want static or none", c.mode))
	}
	if c.mode == "none" && len(c.binaries) > 0 {
		return UsageError(errors.New("--binary names what --complete static analyzes: add --complete static"))
	}
	if c.mode == "none" && len(c.moduleDirs) > 0 {
		return UsageError(errors.New("--module-dir names what --complete static analyzes: add --complete static"))
	}
	for _, d := range c.moduleDirs {
		if st, err := os.Stat(d); err != nil {
			return UsageError(fmt.Errorf("--module-dir %s: %w", d, err))
		} else if !st.IsDir() {
			return UsageError(fmt.Errorf("--module-dir %s: not a directory (name the directory the modules are in)", d))
		}
	}
	return nil
}

// completion is what static completion did, for the user: printed on stderr, or in the
// JSON report with --format json.
type completion struct {
	Analyzed   []string            `json:"analyzed"`
	Added      []string            `json:"added"`
	Withheld   []generate.Withheld `json:"withheld,omitempty"`
	Unresolved []analyze.Site      `json:"unresolved,omitempty"`
	Missing    []analyze.Missing   `json:"missing,omitempty"`
	Notes      []analyze.Note      `json:"notes,omitempty"`
	Skipped    []string            `json:"skipped,omitempty"`
	// Modules are the shared objects analyzed, though the recording never mapped them,
	// because they sit beside a module dlopen'ed while recording or in a directory
	// the code that calls dlopen names (ModuleDirs).
	Modules    []string `json:"modules,omitempty"`
	ModuleDirs []string `json:"moduleDirs,omitempty"`
	// Executed are the programs the analyzed objects name by path, analyzed too since
	// they can execute programs.
	Executed []analyze.NamedProgram `json:"executed,omitempty"`
}

// maxExecRounds bounds how many times completion follows programs named by programs
// it added (a shell named by libc, what that shell names, ...).
const maxExecRounds = 4

// completeOptions analyzes the recording's executables and mapped files (and the extra
// binaries) and sets gen to add what they can reach. Executables are analyzed as
// programs; a mapped library none of them needs was dlopen'ed, and is analyzed as a
// library whose every export may be called.
func completeOptions(ctx context.Context, c *completeFlags, rec *record.Recording, gen *generate.Options) (*completion, error) {
	if c.mode != "static" {
		return nil, nil
	}
	comp := &completion{}
	var exes, libs []string
	for _, p := range c.binaries {
		if _, err := objectKind(p); err != nil {
			return comp, UsageError(fmt.Errorf("--binary %s: %w", p, err))
		}
	}
	for _, g := range rec.ObjectGaps {
		comp.Skipped = append(comp.Skipped, "recording: "+g)
	}
	for _, p := range slices.Concat(c.binaries, rec.Objects) {
		kind, err := objectKind(p)
		switch {
		case err != nil:
			comp.Skipped = append(comp.Skipped, fmt.Sprintf("%s: %v", p, err))
		case kind == "executable":
			exes = appendNew(exes, p)
		default:
			libs = appendNew(libs, p)
		}
	}
	if len(exes) == 0 && !c.explicit {
		// Completion by default, of a recording that names no executable (audit mode):
		// say so rather than fail.
		comp.Skipped = append(comp.Skipped, "the recording names no executable: nothing to complete from (pass --binary to 'generate --complete static')")
		return comp, nil
	}
	if len(exes) == 0 {
		return comp, errors.New("static completion: no executable to analyze (the recording names none: pass --binary, or --complete none)")
	}
	opts := analyze.Options{CacheDir: c.cacheDir}
	res, err := analyze.Analyze(ctx, exes, opts)
	if err != nil {
		return comp, fmt.Errorf("static completion: %w", err)
	}
	loaded := map[string]bool{}
	for _, o := range res.Objects {
		loaded[canonical(o.Path)] = true
	}
	var dlopened, recorded []string
	for _, l := range libs {
		if !loaded[canonical(l)] {
			dlopened = append(dlopened, l)
			if slices.Contains(rec.Objects, l) {
				recorded = append(recorded, l)
			}
		}
	}
	// addModules takes modules the recording never mapped, to be analyzed as libraries.
	addModules := func(found analyze.Siblings) {
		for _, m := range found.Modules {
			if loaded[m] || slices.ContainsFunc(dlopened, func(d string) bool { return canonical(d) == m }) {
				continue
			}
			dlopened = append(dlopened, m)
			comp.Modules = append(comp.Modules, m)
		}
		comp.ModuleDirs = append(comp.ModuleDirs, found.Dirs...)
		for _, d := range found.TooMany {
			comp.Skipped = append(comp.Skipped, fmt.Sprintf("%s: modules may be dlopen'ed from it, but it holds too many shared objects to analyze them all: modules loaded from it are in the profile only if they were mapped while recording", d))
		}
	}
	// A module dlopen'ed while recording stands for its directory: the program may load
	// any other module from it on a path the training did not take.
	sib, err := analyze.ModuleSiblings(recorded)
	if err != nil {
		return comp, fmt.Errorf("static completion: %w", err)
	}
	addModules(sib)
	// The objects that call dlopen name where their modules are, even when the
	// training loaded none.
	var callers []string
	for _, n := range res.Notes {
		if n.Kind == analyze.NoteDlopen && !slices.Contains(callers, n.Object) {
			callers = append(callers, n.Object)
		}
	}
	named, err := analyze.NamedModules(callers, slices.Concat(objectPaths(res), dlopened))
	if err != nil {
		return comp, fmt.Errorf("static completion: %w", err)
	}
	addModules(named)
	given, err := analyze.ModulesIn(c.moduleDirs, slices.Concat(objectPaths(res), dlopened))
	if err != nil {
		return comp, fmt.Errorf("static completion: %w", err)
	}
	addModules(given)
	if len(dlopened) > 0 {
		if res, err = analyze.Analyze(ctx, append(exes, dlopened...), opts); err != nil {
			return comp, fmt.Errorf("static completion: %w", err)
		}
	}
	// A program that can execute others runs, under the same filter, those it names by
	// path (libc's system and popen run /bin/sh, which also interprets #!/bin/sh
	// scripts): analyze them as programs too, each on its own (a separate process),
	// and what they name in turn. What it runs by a name from elsewhere (configuration,
	// a script's commands) stays unknown: the exec note says so.
	analyzed, from := objectPaths(res), res
	for round := 0; round < maxExecRounds && hasNote(from.Notes, analyze.NoteExec); round++ {
		named, err := analyze.NamedPrograms(objectPaths(from), analyzed)
		if err != nil {
			return comp, fmt.Errorf("static completion: %w", err)
		}
		if len(named) == 0 {
			break
		}
		var paths []string
		for _, n := range named {
			paths = append(paths, n.Path)
		}
		comp.Executed = append(comp.Executed, named...)
		if from, err = analyze.Analyze(ctx, paths, opts); err != nil {
			return comp, fmt.Errorf("static completion: %w", err)
		}
		res.Merge(from)
		analyzed = append(analyzed, objectPaths(from)...)
	}
	for _, o := range res.Objects {
		comp.Analyzed = append(comp.Analyzed, o.Path)
	}
	comp.Unresolved, comp.Missing, comp.Notes = res.Unresolved, res.Missing, res.Notes
	for _, a := range res.Arches {
		arch, err := syscalls.ParseArch(a.Arch)
		if err != nil {
			continue
		}
		for _, s := range a.Syscalls {
			gen.Complete = append(gen.Complete, generate.Reachable{Arch: arch, Name: s.Name, Why: s.Why()})
		}
	}
	gen.Withhold = syscalls.Dangerous
	return comp, nil
}

func objectPaths(res *analyze.Result) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Path)
	}
	return out
}

func hasNote(notes []analyze.Note, kind string) bool {
	return slices.ContainsFunc(notes, func(n analyze.Note) bool { return n.Kind == kind })
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func canonical(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// objectKind says whether an ELF file is an executable (see analyze.IsExecutable) or a
// library.
func objectKind(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if analyze.IsExecutable(f) {
		return "executable", nil
	}
	if f.Type != elf.ET_DYN {
		return "", fmt.Errorf("ELF type %s is neither an executable nor a shared object", f.Type)
	}
	return "library", nil
}

// reachableOf analyzes binaries for lint --binary: each syscall with the binary that
// reaches it and how.
func reachableOf(binaries []string, cacheDir string) ([]lint.Reachable, error) {
	var out []lint.Reachable
	for _, b := range binaries {
		res, err := analyze.Analyze(context.Background(), []string{b}, analyze.Options{CacheDir: cacheDir})
		if err != nil {
			var ie *analyze.InputError
			if errors.As(err, &ie) {
				return nil, UsageError(fmt.Errorf("--binary: %w", err))
			}
			return nil, fmt.Errorf("--binary %s: %w", b, err)
		}
		for _, a := range res.Arches {
			arch, err := syscalls.ParseArch(a.Arch)
			if err != nil {
				continue
			}
			for _, s := range a.Syscalls {
				out = append(out, lint.Reachable{Arch: arch, Name: s.Name, Binary: b, Why: s.Why()})
			}
		}
	}
	return out, nil
}

// profileReport is what record and generate print with --format json.
type profileReport struct {
	Profile    string      `json:"profile"`
	Allowed    int         `json:"allowed"`
	Completion *completion `json:"completion,omitempty"`
}

// setCompleted fills in what generation added.
func (c *completion) setCompleted(rep *generate.Report) {
	if c == nil || rep == nil {
		return
	}
	c.Added, c.Withheld = rep.Completed, rep.Withheld
}

// print tells on stderr what completion added, what it held back for a human and what
// static analysis could not see.
func (c *completion) print(w io.Writer) {
	if c == nil {
		return
	}
	fmt.Fprintf(w, "  static completion: %d objects analyzed; added %d syscalls not seen while recording", len(c.Analyzed), len(c.Added))
	if len(c.Added) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(c.Added, " "))
	}
	fmt.Fprintln(w)
	if len(c.Modules) > 0 {
		fmt.Fprintf(w, "  %d modules never mapped while recording analyzed too: they sit beside modules it dlopen'ed, in directories the code calling dlopen names, or in --module-dir: %s\n", len(c.Modules), strings.Join(c.ModuleDirs, ", "))
	}
	if len(c.Withheld) > 0 {
		fmt.Fprintf(w, "  NOT added, dangerous: decide yourself and add a rule if the program needs them:\n")
		for _, h := range c.Withheld {
			fmt.Fprintf(w, "    %s: %s (%s)\n", h.Name, h.Reason, h.Why)
		}
	}
	if len(c.Unresolved) > 0 {
		fmt.Fprintf(w, "  %d syscall sites whose number static analysis could not read: the program may make calls neither seen nor added ('seccompctl analyze --verbose' lists them)\n", len(c.Unresolved))
	}
	for _, m := range c.Missing {
		fmt.Fprintf(w, "  library %s (needed by %s) not found: its syscalls are not added\n", m.Name, m.NeededBy)
	}
	if len(c.Executed) > 0 {
		var named []string
		for _, n := range c.Executed {
			named = append(named, fmt.Sprintf("%s (named by %s)", n.Path, filepath.Base(n.NamedBy)))
		}
		fmt.Fprintf(w, "  programs it can execute, named by path in its code, analyzed too: %s\n", strings.Join(named, ", "))
	}
	// Notes of the recorded objects first: those of the modules analyzed because they
	// might be loaded are many, and alike.
	notes := slices.Clone(c.Notes)
	slices.SortStableFunc(notes, func(a, b analyze.Note) int {
		am, bm := slices.Contains(c.Modules, a.Object), slices.Contains(c.Modules, b.Object)
		switch {
		case am == bm:
			return 0
		case bm:
			return -1
		}
		return 1
	})
	printNotes(w, notes)
	for _, s := range c.Skipped {
		fmt.Fprintf(w, "  not analyzed: %s\n", s)
	}
}

// noteMeaning says, per kind of note, what it means for a completed profile.
var noteMeaning = map[string]string{
	analyze.NoteDlopen: "modules loaded at run time: those mapped while recording, those beside them and those in directories the calling code names were analyzed; a module found by a path built at run time (an interpreter's extension modules, a path from the configuration) was not: name its directory with --module-dir",
	analyze.NoteExec:   "other programs run: those named by path in the analyzed code were analyzed; any other (named by configuration, a script, a user) has its calls in the profile only if it ran while recording",
	analyze.NoteJIT:    "code generated at run time is not analyzed",
	analyze.NoteInt80:  "32-bit system calls (int $0x80) are not in the set",
}

// maxNoteObjects bounds the objects a note line names: completion may analyze hundreds
// of modules, and a line naming them all hides the other lines.
const maxNoteObjects = 8

// printNotes prints one line per kind of note, with the objects they come from
// (--format json has each one).
func printNotes(w io.Writer, notes []analyze.Note) {
	var kinds []string
	objects := map[string][]string{}
	count := map[string]int{}
	detail := map[string]string{}
	for _, n := range notes {
		if count[n.Kind] == 0 {
			kinds = append(kinds, n.Kind)
			detail[n.Kind] = n.Detail
		}
		count[n.Kind]++
		if o := filepath.Base(n.Object); !slices.Contains(objects[n.Kind], o) {
			objects[n.Kind] = append(objects[n.Kind], o)
		}
	}
	for _, k := range kinds {
		meaning := noteMeaning[k]
		if meaning == "" {
			meaning = detail[k]
		}
		objs := objects[k]
		if len(objs) > maxNoteObjects {
			objs = append(objs[:maxNoteObjects:maxNoteObjects], fmt.Sprintf("%d more", len(objects[k])-maxNoteObjects))
		}
		fmt.Fprintf(w, "  not analyzable, %s (%d in %s): %s\n", k, count[k], strings.Join(objs, ", "), meaning)
	}
}
