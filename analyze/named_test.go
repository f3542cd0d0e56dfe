package analyze

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestIsPathString(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"/bin/sh", true},
		{"/usr/lib/apache2/modules/mod_cgi.so", true},
		{"/usr/bin/g++", true},
		{"/", false},
		{"/sh", false},            // no directory: a URL path or a format piece more likely than a program
		{"/bin/", false},          // a directory
		{"/%s/sh", false},         // a format
		{"/tmp/ XXX", false},      // a space
		{"bin/sh", false},         // relative
		{"/usr//bin/sh", false},   // not how a program names a path
		{"/proc/self/exe", false}, // the program itself, already analyzed
	} {
		if got := isPathString(tc.s); got != tc.want {
			t.Errorf("isPathString(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// TestNamedPrograms builds a C program that holds paths as strings and checks which
// of them are programs it may execute: an ELF executable, the interpreter of a script,
// and not a library, a file without an execute bit or a path to nothing.
func TestNamedPrograms(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	exe, _ := filepath.EvalSymlinks("/bin/true")
	script := filepath.Join(dir, "script")
	plain := filepath.Join(dir, "plain")
	os.WriteFile(script, []byte("#!/bin/sh -e\necho hi\n"), 0o755)
	os.WriteFile(plain, []byte("\x7fELF not executable\n"), 0o644)
	libc := libcPath(t)
	// A program named as a word of a longer string: a default setting.
	helper, _ := filepath.EvalSymlinks("/bin/false")
	src := filepath.Join(dir, "main.c")
	os.WriteFile(src, []byte(`#include <stdio.h>
const char *paths[] = {"`+exe+`", "`+script+`", "`+plain+`", "`+libc+`", "/nonexistent/bin/x",
	"helper_program `+helper+` -v", "PATH=/usr/local/bin:/usr/bin"};
int main(int argc, char **argv) { puts(paths[argc % 7]); return 0; }
`), 0o644)
	bin := filepath.Join(dir, "prog")
	if out, err := exec.Command("gcc", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	strs := PathStrings(f)
	f.Close()
	for _, p := range []string{exe, script, plain, libc, "/nonexistent/bin/x", helper, "/usr/local/bin", "/usr/bin"} {
		if !slices.Contains(strs, p) {
			t.Errorf("PathStrings misses %q: %q", p, strs)
		}
	}

	got, err := NamedPrograms([]string{bin}, []string{bin})
	if err != nil {
		t.Fatal(err)
	}
	want := []NamedProgram{{Path: exe, NamedBy: bin}, {Path: "/bin/sh", NamedBy: script}, {Path: helper, NamedBy: bin}}
	if !slices.Equal(got, want) {
		t.Errorf("NamedPrograms = %+v, want %+v", got, want)
	}
	// What is already analyzed is not named again.
	got, err = NamedPrograms([]string{bin}, []string{bin, exe, "/bin/sh", helper})
	if err != nil || len(got) != 0 {
		t.Errorf("NamedPrograms skipping all = %+v, %v; want none", got, err)
	}
	if _, err := NamedPrograms([]string{filepath.Join(dir, "missing")}, nil); err == nil {
		t.Error("an object that cannot be read: no error")
	}
}

// libcPath is the C library /bin/true runs with.
func libcPath(t *testing.T) string {
	t.Helper()
	res, err := Analyze(t.Context(), []string{"/bin/true"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Objects {
		if o.Soname == "libc.so.6" {
			return o.Path
		}
	}
	t.Fatal("/bin/true does not load libc.so.6")
	return ""
}

func TestIsExecutable(t *testing.T) {
	for path, want := range map[string]bool{"/bin/true": true, libcPath(t): false} {
		f, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsExecutable(f); got != want {
			t.Errorf("IsExecutable(%s) = %v, want %v", path, got, want)
		}
		f.Close()
	}
}

func TestMerge(t *testing.T) {
	chain := func(obj string) []Frame { return []Frame{{Object: obj, Function: "f"}} }
	r := &Result{
		Arches:  []ArchResult{{Arch: "SCMP_ARCH_X86_64", Syscalls: []Reachable{{Name: "read", Chain: chain("/usr/sbin/server")}, {Name: "write", Chain: chain("/usr/sbin/server")}}}},
		Objects: []Object{{Path: "/usr/sbin/server"}, {Path: "/lib/libc.so.6"}},
		Notes:   []Note{{Kind: NoteExec, Object: "/usr/sbin/server"}},
	}
	o := &Result{
		Arches: []ArchResult{
			{Arch: "SCMP_ARCH_X86_64", Syscalls: []Reachable{{Name: "faccessat2", Chain: chain("/bin/sh")}, {Name: "read", Chain: chain("/bin/sh")}}},
			{Arch: "SCMP_ARCH_AARCH64", Syscalls: []Reachable{{Name: "read", Chain: chain("/bin/sh")}}},
		},
		Objects:    []Object{{Path: "/bin/sh"}, {Path: "/lib/libc.so.6"}},
		Unresolved: []Site{{Object: "/bin/sh", Addr: 0x10}},
		Missing:    []Missing{{Name: "libx.so", NeededBy: "/bin/sh"}},
		Notes:      []Note{{Kind: NoteExec, Object: "/usr/sbin/server"}, {Kind: NoteExec, Object: "/bin/sh"}},
	}
	r.Merge(o)
	if got := r.Set("SCMP_ARCH_X86_64"); !slices.Equal(got, []string{"faccessat2", "read", "write"}) {
		t.Errorf("x86_64 set %q", got)
	}
	if got := r.Set("SCMP_ARCH_AARCH64"); !slices.Equal(got, []string{"read"}) {
		t.Errorf("aarch64 set %q", got)
	}
	if s, _ := r.Lookup("SCMP_ARCH_X86_64", "read"); s.Chain[0].Object != "/usr/sbin/server" {
		t.Errorf("read's chain %+v: want the first result's kept", s.Chain)
	}
	if len(r.Objects) != 3 || len(r.Unresolved) != 1 || len(r.Missing) != 1 || len(r.Notes) != 2 {
		t.Errorf("merged %+v", r)
	}
}
