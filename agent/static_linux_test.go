package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// scratchCgroup makes a cgroup below the host's cgroup v2 mount for one test.
func scratchCgroup(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: making cgroups and reading other processes' /proc/PID/exe")
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	mount, err := cgroup2Mount(string(mi))
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(mount, fmt.Sprintf("seccompctl-static-test-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-")))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The processes are killed by their own cleanups first (registered later).
		for range 50 {
			if err := os.Remove(dir); err == nil || os.IsNotExist(err) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("cleanup: cgroup %s left behind", dir)
	})
	return dir
}

// startIn starts argv in the cgroup at dir, from its first instruction, with stdin
// from the returned writer.
func startIn(t testing.TB, dir string, argv ...string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd, Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, in
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// waitExe waits until pid runs path (after an exec).
func waitExe(t *testing.T, pid int, path string) {
	t.Helper()
	for range 500 {
		if p, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && p == path {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never ran %s", pid, path)
}

func exePaths(s *snapshot.Static) []string {
	var out []string
	for _, e := range s.Executables {
		out = append(out, e.Path)
	}
	return out
}

func reaches(e snapshot.Executable, name string) bool {
	for _, a := range e.Arches {
		if slices.Contains(a.Syscalls, name) {
			return true
		}
	}
	return false
}

// The analyzer finds a container's executables from its cgroup's processes, analyzes
// each once, and at a later look the program a shell exec'ed into: real processes in
// a real cgroup, analyzed through their /proc/PID.
func TestStaticAnalyzerFollowsExec(t *testing.T) {
	dir := scratchCgroup(t)
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	sleep, err := filepath.EvalSymlinks("/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	// A shell that execs a server once told to: what an entrypoint script does.
	cmd, in := startIn(t, dir, "/bin/sh", "-c", "read go; exec "+sleep+" 300")
	waitExe(t, cmd.Process.Pid, sh)

	a := newStaticAnalyzer(quietLog(), t.TempDir(), time.Hour)
	analyses := 0
	a.analyses = func(string) { analyses++ }
	clock := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return clock }
	target := staticTarget{key: staticKey{"shop", "kv-1", "server"}, id: "c0ffee", dir: dir}
	ctx := context.Background()

	a.lookAll(ctx, []staticTarget{target})
	s := snapshot.Snapshot{Containers: []snapshot.Container{{Namespace: "shop", Pod: "kv-1", Container: "server", Arch: syscalls.X86_64}}}
	a.attach(&s)
	st := s.Containers[0].Static
	if st == nil || st.Looks != 1 || !slices.Equal(exePaths(st), []string{sh}) || len(st.Errors) != 0 {
		t.Fatalf("after the first look: %+v; want %s analyzed in one look, no error", st, sh)
	}
	if e := st.Executables[0]; e.Objects < 2 || !reaches(e, "execve") || !reaches(e, "read") {
		t.Errorf("%s: %d objects, arches %+v; want it and libc, execve and read reachable", sh, e.Objects, e.Arches)
	}

	// Within the interval nothing is looked at again; past it, the same executable is
	// not analyzed twice.
	clock = clock.Add(time.Minute)
	a.lookAll(ctx, []staticTarget{target})
	clock = clock.Add(time.Hour)
	a.lookAll(ctx, []staticTarget{target})
	if analyses != 1 {
		t.Errorf("%d analyses after three looks at one unchanged process; want 1", analyses)
	}

	// The shell execs sleep: the next look finds and analyzes it.
	io.WriteString(in, "go\n")
	waitExe(t, cmd.Process.Pid, sleep)
	clock = clock.Add(time.Hour)
	a.lookAll(ctx, []staticTarget{target})
	s.Containers[0].Static = nil
	a.attach(&s)
	st = s.Containers[0].Static
	if !slices.Equal(exePaths(st), []string{sh, sleep}) || st.Looks != 3 {
		t.Fatalf("after the exec: executables %v in %d looks; want %s then %s in 3", exePaths(st), st.Looks, sh, sleep)
	}
	if e := st.Executables[1]; !reaches(e, "clock_nanosleep") && !reaches(e, "nanosleep") {
		t.Errorf("%s reaches neither clock_nanosleep nor nanosleep: %+v", sleep, e.Arches)
	}
	if !st.First.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) || !st.Last.Equal(clock) {
		t.Errorf("looks from %s to %s; want from the first look to the last", st.First, st.Last)
	}

	// Once the container is no longer offered (it ended), it is forgotten: a
	// container of the same ID would be analyzed anew.
	a.lookAll(ctx, nil)
	if len(a.looked) != 0 || len(a.seen) != 0 {
		t.Errorf("an ended container is still tracked: %v %v", a.looked, a.seen)
	}
}

// What cannot be analyzed is the container's error, and the analyzer goes on: an
// executable deleted after it started (nothing left to read), a container that ended
// before it was looked at.
func TestStaticAnalyzerRecordsFailures(t *testing.T) {
	dir := scratchCgroup(t)
	sleep, err := filepath.EvalSymlinks("/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(t.TempDir(), "vanishing-server")
	if err := os.WriteFile(gone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd, _ := startIn(t, dir, gone, "300")
	waitExe(t, cmd.Process.Pid, gone)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	_, _ = startIn(t, dir, sleep, "300")

	a := newStaticAnalyzer(quietLog(), "", time.Hour)
	ctx := context.Background()
	deleted := staticTarget{key: staticKey{"shop", "kv-2", "server"}, id: "deleted", dir: dir}
	ended := staticTarget{key: staticKey{"shop", "kv-2", "init"}, id: "ended", dir: filepath.Join(dir, "no-such-container")}
	a.lookAll(ctx, []staticTarget{deleted, ended})
	s := snapshot.Snapshot{Containers: []snapshot.Container{
		{Namespace: "shop", Pod: "kv-2", Container: "init"}, {Namespace: "shop", Pod: "kv-2", Container: "server"}}}
	a.attach(&s)
	init, server := s.Containers[0].Static, s.Containers[1].Static
	if server == nil || len(server.Errors) != 1 || !strings.Contains(server.Errors[0], gone) || !slices.Equal(exePaths(server), []string{sleep}) {
		t.Fatalf("server: %+v; want one error naming %s and %s still analyzed", server, gone, sleep)
	}
	if init == nil || len(init.Errors) != 1 || !strings.Contains(init.Errors[0], "ended before its processes could be looked at") || init.Looks != 0 {
		t.Fatalf("init: %+v; want the error that it ended before it was looked at", init)
	}
}

func TestCgroupPIDsOutsidePIDNamespace(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte("12\n0\n"), 0o644)
	if _, err := cgroupPIDs(dir); err == nil || !strings.Contains(err.Error(), "hostPID") {
		t.Errorf("error %v: want one saying the agent needs the host's PID namespace", err)
	}
	os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte("12\n7\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "child"), 0o755)
	os.WriteFile(filepath.Join(dir, "child", "cgroup.procs"), []byte("9\n"), 0o644)
	if pids, err := cgroupPIDs(dir); err != nil || !slices.Equal(pids, []int{7, 9, 12}) {
		t.Errorf("pids %v, %v: want 7 9 12, the child cgroup's included", pids, err)
	}
}

// BenchmarkStaticAnalyzeRedis is the agent's analysis of a redis-server container: a
// look at a cgroup running Debian's redis-server, with no cache (a node's first
// replica) and with the cache the first analysis filled (every later replica). The
// peak RSS of the whole test process is reported as peak-rss-MiB.
func BenchmarkStaticAnalyzeRedis(b *testing.B) {
	redis, err := exec.LookPath("redis-server")
	if err != nil {
		b.Skip("redis-server not installed (apt-get install redis-server)")
	}
	dir := scratchCgroup(b)
	cmd, _ := startIn(b, dir, redis, "--port", "0", "--unixsocket", filepath.Join(b.TempDir(), "redis.sock"), "--save", "", "--appendonly", "no")
	for range 500 {
		if p, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid)); strings.HasSuffix(p, "redis-check-rdb") || strings.HasSuffix(p, "redis-server") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, cached := range []bool{false, true} {
		name := "cold"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			cache := b.TempDir()
			if cached {
				newStaticAnalyzer(quietLog(), cache, 0).look(context.Background(), staticTarget{id: "warm", dir: dir})
			}
			for b.Loop() {
				a := newStaticAnalyzer(quietLog(), cache, 0)
				if !cached {
					a = newStaticAnalyzer(quietLog(), "", 0)
				}
				a.look(context.Background(), staticTarget{id: "c", dir: dir})
				if st := a.results[staticKey{}]; st == nil || len(st.Executables) != 1 || len(st.Errors) != 0 {
					b.Fatalf("redis-server not analyzed: %+v", st)
				}
			}
			b.ReportMetric(float64(procStatusKB(b, "VmHWM"))/(1<<20), "peak-rss-MiB")
		})
	}
}

// procStatusKB is a field of this process's /proc/self/status given in kB (VmRSS,
// VmHWM), in bytes.
func procStatusKB(tb testing.TB, field string) int64 {
	tb.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				tb.Fatalf("/proc/self/status: %q: %v", line, err)
			}
			return kb << 10
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}
