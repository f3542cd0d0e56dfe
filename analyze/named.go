package analyze

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// NamedProgram is an executable whose path an analyzed object holds as a string: a
// program it may execute (libc's system and popen run /bin/sh; a script's #! line names
// its interpreter).
type NamedProgram struct {
	Path    string `json:"path"`
	NamedBy string `json:"namedBy"` // the object that holds the path, or the script whose #! line names it
}

// maxNamedPath bounds the strings taken for paths: PATH_MAX.
const maxNamedPath = 4096

// PathStrings returns the absolute paths held in NUL-terminated strings in the
// read-only data of an ELF file, whole or as a word of a longer string (a command line
// such as "/bin/sh -c", a default setting such as "diskd_program /usr/lib/squid/diskd"):
// candidates for the programs it executes. Only the strings are read; whether they name
// a program is for NamedPrograms to decide.
func PathStrings(f *elf.File) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_ALLOC == 0 || s.Flags&(elf.SHF_WRITE|elf.SHF_EXECINSTR) != 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		for _, str := range bytes.Split(data, []byte{0}) {
			if bytes.IndexByte(str, '/') < 0 {
				continue
			}
			for _, word := range bytes.FieldsFunc(str, isPathSeparator) {
				if p := string(word); isPathString(p) && !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// isPathSeparator ends a word that may be a path: white space, quotes, and what
// separates a setting from its value or the entries of a list.
func isPathSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '"', '\'', '=', ':', ',', ';', '(', ')':
		return true
	}
	return false
}

// isPathString is true for an absolute path of plain file-name characters with at least
// one directory, outside the kernel's file systems: "/bin/sh", not "/", "/%s",
// "/tmp/ XXX" or "/proc/self/exe".
func isPathString(s string) bool {
	if len(s) < 4 || len(s) > maxNamedPath || s[0] != '/' || strings.Count(s, "/") < 2 || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
		return false
	}
	// Kernel file systems hold no programs: /proc/self/exe is the program itself.
	for _, fs := range []string{"/proc/", "/sys/", "/dev/"} {
		if strings.HasPrefix(s, fs) {
			return false
		}
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '/', c == '.', c == '_', c == '-', c == '+':
		default:
			return false
		}
	}
	return true
}

// NamedPrograms returns the executables that the objects name by path and that are not
// among skip: ELF executables (not libraries) on this machine, and for a script at such
// a path, the interpreter its #! line names. Objects that cannot be read are an error;
// paths that name nothing, or something that is not a program, are not.
func NamedPrograms(objects, skip []string) ([]NamedProgram, error) {
	seen := map[string]bool{}
	for _, s := range skip {
		seen[realPath(s)] = true
	}
	var out []NamedProgram
	add := func(path, by string) {
		if r := realPath(path); !seen[r] {
			seen[r] = true
			out = append(out, NamedProgram{Path: path, NamedBy: by})
		}
	}
	for _, o := range objects {
		f, err := elf.Open(o)
		if err != nil {
			return nil, fmt.Errorf("reading %s for the programs it names: %w", o, err)
		}
		paths := PathStrings(f)
		f.Close()
		for _, p := range paths {
			switch kind, interp := programKind(p); kind {
			case "executable":
				add(p, o)
			case "script":
				if k, _ := programKind(interp); k == "executable" {
					add(interp, p)
				}
			}
		}
	}
	return out, nil
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// programKind says whether path is a regular file with an execute bit that is an ELF
// executable ("executable") or a script ("script", with the interpreter its #! line
// names); "" for anything else.
func programKind(path string) (kind, interp string) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "", ""
	}
	fh, err := os.Open(path)
	if err != nil {
		return "", ""
	}
	defer fh.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	if line, ok := bytes.CutPrefix(head, []byte("#!")); ok {
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		if fields := strings.Fields(string(line)); len(fields) > 0 && strings.HasPrefix(fields[0], "/") {
			return "script", fields[0]
		}
		return "", ""
	}
	f, err := elf.NewFile(fh)
	if err != nil {
		return "", ""
	}
	if IsExecutable(f) {
		return "executable", ""
	}
	return "", ""
}

// IsExecutable says whether an ELF file is an executable: ET_EXEC, or a position-
// independent executable (DF_1_PIE, or an interpreter and no soname). The dynamic
// loader, a library with an entry point, is not.
func IsExecutable(f *elf.File) bool {
	if f.Type == elf.ET_EXEC {
		return true
	}
	if f.Type != elf.ET_DYN {
		return false
	}
	if flags, err := f.DynValue(elf.DT_FLAGS_1); err == nil && len(flags) > 0 && elf.DynFlag1(flags[0])&elf.DF_1_PIE != 0 {
		return true
	}
	interp := false
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp = true
		}
	}
	soname, _ := f.DynString(elf.DT_SONAME)
	return interp && len(soname) == 0
}

// Merge adds to r what o found and r did not: o's syscalls on each architecture (r's
// chain is kept for a syscall both reach), its objects, unresolved sites, missing
// libraries and notes. It is how the analysis of a program that r's program executes,
// a separate process with its own address space, joins r's.
func (r *Result) Merge(o *Result) {
	for _, oa := range o.Arches {
		i := slices.IndexFunc(r.Arches, func(a ArchResult) bool { return a.Arch == oa.Arch })
		if i < 0 {
			r.Arches = append(r.Arches, ArchResult{Arch: oa.Arch})
			i = len(r.Arches) - 1
		}
		ra := &r.Arches[i]
		for _, s := range oa.Syscalls {
			if !slices.ContainsFunc(ra.Syscalls, func(x Reachable) bool { return x.Name == s.Name }) {
				ra.Syscalls = append(ra.Syscalls, s)
			}
		}
		slices.SortFunc(ra.Syscalls, func(a, b Reachable) int { return strings.Compare(a.Name, b.Name) })
	}
	for _, obj := range o.Objects {
		if !slices.ContainsFunc(r.Objects, func(x Object) bool { return x.Path == obj.Path }) {
			r.Objects = append(r.Objects, obj)
		}
	}
	for _, s := range o.Unresolved {
		if !slices.Contains(r.Unresolved, s) {
			r.Unresolved = append(r.Unresolved, s)
		}
	}
	for _, m := range o.Missing {
		if !slices.Contains(r.Missing, m) {
			r.Missing = append(r.Missing, m)
		}
	}
	for _, n := range o.Notes {
		if !slices.Contains(r.Notes, n) {
			r.Notes = append(r.Notes, n)
		}
	}
}
