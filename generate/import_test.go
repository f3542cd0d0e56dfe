package generate

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

func importFile(t *testing.T, name string, opts ImportOptions) (*record.Recording, *ImportStats, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Import(name, f, opts)
}

// The strace files in testdata are real strace 6.1 output of the same kind of run
// ("sh -c 'ls / | wc -l'"), in each output style.
func TestImportStrace(t *testing.T) {
	x := ImportOptions{Arch: syscalls.X86_64}
	summary, st, err := importFile(t, "strace-c.txt", x)
	if err != nil {
		t.Fatal(err)
	}
	if st.Malformed != 0 || !slices.Equal(st.Formats, []string{"strace -c"}) {
		t.Errorf("strace -c stats %+v", st)
	}
	names := summary.Names(syscalls.X86_64)
	if slices.Contains(names, "total") {
		t.Fatal(`the "total" row became a syscall`)
	}
	if len(names) != 36 {
		t.Errorf("strace -c: %d syscalls, want the table's 36: %v", len(names), names)
	}
	// The counts column, not the errors column, is kept.
	for _, s := range summary.Syscalls() {
		if s.Name == "openat" && s.Count != 69 {
			t.Errorf("openat count %d, want 69", s.Count)
		}
	}

	full, st, err := importFile(t, "strace-f.txt", x)
	if err != nil {
		t.Fatal(err)
	}
	if st.Malformed != 0 || !slices.Equal(st.Formats, []string{"strace"}) {
		t.Errorf("strace -f stats %+v", st)
	}
	// Same run shape, same set: -f output and the -c table agree, except that strace -c
	// leaves out exit_group, which never returns.
	if got := full.Names(syscalls.X86_64); !slices.Equal(got, slices.Sorted(slices.Values(append(names, "exit_group")))) {
		t.Errorf("strace -f set differs from strace -c set:\n -f %v\n -c %v", got, names)
	}
	// Executables follow execve and clone results.
	exes := map[string]bool{}
	for c := range full.Calls {
		exes[c.Exe] = true
	}
	for _, want := range []string{"/usr/bin/sh", "/usr/bin/ls", "/usr/bin/wc"} {
		if !exes[want] {
			t.Errorf("no calls attributed to %s: %v", want, exes)
		}
	}

	for _, name := range []string{"strace-f-tt-T.txt", "strace-f-stderr.txt", "strace-ttt.txt", "strace-r-i.txt"} {
		rec, st, err := importFile(t, name, x)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Malformed != 0 {
			t.Errorf("%s: %d malformed: %v", name, st.Malformed, st.Examples)
		}
		got := rec.Names(syscalls.X86_64)
		for _, want := range []string{"execve", "brk", "mmap", "openat", "exit_group"} {
			if !slices.Contains(got, want) {
				t.Errorf("%s: %s missing from %v", name, want, got)
			}
		}
	}
}

func TestImportAuditLogs(t *testing.T) {
	rec, st, err := importFile(t, "journal-k.txt", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two records lack or garble a field; other kernel messages are ignored.
	if st.Used != 4 || st.Malformed != 2 || st.Ignored != 3 {
		t.Errorf("stats %+v", st)
	}
	if got := rec.Names(syscalls.X86_64); !slices.Equal(got, []string{"getpgid", "getppid", "openat"}) {
		t.Errorf("x86_64 names %v", got)
	}
	if got := rec.Names(syscalls.X86); !slices.Equal(got, []string{"open"}) {
		t.Errorf("x86 names %v", got)
	}

	rec, st, err = importFile(t, "audit.log", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Used != 2 || st.Malformed != 1 {
		t.Errorf("audit.log stats %+v", st)
	}
	if got := rec.Names(syscalls.X32); !slices.Equal(got, []string{"openat"}) {
		t.Errorf("x32 names %v", got)
	}

	// Keep selects records.
	rec, _, err = importFile(t, "journal-k.txt", ImportOptions{Keep: func(r audit.SeccompRecord) bool { return r.Comm == "nginx" }})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Names(syscalls.X86_64); !slices.Equal(got, []string{"openat"}) {
		t.Errorf("filtered names %v", got)
	}
}

func TestImportTrace(t *testing.T) {
	rec, st, err := importFile(t, "app.trace", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Malformed != 2 || st.Formats[0] != "trace" {
		t.Errorf("stats %+v", st)
	}
	p, rep, err := Profile(rec, Options{Args: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Conditional != 2 {
		t.Errorf("%d conditional syscalls, want socket and open", rep.Conditional)
	}
	if got := allowedNames(p); !slices.Equal(got, []string{"exit", "exit_group", "open", "read", "socket"}) {
		t.Errorf("names %v", got)
	}
}

func TestImportNothing(t *testing.T) {
	_, st, err := Import("empty", strings.NewReader("hello\nworld\n"), ImportOptions{})
	if !errors.Is(err, ErrNothingFound) {
		t.Errorf("err = %v", err)
	}
	if st.Ignored != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestParseStraceLine(t *testing.T) {
	tests := []struct {
		line string
		kind straceKind
		pid  int
		name string
		ret  string
	}{
		{`12 openat(AT_FDCWD, "/x", O_RDONLY) = 3`, kindCall, 12, "openat", "3"},
		{`[pid 77] clone3({flags=CLONE_VM, ...}, 88) = 78`, kindCall, 77, "clone3", "78"},
		{`[pid    77] read(3,  <unfinished ...>`, kindCall, 77, "read", ""},
		{`77 <... read resumed>"abc", 4096) = 3`, kindResumed, 77, "read", "3"},
		{`12 10:00:00.123456 write(1, "x", 1) = 1 <0.000010>`, kindCall, 12, "write", "1"},
		{`10:00:00 write(1, "x", 1) = 1`, kindCall, 0, "write", "1"},
		{`1700000000.123456 brk(NULL) = 0x5000`, kindCall, 0, "brk", "0x5000"},
		{`     0.000123 [00007f0000001234] brk(NULL) = 0x5000`, kindCall, 0, "brk", "0x5000"},
		{`12 exit_group(0)                     = ?`, kindCall, 12, "exit_group", "?"},
		{`12 syscall_0x1c3(0x1, 0x2) = -1 ENOSYS (Function not implemented)`, kindCall, 12, "syscall_0x1c3", "-1"},
		{`12 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---`, kindInfo, 12, "", ""},
		{`12 +++ exited with 0 +++`, kindInfo, 12, "", ""},
		{`strace: Process 1234 attached`, kindInfo, 0, "", ""},
		{`[ Process PID=12 runs in 32 bit mode. ]`, kindPersonality, 12, "", ""},
		{`  0.00    0.000000           0         3           arch_prctl`, kindSummary, 0, "arch_prctl", ""},
		{`100.00    0.001162           3       350        60 total`, kindInfo, 0, "", ""},
		{`System call usage summary for 32 bit mode:`, kindSummaryMode, 0, "", ""},
		{`Nov 28 00:07:13 node01 systemd[1]: Started session-4.scope.`, kindNone, 0, "", ""},
	}
	for _, tt := range tests {
		l, err := parseStraceLine(tt.line)
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if l.kind != tt.kind || l.pid != tt.pid || l.name != tt.name || l.ret != tt.ret {
			t.Errorf("%q = %+v, want kind %d pid %d name %q ret %q", tt.line, l, tt.kind, tt.pid, tt.name, tt.ret)
		}
	}
}

func TestImportStracePersonalityWithoutPIDs(t *testing.T) {
	// strace without -f -o: no pid prefixes; the personality line names the real pid.
	in := "execve(\"./i386\", [\"./i386\"], 0x7fff1bd26a18 /* 35 vars */) = 0\n" +
		"[ Process PID=32304 runs in 32 bit mode. ]\n" +
		"getpid()                                = 32304\n" +
		"exit(0)                                 = ?\n" +
		"+++ exited with 0 +++\n"
	rec, _, err := Import("x", strings.NewReader(in), ImportOptions{Arch: syscalls.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Names(syscalls.X86); !slices.Equal(got, []string{"exit", "getpid"}) {
		t.Errorf("x86 names %v", got)
	}
}

func TestImportStracePersonality(t *testing.T) {
	in := "5 execve(\"/a32\", [\"a32\"], 0x0 /* 1 var */) = 0\n" +
		"[ Process PID=5 runs in 32 bit mode. ]\n" +
		"5 mmap2(NULL, 8192, PROT_READ, MAP_PRIVATE, -1, 0) = 0xf7f00000\n" +
		"5 syscall_0x1(0) = ?\n"
	rec, _, err := Import("x", strings.NewReader(in), ImportOptions{Arch: syscalls.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Names(syscalls.X86); !slices.Equal(got, []string{"exit", "mmap2"}) {
		t.Errorf("x86 names %v (syscall 1 is exit on i386)", got)
	}
	if got := rec.Names(syscalls.X86_64); !slices.Equal(got, []string{"execve"}) {
		t.Errorf("x86_64 names %v", got)
	}
}

// On mips64 a "32 bit mode" process runs the o32 ABI (the import's own map of
// personalities lacked MIPS and kept such calls as mips64's).
func TestImportStracePersonalityMIPS(t *testing.T) {
	in := "5 execve(\"/o32\", [\"o32\"], 0x0 /* 1 var */) = 0\n" +
		"[ Process PID=5 runs in 32 bit mode. ]\n" +
		"5 getpid() = 5\n"
	rec, _, err := Import("x", strings.NewReader(in), ImportOptions{Arch: syscalls.MIPSEL64})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Names(syscalls.MIPSEL); !slices.Equal(got, []string{"getpid"}) {
		t.Errorf("mipsel (o32) names %v", got)
	}
	if got := rec.Names(syscalls.MIPSEL64); !slices.Equal(got, []string{"execve"}) {
		t.Errorf("mipsel64 names %v", got)
	}
}

// The article's parser kept the last word of each line not starting with a space, '-',
// '%' or "SYS": on a real strace -c table that is only the "total" row. This is the
// same table read correctly.
func TestArticleParserBug(t *testing.T) {
	data, err := os.ReadFile("testdata/strace-c.txt")
	if err != nil {
		t.Fatal(err)
	}
	var article []string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "%") && !strings.HasPrefix(line, "SYS") {
			f := strings.Fields(line)
			article = append(article, f[len(f)-1])
		}
	}
	if !slices.Equal(article, []string{"total"}) {
		t.Fatalf("the article's parser now yields %v; the test data changed", article)
	}
	rec, _, err := Import("strace-c.txt", strings.NewReader(string(data)), ImportOptions{Arch: syscalls.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Len() != 36 {
		t.Errorf("read %d syscalls, want 36", rec.Len())
	}
}
