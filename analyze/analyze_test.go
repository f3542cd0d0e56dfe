package analyze

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// buildGo builds testdata/goprog for one architecture, once per test binary.
var goBuilds sync.Map

func buildGo(t *testing.T, goarch string) string {
	t.Helper()
	if p, ok := goBuilds.Load(goarch); ok {
		return p.(string)
	}
	out := filepath.Join(os.TempDir(), "seccompctl-analyze-goprog-"+goarch)
	cmd := exec.Command("go", "build", "-o", out, "./testdata/goprog")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the Go test program for %s: %v\n%s", goarch, err, b)
	}
	goBuilds.Store(goarch, out)
	return out
}

// buildMusl builds testdata/cprog as a static musl binary (musl-tools, in scripts/deps.sh).
func buildMusl(t *testing.T) string {
	t.Helper()
	if p, ok := goBuilds.Load("musl"); ok {
		return p.(string)
	}
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		t.Skip("musl-gcc is not installed (scripts/deps.sh installs musl-tools)")
	}
	out := filepath.Join(os.TempDir(), "seccompctl-analyze-cprog-musl")
	if b, err := exec.Command("musl-gcc", "-static", "-O2", "-o", out, "testdata/cprog/main.c").CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc: %v\n%s", err, b)
	}
	goBuilds.Store("musl", out)
	return out
}

func analyzeOne(t *testing.T, path string, opts Options) *Result {
	t.Helper()
	res, err := Analyze(context.Background(), []string{path}, opts)
	if err != nil {
		t.Fatalf("Analyze(%s): %v", path, err)
	}
	return res
}

func requireFile(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is not installed (scripts/deps.sh installs it): %v", p, err)
	}
}

func TestAnalyzeFindsKnownSyscalls(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
		arch string
		want []string
	}{
		{"dynamic C program", func(*testing.T) string { return "/bin/ls" }, "SCMP_ARCH_X86_64",
			[]string{"openat", "getdents64", "write", "exit_group", "rt_sigreturn", "arch_prctl", "mmap"}},
		{"static glibc program", func(*testing.T) string { return "/bin/busybox" }, "SCMP_ARCH_X86_64",
			[]string{"socket", "connect", "execve", "clone", "wait4", "ioctl", "rt_sigreturn"}},
		{"Go program x86_64", func(t *testing.T) string { return buildGo(t, "amd64") }, "SCMP_ARCH_X86_64",
			[]string{"openat", "read", "socket", "bind", "listen", "getppid", "newfstatat", "exit_group", "clone"}},
		{"static musl program", buildMusl, "SCMP_ARCH_X86_64",
			[]string{"open", "read", "socket", "getppid", "getpid", "exit_group", "close"}},
		{"Go program aarch64", func(t *testing.T) string { return buildGo(t, "arm64") }, "SCMP_ARCH_AARCH64",
			[]string{"openat", "read", "socket", "bind", "listen", "getppid", "newfstatat", "exit_group", "clone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.path(t)
			requireFile(t, p)
			res := analyzeOne(t, p, Options{})
			set := res.Set(tt.arch)
			if len(set) == 0 {
				t.Fatalf("no %s syscalls; arches: %+v", tt.arch, res.Arches)
			}
			for _, w := range tt.want {
				if !slices.Contains(set, w) {
					t.Errorf("%s not in the set of %s (%d syscalls: %v)", w, p, len(set), set)
				}
			}
			r, _ := res.Lookup(tt.arch, tt.want[0])
			if len(r.Chain) == 0 || r.Chain[len(r.Chain)-1].Addr == 0 {
				t.Errorf("%s has no chain to its site: %+v", tt.want[0], r)
			}
		})
	}
}

// TestAnalyzeSoundAgainstStrace checks that every syscall a real run makes is in the
// static set. The runs do not execute other programs (busybox runs its own applets).
func TestAnalyzeSoundAgainstStrace(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	hostname := "/etc/hostname"
	tests := []struct {
		name string
		bin  func(t *testing.T) string
		args []string
	}{
		{"ls", func(*testing.T) string { return "/bin/ls" }, []string{"-la", "/etc", "/proc/self/fd"}},
		{"busybox applets", func(*testing.T) string { return "/bin/busybox" }, []string{"sh", "-c",
			"ls -l /etc >/dev/null; cat " + hostname + "; wc -l /etc/passwd; date; ps >/dev/null; echo hi | sed s/h/x/; " +
				"find /etc -name '*.conf' >/dev/null; tar cf " + dir + "/x.tar " + hostname + "; gzip -c /etc/passwd >/dev/null; " +
				"mkdir " + dir + "/d; rmdir " + dir + "/d; sleep 0; wget -q -O- http://127.0.0.1:1/ 2>/dev/null; true"}},
		{"python3", func(*testing.T) string { return "/usr/bin/python3" }, []string{"-c",
			"import os,socket,json,threading,tempfile; s=socket.socket(); s.bind(('127.0.0.1',0)); s.close(); " +
				"print(os.listdir('/')); t=threading.Thread(target=lambda:0); t.start(); t.join(); " +
				"f=tempfile.TemporaryFile(); f.write(b'x'); f.close(); print(json.dumps({'a':1}))"}},
		{"Go program", func(t *testing.T) string { return buildGo(t, runtime.GOARCH) }, nil},
		{"musl static C program", buildMusl, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := tt.bin(t)
			requireFile(t, bin)
			trace := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".strace")
			cmd := exec.Command("strace", append([]string{"-f", "-qq", "-o", trace, bin}, tt.args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					t.Fatalf("strace: %v\n%s", err, out)
				}
			}
			seen := straceNames(t, trace)
			if len(seen) < 10 {
				t.Fatalf("strace saw only %v", seen)
			}
			res := analyzeOne(t, bin, Options{})
			set := res.Set("SCMP_ARCH_" + strings.ToUpper(map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]))
			var missing []string
			for _, s := range seen {
				if !slices.Contains(set, s) {
					missing = append(missing, s)
				}
			}
			if len(missing) > 0 {
				t.Errorf("seen by strace but not in the static set of %s: %v (static set: %d syscalls)", bin, missing, len(set))
			}
			t.Logf("%s: strace saw %d syscalls, static set %d", tt.name, len(seen), len(set))
		})
	}
}

// straceNames reads the syscall names of a strace -f log, without the execve strace
// itself made to start the program.
func straceNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)\(`)
	seen := map[string]bool{}
	first := true
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if first && m[1] == "execve" {
			first = false
			continue
		}
		first = false
		seen[m[1]] = true
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestAnalyzeReportsWhatItCannotSee(t *testing.T) {
	requireFile(t, "/usr/bin/python3")
	res := analyzeOne(t, "/usr/bin/python3", Options{})
	kinds := map[string]bool{}
	for _, n := range res.Notes {
		kinds[n.Kind] = true
	}
	if !kinds[NoteDlopen] || !kinds[NoteExec] {
		t.Errorf("python3 loads modules and runs programs, want dlopen and exec notes; got %+v", res.Notes)
	}
	if len(res.Unresolved) == 0 {
		t.Errorf("glibc has syscall sites whose number is not a constant; none reported")
	}
	for _, s := range res.Unresolved {
		if s.Object == "" || s.Addr == 0 || s.Reason == "" {
			t.Errorf("unresolved site without a location or reason: %+v", s)
		}
	}
}

func TestAnalyzeMissingLibrariesAreReported(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/bin/ls")
	if err != nil {
		t.Skip(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/ls"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), []string{"/bin/ls"}, Options{Root: root})
	if err != nil {
		t.Fatalf("missing libraries must not be fatal: %v", err)
	}
	var names []string
	for _, m := range res.Missing {
		names = append(names, m.Name)
	}
	if !slices.Contains(names, "libc.so.6") || len(res.Objects) != 1 {
		t.Errorf("want libc.so.6 reported missing and only the executable analyzed; missing %v, objects %d", names, len(res.Objects))
	}
}

func TestAnalyzeRootfsResolvesInsideTheRoot(t *testing.T) {
	// A root whose /lib is an absolute symlink must resolve inside the root, not on the host.
	root := t.TempDir()
	for _, d := range []string{"usr/bin", "usr/lib/x86_64-linux-gnu", "etc"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.Symlink("/usr/lib", filepath.Join(root, "lib"))
	os.Symlink("/usr/bin", filepath.Join(root, "bin"))
	copyFile(t, "/bin/busybox", filepath.Join(root, "usr/bin/busybox"))
	res, err := Analyze(context.Background(), nil, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 1 || res.Objects[0].Path != "/bin/busybox" && res.Objects[0].Path != "/usr/bin/busybox" {
		t.Fatalf("want the one executable of the root, got %+v", res.Objects)
	}
	if !slices.Contains(res.Set("SCMP_ARCH_X86_64"), "socket") {
		t.Errorf("busybox inside the root: socket not found")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Skip(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestAnalyzeCache(t *testing.T) {
	cache := t.TempDir()
	first := analyzeOne(t, "/bin/ls", Options{CacheDir: cache})
	second := analyzeOne(t, "/bin/ls", Options{CacheDir: cache})
	for _, o := range second.Objects {
		if o.BuildID != "" && !o.FromCache {
			t.Errorf("%s not read from the cache on the second run", o.Path)
		}
	}
	if !slices.Equal(first.Set("SCMP_ARCH_X86_64"), second.Set("SCMP_ARCH_X86_64")) {
		t.Errorf("cached result differs")
	}
	// Corrupt every entry: they must be ignored and rewritten, not trusted.
	n := 0
	filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n++
			os.WriteFile(p, []byte("not a cache entry"), 0o644)
		}
		return nil
	})
	if n == 0 {
		t.Fatal("nothing was cached")
	}
	third := analyzeOne(t, "/bin/ls", Options{CacheDir: cache})
	for _, o := range third.Objects {
		if o.FromCache {
			t.Errorf("%s: a corrupt cache entry was used", o.Path)
		}
	}
	if !slices.Equal(first.Set("SCMP_ARCH_X86_64"), third.Set("SCMP_ARCH_X86_64")) {
		t.Errorf("result after a corrupt cache differs")
	}
	fourth := analyzeOne(t, "/bin/ls", Options{CacheDir: cache})
	if !fourth.Objects[0].FromCache {
		t.Errorf("corrupt entry was not rewritten")
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ls, err := os.ReadFile("/bin/ls")
	if err != nil {
		t.Skip(err)
	}
	corrupt := slices.Clone(ls)
	for i := 0x28; i < 0x40; i++ { // section header offset, sizes and counts
		corrupt[i] = 0xff
	}
	sparse := filepath.Join(dir, "sparse")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	riscv := filepath.Join(dir, "riscv")
	cmd := exec.Command("go", "build", "-o", riscv, "./testdata/goprog")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=riscv64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building for riscv64: %v\n%s", err, b)
	}
	tests := []struct {
		name, path, want string
	}{
		{"text file", write("script.sh", []byte("#!/bin/sh\necho hi\n")), "not an ELF file"},
		{"empty file", write("empty", nil), "not an ELF file"},
		{"truncated ELF", write("truncated", ls[:200]), "corrupt ELF file"},
		{"corrupt section headers", write("corrupt", corrupt), "corrupt ELF file"},
		{"another architecture", riscv, "unsupported architecture"},
		{"directory", dir, "is a directory"},
		{"1 GiB of zeros", sparse, "not an ELF file"},
		{"no such file", filepath.Join(dir, "nope"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Analyze(context.Background(), []string{tt.path}, Options{})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want an InputError, got %v", err)
			}
			if !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q should name %s and say %q", err, tt.path, tt.want)
			}
		})
	}
}

func TestAnalyzeHugeFileKeepsMemoryBounded(t *testing.T) {
	// A real executable followed by a gigabyte of holes: the analyzer reads through
	// ReaderAt and only what the headers point at.
	p := filepath.Join(t.TempDir(), "big")
	copyFile(t, "/bin/true", p)
	if err := os.Truncate(p, 1<<30); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := analyzeOne(t, p, Options{})
	runtime.ReadMemStats(&after)
	if len(res.Set("SCMP_ARCH_X86_64")) == 0 {
		t.Errorf("no syscalls found in a padded /bin/true")
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 512<<20 {
		t.Errorf("allocated %d MiB for a 1 GiB file", grown>>20)
	}
}

func TestWhy(t *testing.T) {
	tests := []struct {
		chain []Frame
		want  string
	}{
		{[]Frame{{"/usr/sbin/srv", "main", 0x1000}, {"/usr/sbin/srv", "network_write", 0x2000}, {"/lib/x86_64-linux-gnu/libc.so.6", "sendfile64", 0x3005}},
			"reachable from sendfile64 in libc.so.6, called by network_write in /usr/sbin/srv, called by main in /usr/sbin/srv"},
		{[]Frame{{"/bin/x", "", 0x10}, {"/bin/x", "", 0x20}}, "reachable at 0x20 in /bin/x"},
		{nil, "reachable"},
	}
	for _, tt := range tests {
		if got := (Reachable{Name: "x", Chain: tt.chain}).Why(); got != tt.want {
			t.Errorf("Why() = %q, want %q", got, tt.want)
		}
	}
}

func TestAnalyzePIDIncludesMappedModules(t *testing.T) {
	requireFile(t, "/usr/bin/python3")
	// python3 dlopen's its extension modules (here _json, _socket or the like): they are
	// mapped but not in DT_NEEDED.
	cmd := exec.Command("/usr/bin/python3", "-c", "import socket, json, sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.read()")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("python3 did not start: %q %v", line, err)
	}
	res, err := Analyze(context.Background(), nil, Options{PIDs: []int{cmd.Process.Pid}})
	if err != nil {
		t.Fatal(err)
	}
	mapped := 0
	for _, o := range res.Objects {
		if strings.HasPrefix(o.Reason, "mapped in pid") {
			mapped++
		}
	}
	statics := analyzeOne(t, "/usr/bin/python3", Options{})
	if mapped == 0 {
		// Debian builds some modules into the interpreter; then the process maps no
		// more than its DT_NEEDED libraries and the sets must agree.
		if len(res.Set("SCMP_ARCH_X86_64")) != len(statics.Set("SCMP_ARCH_X86_64")) {
			t.Errorf("no modules mapped, yet the sets differ")
		}
		t.Logf("objects: %+v", res.Objects)
		return
	}
	if len(res.Set("SCMP_ARCH_X86_64")) < len(statics.Set("SCMP_ARCH_X86_64")) {
		t.Errorf("with its mapped modules the process can make fewer syscalls than the executable alone")
	}
}

func TestAnalyzeStrippedGoBinaryUsesPclntab(t *testing.T) {
	full := buildGo(t, "amd64")
	stripped := filepath.Join(t.TempDir(), "stripped")
	cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", stripped, "./testdata/goprog")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	want := analyzeOne(t, full, Options{}).Set("SCMP_ARCH_X86_64")
	got := analyzeOne(t, stripped, Options{})
	if !slices.Equal(got.Set("SCMP_ARCH_X86_64"), want) {
		t.Errorf("stripped build: %v\nfull build: %v", got.Set("SCMP_ARCH_X86_64"), want)
	}
	r, _ := got.Lookup("SCMP_ARCH_X86_64", "getppid")
	if !strings.Contains(r.Why(), "main.main") {
		t.Errorf("function names should come from pclntab: %s", r.Why())
	}
}

// A call followed only by alignment padding does not return: the function after the
// padding is not reached by running on (glibc's gethostname ends in a call of
// __stack_chk_fail, and sethostname follows the padding).
func TestNoFallThroughPadding(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the test program is x86_64 assembly")
	}
	out := filepath.Join(t.TempDir(), "noreturn")
	if b, err := exec.Command("gcc", "-nostdlib", "-static", "-o", out, "testdata/noreturn/main.s").CombinedOutput(); err != nil {
		t.Fatalf("gcc (scripts/deps.sh installs it): %v\n%s", err, b)
	}
	res := analyzeOne(t, out, Options{})
	got := res.Set("SCMP_ARCH_X86_64")
	if !slices.Equal(got, []string{"exit", "exit_group"}) {
		t.Errorf("reachable %v, want [exit exit_group]: sethostname is reached only by running on past a call that does not return", got)
	}
}
