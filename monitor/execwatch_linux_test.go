package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/internal/procevents"
)

func execEvent(tgid int) procevents.Event {
	return procevents.Event{Kind: procevents.Exec, Pid: tgid, Tgid: tgid}
}

// TestExecEventsPIDReuse checks that the entry of a pid does not survive a new process
// of the same number: a fork drops it, an exec outside a container drops it, an exec in
// another container replaces it.
func TestExecEventsPIDReuse(t *testing.T) {
	proc := t.TempDir()
	idA, idB := strings.Repeat("a", 64), strings.Repeat("b", 64)
	setCgroup := func(path string) {
		os.MkdirAll(filepath.Join(proc, "42"), 0o755)
		if err := os.WriteFile(filepath.Join(proc, "42", "cgroup"), []byte("0::"+path+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := &Monitor{ProcRoot: proc}
	c := newExecCache(execCacheTTL, 8)
	lookup := func() string {
		info, _ := c.get(42, time.Now())
		return info.ContainerID
	}

	setCgroup("/kubepods/besteffort/" + idA)
	m.handleProcEvent(c, execEvent(42))
	if got := lookup(); got != idA {
		t.Fatalf("after exec in container A: %q", got)
	}
	setCgroup("/kubepods/besteffort/" + idB)
	m.handleProcEvent(c, execEvent(42))
	if got := lookup(); got != idB {
		t.Errorf("after exec in container B: %q, want B", got)
	}
	setCgroup("/user.slice/session-1.scope")
	m.handleProcEvent(c, execEvent(42))
	if got := lookup(); got != "" {
		t.Errorf("after exec on the host: %q, want none", got)
	}
	setCgroup("/kubepods/besteffort/" + idA)
	m.handleProcEvent(c, execEvent(42))
	m.handleProcEvent(c, procevents.Event{Kind: procevents.Fork, ParentTgid: 1, Pid: 42, Tgid: 42})
	if got := lookup(); got != "" {
		t.Errorf("after a fork of a new pid 42: %q, want none", got)
	}
	m.handleProcEvent(c, execEvent(43)) // no /proc/43: gone already
	if _, ok := c.get(43, time.Now()); ok {
		t.Error("entry for a pid whose cgroup could not be read")
	}
}

// TestRootKernelWatchExecsAttributesExitedProcess runs a short-lived program in a cgroup
// laid out as the kubelet lays out a container's and checks that, after it exited and
// was reaped, a record of its pid is still attributed to the container, through the
// cgroup read at its exec, while a Monitor without the watcher reports it exited.
func TestRootKernelWatchExecsAttributesExitedProcess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups, the process events connector")
	}
	mnt := cgroup2Mount(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := &Monitor{}
	if err := m.WatchExecs(ctx); errors.Is(err, unix.EPERM) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	if err := m.WatchExecs(ctx); err == nil {
		t.Error("second WatchExecs: no error")
	}

	idb := make([]byte, 32)
	rand.Read(idb)
	id := hex.EncodeToString(idb)
	const podUID = "1b3e5f7a-9c2d-4e6f-8a0b-c2d4e6f8a0b2"
	top := filepath.Join(mnt, fmt.Sprintf("seccompctl-execwatch-test-%d", os.Getpid()))
	leaf := filepath.Join(top, "kubepods", "besteffort", "pod"+podUID, id)
	if err := os.MkdirAll(leaf, 0o755); err != nil {
		t.Skipf("cannot create cgroups under %s: %v", mnt, err)
	}
	defer func() {
		for d := leaf; strings.HasPrefix(d, top); d = filepath.Dir(d) {
			os.Remove(d)
		}
	}()
	cg, err := os.Open(leaf)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()

	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(truePath)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	// Reap only once the watcher has handled the exec event: until then the process is
	// at most a zombie, whose /proc/PID/cgroup still reads. This waits for the event, it
	// does not measure how fast it came.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, ok := m.execs.get(pid, time.Now()); ok {
			break
		}
		if time.Now().After(deadline) {
			cmd.Wait()
			t.Fatalf("no exec event of pid %d handled in 30s", pid)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Skipf("pid %d was reused at once", pid)
	}

	info, err := m.cgroup(pid)
	if err != nil || info.ContainerID != id || info.PodUID != podUID {
		t.Errorf("with the watcher: cgroup(%d) = %+v, %v; want container %s", pid, info, err, id)
	}
	rec := audit.SeccompRecord{PID: pid, Comm: "true", Syscall: 83, Name: "mkdir"}
	if v := m.Attribute(ctx, rec); v.ID != id || v.PodUID != podUID || v.Error != "" {
		t.Errorf("with the watcher: %+v", v)
	}

	var plain Monitor
	plain.init()
	if _, err := plain.cgroup(pid); !errors.Is(err, errExited) {
		t.Errorf("without the watcher: cgroup(%d) error %v, want %v", pid, err, errExited)
	}
	if v := plain.Attribute(ctx, rec); v.ID != "" || v.unattributed != "exited" {
		t.Errorf("without the watcher: %+v, want unattributed (exited)", v)
	}
}
