package record_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("recording tests run as root (eBPF needs it; ptrace is tested alongside)")
	}
}

func needTool(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath(path); err != nil {
		t.Skipf("%s is not installed (scripts/deps.sh installs it)", path)
	}
}

// workload is a real program the recorders must agree with strace -f about.
type workload struct {
	name string
	argv []string
	// runs is how many runs are unioned on each side: Go programs make some calls
	// (futex, nanosleep, sched_yield) only when threads happen to contend.
	runs int
}

func workloads(t *testing.T) []workload {
	goBin := filepath.Join(t.TempDir(), "gothreads")
	if out, err := exec.Command("go", "build", "-o", goBin, "./testdata/gothreads").CombinedOutput(); err != nil {
		t.Fatalf("building the Go workload: %v\n%s", err, out)
	}
	return []workload{
		{"shell pipeline", []string{"/bin/sh", "-c", "ls -l /usr/bin | sort -k5 | tail -n 3 | wc -c"}, 1},
		{"python3", []string{"/usr/bin/python3", "-c", "import json, hashlib, os; print(json.dumps({'h': hashlib.sha256(open('/etc/passwd','rb').read()).hexdigest(), 'n': len(os.listdir('/usr'))}))"}, 1},
		{"go threads", []string{goBin}, 3},
		{"busybox applets", []string{"/usr/bin/busybox", "sh", "-c", "busybox ls /usr | busybox wc -l; busybox sha256sum /etc/passwd; busybox sort /etc/passwd | busybox head -n 2 >/dev/null"}, 1},
	}
}

// straceNames runs argv under strace -f and returns the syscalls it saw on arch.
func straceNames(t *testing.T, argv []string) (map[syscalls.Arch][]string, string) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "strace.txt")
	logf, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	var out bytes.Buffer
	// Trace on stderr, not -o FILE, and not -q: strace writes the lines that say a
	// process switched to 32-bit mode only there, and they tell the arch of compat calls.
	cmd := exec.Command("strace", append([]string{"-f", "--"}, argv...)...)
	cmd.Stdout = &out
	cmd.Stderr = logf
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace %v: %v", argv, err)
	}
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, st, err := generate.Import(log, f, generate.ImportOptions{Arch: syscalls.Native()})
	if err != nil {
		t.Fatal(err)
	}
	if st.Malformed != 0 {
		t.Fatalf("strace output had %d malformed lines: %v", st.Malformed, st.Examples)
	}
	return byArch(rec), out.String()
}

func byArch(rec *record.Recording) map[syscalls.Arch][]string {
	m := map[syscalls.Arch][]string{}
	for _, a := range rec.Arches() {
		m[a] = rec.Names(a)
	}
	return m
}

func recordNames(t *testing.T, mode record.Mode, argv []string) (map[syscalls.Arch][]string, string, *record.Result) {
	t.Helper()
	var out bytes.Buffer
	res, err := record.Command(context.Background(), argv, record.Options{Mode: mode, Stdout: &out, Stderr: os.Stderr})
	if err != nil {
		t.Fatalf("%s recording of %v: %v", mode, argv, err)
	}
	if res.Mode != mode {
		t.Fatalf("asked for %s, recorded with %s", mode, res.Mode)
	}
	return byArch(res.Recording), out.String(), res
}

func union(dst map[syscalls.Arch][]string, src map[syscalls.Arch][]string) {
	for a, names := range src {
		dst[a] = slices.Compact(slices.Sorted(slices.Values(append(dst[a], names...))))
	}
}

func diff(a, b []string) (onlyA, onlyB []string) {
	for _, n := range a {
		if !slices.Contains(b, n) {
			onlyA = append(onlyA, n)
		}
	}
	for _, n := range b {
		if !slices.Contains(a, n) {
			onlyB = append(onlyB, n)
		}
	}
	return
}

// TestRecordMatchesStraceAsRoot is the recorders' main promise: on real programs they see
// the same syscalls as strace -f, from the command's execve on.
func TestRecordMatchesStraceAsRoot(t *testing.T) {
	needRoot(t)
	needTool(t, "strace")
	needTool(t, "/usr/bin/python3")
	needTool(t, "/usr/bin/busybox")
	for _, w := range workloads(t) {
		want := map[syscalls.Arch][]string{}
		var wantOut string
		for range w.runs {
			names, out := straceNames(t, w.argv)
			union(want, names)
			wantOut = out
		}
		for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
			t.Run(w.name+"/"+string(mode), func(t *testing.T) {
				got := map[syscalls.Arch][]string{}
				for range w.runs {
					names, out, res := recordNames(t, mode, w.argv)
					union(got, names)
					if out != wantOut {
						t.Errorf("output under %s:\n%s\nunder strace:\n%s", mode, out, wantOut)
					}
					if res.ExitCode != 0 {
						t.Errorf("exit status %d", res.ExitCode)
					}
				}
				for _, a := range syscalls.Arches() {
					onlyRec, onlyStrace := diff(got[a], want[a])
					if len(onlyRec)+len(onlyStrace) > 0 {
						t.Errorf("%s: only %s saw %v; only strace -f saw %v", a.Name(), mode, onlyRec, onlyStrace)
					}
				}
				if len(got[syscalls.Native()]) < 20 {
					t.Errorf("suspiciously few syscalls: %v", got)
				}
			})
		}
	}
}

// i386Program writes a static i386 program that calls getpid and exit through int 0x80:
// a compat-arch workload without a 32-bit toolchain.
func i386Program(t *testing.T) string {
	t.Helper()
	code := []byte{0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xb8, 1, 0, 0, 0, 0x31, 0xdb, 0xcd, 0x80}
	const base = 0x08048000
	total := uint32(52 + 32 + len(code))
	var b bytes.Buffer
	b.Write([]byte{0x7f, 'E', 'L', 'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	le := func(vs ...any) {
		for _, v := range vs {
			binary.Write(&b, binary.LittleEndian, v)
		}
	}
	// ELF header: ET_EXEC, EM_386, version, entry, phoff, shoff, flags, ehsize, phentsize, phnum, shentsize, shnum, shstrndx.
	le(uint16(2), uint16(3), uint32(1), uint32(base+84), uint32(52), uint32(0), uint32(0), uint16(52), uint16(32), uint16(1), uint16(0), uint16(0), uint16(0))
	// One PT_LOAD, R+X, covering the file.
	le(uint32(1), uint32(0), uint32(base), uint32(base), total, total, uint32(5), uint32(0x1000))
	b.Write(code)
	path := filepath.Join(t.TempDir(), "i386")
	if err := os.WriteFile(path, b.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(path).Run(); err != nil {
		t.Skipf("this kernel does not run i386 programs: %v", err)
	}
	return path
}

func TestRecordCompatArchAsRoot(t *testing.T) {
	needRoot(t)
	prog := i386Program(t)
	for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
		t.Run(string(mode), func(t *testing.T) {
			got, _, _ := recordNames(t, mode, []string{prog})
			if want := []string{"exit", "getpid"}; !slices.Equal(got[syscalls.X86], want) {
				t.Errorf("x86 calls %v, want %v", got[syscalls.X86], want)
			}
			// The execve that started it was made by the 64-bit launcher.
			if !slices.Equal(got[syscalls.X86_64], []string{"execve"}) {
				t.Errorf("x86_64 calls %v, want [execve]", got[syscalls.X86_64])
			}
		})
	}
	if _, err := exec.LookPath("strace"); err == nil {
		want, _ := straceNames(t, []string{prog})
		if !slices.Equal(want[syscalls.X86], []string{"exit", "getpid"}) {
			t.Errorf("strace -f saw %v on x86", want[syscalls.X86])
		}
	}
}

func TestRecordExitStatusAsRoot(t *testing.T) {
	needRoot(t)
	for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
		for script, want := range map[string]int{"exit 0": 0, "exit 3": 3, "kill -KILL $$": 128 + 9, "kill -TERM $$": 128 + 15} {
			res, err := record.Command(context.Background(), []string{"/bin/sh", "-c", script}, record.Options{Mode: mode})
			if err != nil {
				t.Fatalf("%s %q: %v", mode, script, err)
			}
			if res.ExitCode != want {
				t.Errorf("%s %q: exit %d, want %d", mode, script, res.ExitCode, want)
			}
		}
	}
}

func TestRecordCommandNotFound(t *testing.T) {
	_, err := record.Command(context.Background(), []string{"/nonexistent/program"}, record.Options{Mode: record.ModePtrace})
	var ee *exec.Error
	if !errors.As(err, &ee) {
		t.Errorf("err = %v, want an *exec.Error", err)
	}
}

// A signal to the recorder reaches the command; the recording is still returned.
func TestRecordSignalStopsCommandAsRoot(t *testing.T) {
	needRoot(t)
	for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
		t.Run(string(mode), func(t *testing.T) {
			sigs := make(chan os.Signal, 2)
			ready := filepath.Join(t.TempDir(), "ready")
			// The shell says it is ready, then waits; the signal is sent once it is.
			script := "trap 'echo got-term; exit 7' TERM; touch " + ready + "; while :; do sleep 0.05; done"
			go func() {
				for {
					if _, err := os.Stat(ready); err == nil {
						sigs <- syscall.SIGTERM
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
			}()
			var out bytes.Buffer
			res, err := record.Command(context.Background(), []string{"/bin/sh", "-c", script}, record.Options{Mode: mode, Signals: sigs, Stdout: &out})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 7 || !res.Interrupted || out.String() != "got-term\n" {
				t.Errorf("exit %d interrupted %v output %q", res.ExitCode, res.Interrupted, out.String())
			}
			names := res.Recording.Names(syscalls.Native())
			for _, want := range []string{"execve", "rt_sigaction", "wait4", "exit_group"} {
				if !slices.Contains(names, want) {
					t.Errorf("%s not recorded: %v", want, names)
				}
			}
		})
	}
}

// A second stop request kills a command that ignores the first.
func TestRecordSecondSignalKillsAsRoot(t *testing.T) {
	needRoot(t)
	for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
		sigs := make(chan os.Signal, 2)
		ready := filepath.Join(t.TempDir(), "ready")
		go func() {
			for {
				if _, err := os.Stat(ready); err == nil {
					sigs <- syscall.SIGTERM
					sigs <- syscall.SIGTERM
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		res, err := record.Command(context.Background(), []string{"/bin/sh", "-c", "trap '' TERM; touch " + ready + "; while :; do sleep 0.05; done"}, record.Options{Mode: mode, Signals: sigs})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != 128+9 {
			t.Errorf("%s: exit %d, want 137 (killed)", mode, res.ExitCode)
		}
	}
}

// A child that stops itself (group-stop) stays stopped until its parent continues it,
// under the recorder as without it. The parent waits for the stop with waitpid
// (WUNTRACED), which reports only a completed group-stop: a process state of "t" would
// also be every other ptrace stop, and a SIGCONT sent at one of those is lost.
func TestRecordGroupStopAsRoot(t *testing.T) {
	needRoot(t)
	needTool(t, "/usr/bin/python3")
	script := `import os, signal, sys
pid = os.fork()
if pid == 0:
    os.kill(os.getpid(), signal.SIGSTOP)
    print("child-resumed", flush=True)
    os._exit(0)
_, st = os.waitpid(pid, os.WUNTRACED)
if not os.WIFSTOPPED(st):
    sys.exit("child did not stop: status %#x" % st)
os.kill(pid, signal.SIGCONT)
_, st = os.waitpid(pid, 0)
print("parent-done", flush=True)
sys.exit(os.waitstatus_to_exitcode(st))`
	ctx, bound := boundedContext(t)
	defer bound.cancel()
	var out bytes.Buffer
	res, err := record.Command(ctx, []string{"/usr/bin/python3", "-c", script}, record.Options{Mode: record.ModePtrace, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Interrupted {
		t.Fatalf("the recording did not end within %v and was killed: the stopped child was never continued (output %q)", bound.d, out.String())
	}
	if out.String() != "child-resumed\nparent-done\n" || res.ExitCode != 0 {
		t.Errorf("exit %d, output %q", res.ExitCode, out.String())
	}
	if names := res.Recording.Names(syscalls.Native()); !slices.Contains(names, "kill") {
		t.Errorf("kill not recorded: %v", names)
	}
}

// bound is the time a recording that should end by itself is given before it is
// killed, so that a hang fails the test with a message instead of the binary's timeout.
type bound struct {
	d      time.Duration
	cancel context.CancelFunc
}

// boundedContext ends two minutes from now, or sooner if the test's deadline is
// nearer, leaving time to report.
func boundedContext(t *testing.T) (context.Context, bound) {
	d := 2 * time.Minute
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - 10*time.Second; left < d {
			d = max(left, time.Second)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	return ctx, bound{d, cancel}
}

// execve from a thread that is not the leader: the thread takes over the process id.
// posix_spawn (clone with CLONE_VFORK) children are followed too.
func TestRecordThreadExecAndVforkAsRoot(t *testing.T) {
	needRoot(t)
	needTool(t, "/usr/bin/python3")
	script := `import os, subprocess, threading
subprocess.run(["/bin/true"], check=True)
t = threading.Thread(target=lambda: os.execv("/bin/echo", ["echo", "from-thread"]))
t.start()
t.join()`
	var out bytes.Buffer
	res, err := record.Command(context.Background(), []string{"/usr/bin/python3", "-c", script}, record.Options{Mode: record.ModePtrace, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "from-thread\n" || res.ExitCode != 0 {
		t.Errorf("exit %d output %q", res.ExitCode, out.String())
	}
	exes := map[string]bool{}
	for c := range res.Recording.Calls {
		exes[c.Exe] = true
	}
	for _, want := range []string{"/usr/bin/true", "/usr/bin/echo"} {
		if !exes[want] {
			t.Errorf("no calls attributed to %s: %v", want, exes)
		}
	}
}

// --args keeps the values that matter and rules from them allow the same calls again.
func TestRecordArgsAsRoot(t *testing.T) {
	needRoot(t)
	needTool(t, "/usr/bin/python3")
	script := `import socket
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC).close()`
	res, err := record.Command(context.Background(), []string{"/usr/bin/python3", "-c", script}, record.Options{Mode: record.ModePtrace, Args: true})
	if err != nil {
		t.Fatal(err)
	}
	var sockets []string
	for _, s := range res.Recording.Syscalls() {
		if s.Name == "socket" {
			for _, a := range s.ArgSets {
				sockets = append(sockets, a.Value.String())
			}
			if s.Unconditional != 0 {
				t.Errorf("%d socket calls without arguments", s.Unconditional)
			}
		}
	}
	slices.Sort(sockets)
	want := []string{"arg0 & 0xffffffff == 0x1 && arg1 & 0xf == 0x1", "arg0 & 0xffffffff == 0xa && arg1 & 0xf == 0x2"}
	if !slices.Equal(sockets, want) {
		t.Errorf("socket argument sets %q, want %q", sockets, want)
	}
}

// Recording a running process (ptrace attach) until the test has seen it complete a few
// loop iterations while traced: the stop follows what happened, not a clock, so a loaded
// machine slows the test down but cannot make it miss calls.
func TestRecordExistingAsRoot(t *testing.T) {
	needRoot(t)
	ticks := filepath.Join(t.TempDir(), "ticks")
	cmd := exec.Command("/bin/sh", "-c", `while :; do cat /etc/hostname >/dev/null; echo x >>"$0"; sleep 0.01; done`, ticks)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan attachResult, 1)
	go func() {
		res, err := record.Existing(ctx, record.Target{PID: cmd.Process.Pid}, record.Options{Mode: record.ModePtrace})
		done <- attachResult{res, err}
	}()
	statusPath := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	waitFor(t, "the tracer to attach", func() bool {
		status, _ := os.ReadFile(statusPath)
		return strings.Contains(string(status), "TracerPid:") && !strings.Contains(string(status), "TracerPid:\t0\n")
	})
	countTicks := func() int {
		b, _ := os.ReadFile(ticks)
		return bytes.Count(b, []byte("\n"))
	}
	attached := countTicks()
	waitFor(t, "three loop iterations while traced", func() bool { return countTicks() >= attached+3 })
	cancel()
	res, err := awaitDetach(t, done)
	if err != nil {
		t.Fatal(err)
	}
	names := res.Recording.Names(syscalls.Native())
	for _, want := range []string{"execve", "openat", "wait4", "read"} {
		if !slices.Contains(names, want) {
			t.Errorf("ptrace attach: %s not recorded: %v", want, names)
		}
	}
	if !slices.Contains(names, "clone") && !slices.Contains(names, "vfork") {
		t.Errorf("ptrace attach: no fork recorded: %v", names)
	}
	// Detached: the process runs on untraced.
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if !strings.Contains(string(status), "TracerPid:\t0") {
		t.Errorf("still traced after the recording:\n%s", status)
	}
}

type attachResult struct {
	res *record.Result
	err error
}

// awaitDetach waits for an attach-mode recording that was told to stop. A minute is far
// more than detaching takes: a recording still running then waits for a task that will
// never stop again, and the test says so instead of hanging until the binary's timeout.
func awaitDetach(t *testing.T, done <-chan attachResult) (*record.Result, error) {
	t.Helper()
	select {
	case r := <-done:
		return r.res, r.err
	case <-time.After(time.Minute):
		t.Fatal("the recording did not end a minute after it was told to: it waits for a task that will not stop")
		return nil, nil
	}
}

// tracedByUs lists the tasks on the machine that a thread of this process traces.
func tracedByUs(t *testing.T) []string {
	t.Helper()
	ours := map[string]bool{}
	threads, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range threads {
		ours[th.Name()] = true
	}
	statuses, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*/status")
	var traced []string
	for _, path := range statuses {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // it exited
		}
		for _, line := range strings.Split(string(data), "\n") {
			if tracer, ok := strings.CutPrefix(line, "TracerPid:\t"); ok && ours[tracer] {
				traced = append(traced, path)
			}
		}
	}
	return traced
}

// Detaching from a process that forks all the time lets go of every task, and the
// recording ends. Two orderings made it fail: a child whose own stops, exit included,
// were all read before its parent's fork event (the tracer waits for its newest tracee
// first), which the event brought back to be waited for forever; and a child forked
// just as its parent was let go, left traced and stopped with no one to continue it.
// Both are races, so the attach and detach are repeated.
func TestRecordExistingForkingProcessAsRoot(t *testing.T) {
	needRoot(t)
	ticks := filepath.Join(t.TempDir(), "ticks")
	// A subshell forks and exits at once; /bin/true also executes.
	cmd := exec.Command("/bin/sh", "-c", `while :; do (exit 0); /bin/true; echo x >>"$0"; done`, ticks)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	countTicks := func() int {
		b, _ := os.ReadFile(ticks)
		return bytes.Count(b, []byte("\n"))
	}
	statusPath := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	for round := range 30 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan attachResult, 1)
		go func() {
			res, err := record.Existing(ctx, record.Target{PID: cmd.Process.Pid}, record.Options{Mode: record.ModePtrace})
			done <- attachResult{res, err}
		}()
		waitFor(t, "the tracer to attach", func() bool {
			status, _ := os.ReadFile(statusPath)
			return strings.Contains(string(status), "TracerPid:") && !strings.Contains(string(status), "TracerPid:\t0\n")
		})
		attached := countTicks()
		waitFor(t, "two loop iterations while traced", func() bool { return countTicks() >= attached+2 })
		cancel()
		res, err := awaitDetach(t, done)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if traced := tracedByUs(t); len(traced) > 0 {
			t.Fatalf("round %d: still traced after the recording ended: %v", round, traced)
		}
		if names := res.Recording.Names(syscalls.Native()); !slices.Contains(names, "clone") && !slices.Contains(names, "fork") {
			t.Fatalf("round %d: no fork recorded: %v", round, names)
		}
	}
	// The loop runs on, untraced.
	before := countTicks()
	waitFor(t, "the loop to go on after the last detach", func() bool { return countTicks() > before })
}

// Audit mode: records of a process that exited before it could be matched are kept when
// its fork is known. Here a short-lived grandchild of the --pid process makes the
// records: it is long gone when they are read after the stop.
func TestFromAuditAttributesExitedProcessesAsRoot(t *testing.T) {
	needRoot(t)
	needTool(t, "/usr/bin/python3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The parent waits for a byte on stdin before forking, so the recorder is
	// listening before anything happens.
	script := `import os, sys, seccomp
sys.stdin.read(1)
if os.fork() == 0:
    if os.fork() == 0:
        f = seccomp.SyscallFilter(seccomp.ALLOW)
        f.add_rule(seccomp.LOG, "getppid")
        f.load()
        os.getppid()
        os._exit(0)
    os.wait()
    os._exit(0)
os.wait()`
	parent := exec.Command("/usr/bin/python3", "-c", script)
	stdin, err := parent.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		rec *record.Recording
		st  record.AuditStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		rec, st, err := record.FromAudit(ctx, record.AuditOptions{PID: parent.Process.Pid})
		done <- result{rec, st, err}
	}()
	waitSubscribed(t)
	stdin.Write([]byte("x"))
	if err := parent.Wait(); err != nil {
		t.Fatalf("python3 (python3-seccomp needed): %v", err)
	}
	// Wait until the records reach a subscriber, then stop: the recorder drains them.
	waitForGetppidRecord(t)
	cancel()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.st.NoForkEvents {
		t.Skip("no process events connector in this kernel")
	}
	if got := r.rec.Names(syscalls.Native()); !slices.Equal(got, []string{"getppid"}) {
		t.Errorf("recorded %v, want [getppid] (stats %+v)", got, r.st)
	}
}

// waitSubscribed waits until this process has joined the audit multicast group.
func waitSubscribed(t *testing.T) {
	t.Helper()
	for range 6000 {
		data, _ := os.ReadFile("/proc/net/netlink")
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && f[1] == "9" && f[2] == fmt.Sprint(os.Getpid()) && f[3] == "00000001" {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the recorder never joined the audit multicast group")
}

func waitForGetppidRecord(t *testing.T) {
	t.Helper()
	c, err := audit.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The records may already have passed: a second LOG record of ours marks the end.
	cmd := exec.Command("/usr/bin/python3", "-c", `import seccomp, os
f = seccomp.SyscallFilter(seccomp.ALLOW)
f.add_rule(seccomp.LOG, "getpgid")
f.load()
os.getpgid(0)`)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	stop := time.AfterFunc(time.Minute, func() { c.Close() })
	defer stop.Stop()
	for {
		m, err := c.Read()
		if err != nil {
			t.Fatal(err)
		}
		if r, err := audit.ParseMessage(m); err == nil && r.PID == cmd.Process.Pid {
			return
		}
	}
}

// eBPF mode records an existing cgroup v2 (a running container) for a while.
func TestRecordExistingCgroupAsRoot(t *testing.T) {
	needRoot(t)
	mount := ""
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		for i, x := range f {
			if x == "-" && i+1 < len(f) && f[i+1] == "cgroup2" {
				mount = f[4]
			}
		}
	}
	if mount == "" {
		t.Skip("no cgroup v2 hierarchy mounted")
	}
	dir := filepath.Join(mount, fmt.Sprintf("seccompctl-existing-test-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Killing the shell leaves its current child in the cgroup for a moment: kill
	// everything in it, then remove it once it is empty.
	defer waitFor(t, "the test cgroup to be removed", func() bool {
		os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
		err := os.Remove(dir)
		return err == nil || errors.Is(err, os.ErrNotExist)
	})
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY|syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	ticks := filepath.Join(t.TempDir(), "ticks")
	cmd := exec.Command("/bin/sh", "-c", `while :; do cat /etc/hostname >/dev/null; echo x >>"$0"; sleep 0.01; done`, ticks)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	path, err := record.CgroupPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Stopped once the recorder has counted calls and the loop has then run three more
	// times: what happened decides, not a clock.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var progress record.Progress
	type result struct {
		res *record.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := record.Existing(ctx, record.Target{Cgroup: path}, record.Options{Mode: record.ModeEBPF, Progress: &progress})
		done <- result{res, err}
	}()
	countTicks := func() int {
		b, _ := os.ReadFile(ticks)
		return bytes.Count(b, []byte("\n"))
	}
	waitFor(t, "the recorder to count calls", func() bool {
		select {
		case r := <-done:
			done <- r // the recorder ended early: report its error below
			return true
		default:
		}
		return progress.Distinct() > 0
	})
	recording := countTicks()
	waitFor(t, "three loop iterations while recorded", func() bool { return countTicks() >= recording+3 || len(done) > 0 })
	cancel()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	res := r.res
	if res.Mode != record.ModeEBPF {
		t.Errorf("mode %s", res.Mode)
	}
	names := res.Recording.Names(syscalls.Native())
	for _, want := range []string{"execve", "openat", "read", "wait4"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not recorded: %v", want, names)
		}
	}
	// The root cgroup is the whole machine: refused.
	if _, err := record.Existing(context.Background(), record.Target{Cgroup: "/", Duration: time.Millisecond}, record.Options{Mode: record.ModeEBPF}); err == nil {
		t.Error("recording the root cgroup was accepted")
	}
}

// TestRecordObjectsAsRoot: both recorders name the files static analysis must read:
// every executable run (the shell and python3 here), the shared libraries they map, and
// a module python3 dlopen'ed after it started.
func TestRecordObjectsAsRoot(t *testing.T) {
	needRoot(t)
	needTool(t, "/usr/bin/python3")
	python, err := filepath.EvalSymlinks("/usr/bin/python3")
	if err != nil {
		t.Fatal(err)
	}
	// The sleep keeps python3 alive across eBPF mode's periodic scans.
	argv := []string{"/bin/sh", "-c", "/usr/bin/python3 -c 'import _ssl, time; time.sleep(0.5)'; true"}
	for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
		t.Run(string(mode), func(t *testing.T) {
			res, err := record.Command(context.Background(), argv, record.Options{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			objs := res.Recording.Objects
			has := func(pred func(string) bool) bool { return slices.ContainsFunc(objs, pred) }
			if !slices.IsSorted(objs) {
				t.Errorf("objects not sorted: %q", objs)
			}
			for what, pred := range map[string]func(string) bool{
				"python3":            func(p string) bool { return p == python },
				"libc":               func(p string) bool { return strings.Contains(filepath.Base(p), "libc.so") },
				"the dynamic linker": func(p string) bool { return strings.Contains(filepath.Base(p), "ld-linux") },
				"the dlopen'ed _ssl module": func(p string) bool {
					return strings.Contains(p, "lib-dynload/_ssl.")
				},
			} {
				if !has(pred) {
					t.Errorf("%s missing from the objects %q", what, objs)
				}
			}
			if mode == record.ModePtrace && !has(func(p string) bool { return strings.HasSuffix(p, "sh") }) {
				// The shell runs only as long as python3 does: eBPF mode's scans see it
				// too, but ptrace mode must, at its exec and exit stops.
				t.Errorf("the shell is missing from the objects %q", objs)
			}
		})
	}
}

// TestRecordObjectsShortCommandAsRoot: a command that exits before eBPF mode's first
// scan is still named, and the recorder's own binary (the command between fork and
// exec) never is.
func TestRecordObjectsShortCommandAsRoot(t *testing.T) {
	needRoot(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
		t.Run(string(mode), func(t *testing.T) {
			res, err := record.Command(context.Background(), []string{"/bin/true"}, record.Options{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			objs := res.Recording.Objects
			if !slices.Contains(objs, want) {
				t.Errorf("objects %q lack %s", objs, want)
			}
			if slices.Contains(objs, self) {
				t.Errorf("objects %q hold the recorder's own binary", objs)
			}
			// The helper's own execve of seccompctl is not the command's: nothing is
			// counted for seccompctl's binary either.
			for c := range res.Recording.Calls {
				if c.Exe == self {
					t.Errorf("%s attributed to the recorder's own binary", c.Name)
				}
			}
		})
	}
}

// waitFor polls cond until it holds; a minute without it fails the test (a hang, not a
// measurement).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRecordObjectsOfShortProcessesAsRoot: programs that run for less than eBPF mode's
// scan interval are still named: a wrapper that runs the real program (env here, a
// shell, nice) must not leave completion with the wrapper alone. Several rounds, because
// a scan may happen to fall in the right moment. The module python3 dlopen'ed just before
// it exits is named too: the kernel names the file in the mmap event. Where it cannot
// (no BTF), eBPF mode reads the process's mappings after the event and it may be gone
// by then: the recording must then say it may have missed a module.
func TestRecordObjectsOfShortProcessesAsRoot(t *testing.T) {
	needRoot(t)
	needTool(t, "/usr/bin/python3")
	want := map[string]func(string) bool{}
	for _, exe := range []string{"/usr/bin/env", "/usr/bin/python3", "/bin/true"} {
		real, err := filepath.EvalSymlinks(exe)
		if err != nil {
			t.Fatal(err)
		}
		want[real] = func(p string) bool { return p == real }
	}
	module := func(p string) bool { return strings.Contains(p, "lib-dynload/_ssl.") }
	argv := []string{"/bin/sh", "-c", "/usr/bin/env /usr/bin/python3 -S -c 'import _ssl'; /bin/true"}
	for _, mode := range []record.Mode{record.ModePtrace, record.ModeEBPF} {
		rounds := 1
		if mode == record.ModeEBPF {
			rounds = 10
		}
		t.Run(string(mode), func(t *testing.T) {
			for round := range rounds {
				res, err := record.Command(context.Background(), argv, record.Options{Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				objs := res.Recording.Objects
				for what, pred := range want {
					if !slices.ContainsFunc(objs, pred) {
						t.Errorf("round %d: %s missing from the objects %q", round, what, objs)
					}
				}
				switch {
				case slices.ContainsFunc(objs, module):
				case mode == record.ModePtrace || record.KernelNamesMappedFiles() || len(res.Recording.ObjectGaps) == 0:
					t.Errorf("round %d: the dlopen'ed _ssl module is missing from the objects %q, and the recording does not say it may have missed one (gaps %q)", round, objs, res.Recording.ObjectGaps)
				default:
					t.Logf("round %d: the _ssl module was missed, and the recording says so: %q", round, res.Recording.ObjectGaps)
				}
			}
		})
	}
}
