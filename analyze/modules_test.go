package analyze

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// copyFile copies a real object of this machine into dir under name.
func copyModule(t *testing.T, from, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Skipf("needs %s: %v", from, err)
	}
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func siblingsOf(modules []string, loaderDirs map[string]bool) (Siblings, error) {
	var dirs []string
	for _, m := range modules {
		dirs = append(dirs, filepath.Dir(m))
	}
	return modulesIn(dirs, modules, loaderDirs, false)
}

func TestModuleSiblings(t *testing.T) {
	const lib = "/lib/x86_64-linux-gnu/libdl.so.2"
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	mods := filepath.Join(root, "modules")
	loaded := copyModule(t, lib, mods, "mod_loaded.so")
	other := copyModule(t, lib, mods, "mod_other.so")
	copyModule(t, exe, mods, "a-program") // an executable, not a module
	if err := os.WriteFile(filepath.Join(mods, "README"), []byte("not ELF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("mod_other.so", filepath.Join(mods, "mod_alias.so")); err != nil {
		t.Fatal(err)
	}
	nested := copyModule(t, lib, mods, "sub/mod_nested.so") // another directory: not a sibling
	shared := filepath.Join(root, "shared")
	inLoaderDir := copyModule(t, lib, shared, "libnss_x.so.2")
	copyModule(t, lib, shared, "libunrelated.so.1")
	canon := func(p string) string { r, _ := filepath.EvalSymlinks(p); return r }

	tests := []struct {
		name    string
		modules []string
		want    []string
		dirs    int
	}{
		{"a module's siblings, once, without executables or other files", []string{loaded}, []string{canon(other)}, 1},
		{"siblings already recorded are not added again", []string{loaded, other}, nil, 0},
		{"a module in a directory the loader searches adds nothing", []string{inLoaderDir}, nil, 0},
		{"a nested directory is its own", []string{nested}, nil, 0},
		{"two directories", []string{nested, loaded}, []string{canon(other)}, 1},
		{"nothing recorded", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := siblingsOf(tt.modules, map[string]bool{canonicalDir(shared): true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Modules, tt.want) || len(got.Dirs) != tt.dirs {
				t.Errorf("modules %v in %v, want %v in %d directories", got.Modules, got.Dirs, tt.want, tt.dirs)
			}
		})
	}
}

func TestModuleSiblingsTooMany(t *testing.T) {
	dir := t.TempDir()
	first := copyModule(t, "/lib/x86_64-linux-gnu/libdl.so.2", dir, "m0.so")
	for i := 1; i <= maxSiblings+1; i++ {
		if err := os.Link(first, filepath.Join(dir, "m"+strconv.Itoa(i)+".so")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := siblingsOf([]string{first}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Modules) != 0 || len(got.TooMany) != 1 {
		t.Errorf("got %d modules, too many %v: want none added and the directory reported", len(got.Modules), got.TooMany)
	}
}

func TestModuleSiblingsSkipsLoaderDirectories(t *testing.T) {
	// libc's directory is one the dynamic loader searches on every Debian system.
	got, err := ModuleSiblings([]string{"/lib/x86_64-linux-gnu/libdl.so.2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Modules) != 0 {
		t.Errorf("%d libraries of the loader's directory added as modules: %v...", len(got.Modules), got.Modules[:min(3, len(got.Modules))])
	}
}

func TestNamedModules(t *testing.T) {
	// The C library names the directory of its character set converters, which iconv
	// loads by the name a program gives at run time; lighttpd names its module
	// directory.
	tests := []struct{ caller, dir, module string }{
		{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/gconv", "/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so"},
		{"/usr/sbin/lighttpd", "/usr/lib/lighttpd", "/usr/lib/lighttpd/mod_dirlisting.so"},
		// perl's XS modules sit in auto/NAME/NAME.so below its library directories.
		{"/usr/bin/perl", "/usr/lib/x86_64-linux-gnu/perl/5.36.0", "/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/POSIX/POSIX.so"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.caller), func(t *testing.T) {
			if _, err := os.Stat(tt.module); err != nil {
				t.Skipf("needs %s: %v", tt.module, err)
			}
			got, err := NamedModules([]string{tt.caller}, []string{tt.caller})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(got.Dirs, tt.dir) || !slices.Contains(got.Modules, tt.module) {
				t.Errorf("directories %v, %d modules: want %s and %s", got.Dirs, len(got.Modules), tt.dir, tt.module)
			}
			for _, m := range got.Modules {
				if !slices.ContainsFunc(got.Dirs, func(d string) bool { return strings.HasPrefix(m, d+"/") }) {
					t.Errorf("%s is not in a directory %s names", m, tt.caller)
				}
			}
		})
	}
}

func TestNamedDirsReadsOnlyData(t *testing.T) {
	dir := t.TempDir()
	// An object that is not ELF names nothing; neither does a path that does not exist.
	if err := os.WriteFile(filepath.Join(dir, "x.so"), []byte("/usr/lib\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := namedDirs(filepath.Join(dir, "x.so")); len(got) != 0 {
		t.Errorf("a file that is not ELF named %v", got)
	}
	if got := namedDirs(filepath.Join(dir, "missing.so")); len(got) != 0 {
		t.Errorf("a missing file named %v", got)
	}
}

func TestModulesInWalksBelow(t *testing.T) {
	const lib = "/lib/x86_64-linux-gnu/libdl.so.2"
	dir := t.TempDir()
	top := copyModule(t, lib, dir, "plugin")                 // any name at the top
	deep := copyModule(t, lib, dir, "auto/Foo/Bar/Bar.so")   // a module below
	copyModule(t, lib, dir, "auto/Foo/helper")               // below, a name without .so
	tooDeep := copyModule(t, lib, dir, "a/b/c/d/e/f/g/x.so") // past maxDepth
	if err := os.WriteFile(filepath.Join(dir, "auto/Foo/Foo.pm"), []byte("package Foo;"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ModulesIn([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	canon := func(p string) string { r, _ := filepath.EvalSymlinks(p); return r }
	if want := []string{canon(deep), canon(top)}; !slices.Equal(got.Modules, want) {
		t.Errorf("modules %v, want %v (not %s: too deep)", got.Modules, want, tooDeep)
	}
}

func TestIsLibrary(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/lib/x86_64-linux-gnu/libc.so.6", true},                                      // a soname, and an interpreter
		{"/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/POSIX/POSIX.so", true},            // a module: no soname
		{"/usr/lib/python3.11/lib-dynload/mmap.cpython-311-x86_64-linux-gnu.so", true}, // a module: no soname
		{"/usr/bin/true", false},                                                       // a position-independent executable
		{"/usr/bin/busybox", false},                                                    // static
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			e, err := openELF(tt.path, tt.path)
			if err != nil {
				t.Skipf("needs %s: %v", tt.path, err)
			}
			defer e.close()
			if got := e.isLibrary(); got != tt.want {
				t.Errorf("isLibrary = %v, want %v", got, tt.want)
			}
		})
	}
}

// A dlopen'ed module without a soname is analyzed from every function it exports:
// perl's POSIX module reaches mkfifo (mknodat) only from the XS function its boot
// function registers, and it has no soname.
func TestAnalyzeModuleWithoutSoname(t *testing.T) {
	const module = "/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/POSIX/POSIX.so"
	if _, err := os.Stat(module); err != nil {
		t.Skipf("needs %s (perl): %v", module, err)
	}
	res, err := Analyze(context.Background(), []string{module}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Arches {
		for _, s := range a.Syscalls {
			if s.Name == "mknodat" {
				return
			}
		}
	}
	t.Errorf("mknodat (POSIX::mkfifo) not reachable from %s", module)
}
