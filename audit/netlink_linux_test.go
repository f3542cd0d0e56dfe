package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

const helperEnv = "SECCOMPCTL_AUDIT_TEST_HELPER"

func TestMain(m *testing.M) {
	if n := os.Getenv(helperEnv); n != "" {
		os.Exit(logGetppid(n))
	}
	os.Exit(m.Run())
}

// logGetppid installs a filter that answers getppid with SECCOMP_RET_LOG and calls it n
// times, so the kernel writes n SECCOMP records for this process.
func logGetppid(n string) int {
	count, _ := strconv.Atoi(n)
	runtime.LockOSThread()
	nr, _ := syscalls.Number(syscalls.Native(), "getppid")
	prog := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: uint32(nr), Jt: 0, Jf: 1},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0x7ffc0000},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0x7fff0000},
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, 1, 0, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		fmt.Fprintln(os.Stderr, e)
		return 3
	}
	for range count {
		unix.Syscall(uintptr(nr), 0, 0, 0)
	}
	return 0
}

func runLogHelper(t *testing.T, n int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	return cmd.Process.Pid
}

func dialOrSkip(t *testing.T) *Conn {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("joining the audit multicast group needs root (CAP_AUDIT_READ)")
	}
	c, err := Dial()
	if err != nil {
		t.Fatalf("Dial as root: %v", err)
	}
	return c
}

func TestConnReadsSeccompRecordsAsRoot(t *testing.T) {
	c := dialOrSkip(t)
	defer c.Close()
	const n = 5
	pid := runLogHelper(t, n)

	// A safety net so a kernel that sends nothing fails the test instead of hanging it.
	stop := time.AfterFunc(time.Minute, func() { c.Close() })
	defer stop.Stop()
	got := 0
	for got < n {
		m, err := c.Read()
		if err != nil {
			t.Fatalf("Read after %d of %d records: %v", got, n, err)
		}
		r, err := ParseMessage(m)
		if err != nil || r.PID != pid {
			continue
		}
		if r.Name != "getppid" || r.Action != profile.ActLog || r.Arch != syscalls.Native() || r.Exe == "" {
			t.Errorf("record %+v", r)
		}
		got++
	}
	if c.Overruns() != 0 {
		t.Errorf("%d overruns for %d records", c.Overruns(), n)
	}
}

func TestListenAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("joining the audit multicast group needs root (CAP_AUDIT_READ)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ch, err := Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid := runLogHelper(t, 2)
	got := 0
	for r := range ch {
		if r.PID == pid && r.Name == "getppid" {
			got++
			if got == 2 {
				break
			}
		}
	}
	if got != 2 {
		t.Fatalf("got %d records for pid %d, want 2", got, pid)
	}
	cancel()
	// The channel closes once the context is done.
	for range ch {
	}
}

// ReadQueued returns what the kernel already sent without waiting: once a second
// subscriber has seen the records, the first one has them queued.
func TestReadQueuedAsRoot(t *testing.T) {
	c1 := dialOrSkip(t)
	defer c1.Close()
	c2 := dialOrSkip(t)
	defer c2.Close()
	pid := runLogHelper(t, 3)
	stop := time.AfterFunc(time.Minute, func() { c2.Close() })
	defer stop.Stop()
	for seen := 0; seen < 3; {
		m, err := c2.Read()
		if err != nil {
			t.Fatal(err)
		}
		if r, err := ParseMessage(m); err == nil && r.PID == pid {
			seen++
		}
	}
	got := 0
	for {
		m, ok, err := c1.ReadQueued()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if r, err := ParseMessage(m); err == nil && r.PID == pid {
			got++
		}
	}
	if got != 3 {
		t.Errorf("ReadQueued returned %d of the 3 queued records", got)
	}
	// A past deadline wakes Read at once.
	c1.SetReadDeadline(time.Now())
	if _, err := c1.Read(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read after the deadline: %v", err)
	}
}
