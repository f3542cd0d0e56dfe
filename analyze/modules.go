package analyze

import (
	"bytes"
	"debug/elf"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// maxSiblings bounds how many modules of one directory are added: a directory with more
// is not one program's module directory, and is reported instead.
const maxSiblings = 400

// Siblings is what ModuleSiblings found.
type Siblings struct {
	// Modules are the shared objects beside the dlopen'ed ones, not already among them.
	Modules []string
	// Dirs are the directories they came from.
	Dirs []string
	// TooMany are directories holding more than maxSiblings shared objects: not added.
	TooMany []string
}

// ModuleSiblings returns the other shared objects in the directories of modules a
// process dlopen'ed (mapped while recording, needed by none of its executables). A
// program that loads one module from a directory of its own loads any other from it
// when its configuration or input names one (a web server's modules, an interpreter's
// extension modules, a database's extensions), and a recording sees only those the
// training loaded. The directories the dynamic loader searches (its default
// directories and those of ld.so.cache) hold libraries every program shares, not one
// program's modules: what is dlopen'ed from them (NSS modules, libraries a library
// loads on demand) adds no siblings. Only shared objects of the module's machine
// without a program interpreter (not executables) are returned.
func ModuleSiblings(modules []string) (Siblings, error) {
	var dirs []string
	for _, m := range modules {
		dirs = append(dirs, filepath.Dir(m))
	}
	return modulesIn(dirs, modules, loaderDirs(), false)
}

// NamedModules returns the shared objects in the directories that objects calling
// dlopen name in their read-only data, and below them: a server's module directory, a
// database's extension directory, the C library's character set converters, a crypto
// library's engines and providers, an interpreter's library directories (perl's XS
// modules sit in auto/NAME/NAME.so below them). A training that loads none of them
// leaves no module to find siblings of, but the object that loads them says where they
// are. Directories the dynamic loader searches are left out, as in ModuleSiblings;
// have are objects already analyzed. Below a named directory only files whose names
// hold ".so" are looked at, to at most maxDepth levels and maxEntries entries.
func NamedModules(callers, have []string) (Siblings, error) {
	var dirs []string
	for _, c := range callers {
		dirs = append(dirs, namedDirs(c)...)
	}
	return modulesIn(dirs, have, loaderDirs(), true)
}

// ModulesIn returns the shared objects in and below dirs, directories a user names as
// those a program loads modules from; have are objects already analyzed. A directory
// holding more than maxSiblings is reported in TooMany, not listed.
func ModulesIn(dirs, have []string) (Siblings, error) {
	return modulesIn(dirs, have, nil, true)
}

// maxDepth and maxEntries bound the walk below a directory named as holding modules.
const (
	maxDepth   = 5
	maxEntries = 20000
)

func loaderDirs() map[string]bool {
	out := map[string]bool{}
	for _, d := range append(libDirs(syscalls.X86_64), libDirs(syscalls.AArch64)...) {
		out[canonicalDir(d)] = true
	}
	if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil {
		if c, err := parseLDCache(b); err == nil {
			for _, paths := range c {
				for _, p := range paths {
					out[canonicalDir(filepath.Dir(p))] = true
				}
			}
		}
	}
	return out
}

// maxPathString bounds the strings namedDirs takes for paths.
const maxPathString = 256

// namedDirs returns the existing directories whose absolute paths object holds as
// NUL-terminated strings in its allocated, non-executable data (.rodata).
func namedDirs(object string) []string {
	f, err := elf.Open(object)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_ALLOC == 0 || s.Flags&(elf.SHF_EXECINSTR|elf.SHF_WRITE) != 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		for _, str := range bytes.Split(data, []byte{0}) {
			if len(str) < 2 || len(str) > maxPathString || str[0] != '/' || !printablePath(str) {
				continue
			}
			d := string(str)
			if slices.Contains(out, d) {
				continue
			}
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				out = append(out, d)
			}
		}
	}
	return out
}

func printablePath(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == '%' {
			return false
		}
	}
	return true
}

// modulesIn lists the shared objects of dirs (and below them, when recursive),
// leaving out loader directories and the objects of have.
func modulesIn(dirs, have []string, loaderDirs map[string]bool, recursive bool) (Siblings, error) {
	var out Siblings
	seen := map[string]bool{}
	machine := elf.Machine(0)
	for _, m := range have {
		c := canonicalFile(m)
		seen[c] = true
		if mach, ok := sharedObject(c); ok && machine == 0 {
			machine = mach
		}
	}
	done := map[string]bool{}
	for _, d := range dirs {
		dir := canonicalDir(d)
		if done[dir] || loaderDirs[dir] {
			continue
		}
		done[dir] = true
		var found []string
		entries := 0
		filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable or gone since the recording: nothing to add from it
			}
			depth := strings.Count(strings.TrimPrefix(p, dir), "/")
			if e.IsDir() {
				if p != dir && (!recursive || depth > maxDepth || loaderDirs[canonicalDir(p)]) {
					return fs.SkipDir
				}
				return nil
			}
			if entries++; entries > maxEntries {
				return fs.SkipAll
			}
			if !e.Type().IsRegular() && e.Type()&os.ModeSymlink == 0 {
				return nil
			}
			if depth > 1 && !strings.Contains(e.Name(), ".so") {
				return nil
			}
			c := canonicalFile(p)
			if seen[c] || slices.Contains(found, c) {
				return nil
			}
			if mach, ok := sharedObject(c); ok && (machine == 0 || mach == machine) {
				found = append(found, c)
			}
			return nil
		})
		if len(found) > maxSiblings {
			out.TooMany = append(out.TooMany, dir)
			continue
		}
		if len(found) > 0 {
			out.Dirs = append(out.Dirs, dir)
		}
		for _, f := range found {
			seen[f] = true
			out.Modules = append(out.Modules, f)
		}
	}
	sort.Strings(out.Modules)
	return out, nil
}

// sharedObject says whether path is an ELF shared object that is not an executable (no
// program interpreter), and for which machine.
func sharedObject(path string) (elf.Machine, bool) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return 0, false
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return 0, false
		}
	}
	return f.Machine, true
}

func canonicalDir(d string) string {
	if r, err := filepath.EvalSymlinks(d); err == nil {
		return r
	}
	return filepath.Clean(d)
}

func canonicalFile(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}
