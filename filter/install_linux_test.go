//go:build linux

package filter

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// The kernel tests install filters in a child process (this test binary, re-executed),
// make real system calls under them and report what the kernel returned; the parent
// checks errno values, success and deaths, and that Explain predicted each outcome.

const kernelChildEnv = "SECCOMPCTL_KERNEL_CHILD"

func TestMain(m *testing.M) {
	if name := os.Getenv(kernelChildEnv); name != "" {
		os.Exit(kernelChild(name))
	}
	os.Exit(m.Run())
}

// kcall is one system call a child makes after installing its filter.
type kcall struct {
	name string
	arch syscalls.Arch // X86_64 or X32 (the x32 bit is added to nr)
	nr   string        // syscall name, resolved on arch
	args [6]uint64
}

// kcase is a profile and the calls made under it.
type kcase struct {
	profile string // JSON, or @file under testdata/profiles
	opts    Options
	calls   []kcall
}

var x86 = []syscalls.Arch{syscalls.X86_64, syscalls.X32}

var kernelCases = map[string]kcase{
	"rules": {
		profile: `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
			"syscalls": [
				{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77},
				{"names": ["gettid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0},
				{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 78,
				 "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]},
				{"names": ["getsid"], "action": "SCMP_ACT_TRACE"},
				{"names": ["getpgrp"], "action": "SCMP_ACT_NOTIFY"},
				{"names": ["getegid"], "action": "SCMP_ACT_LOG"},
				{"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 79,
				 "args": [{"index": 0, "value": 18446744069414584320, "valueTwo": 4294967296, "op": "SCMP_CMP_MASKED_EQ"}]}
			]}`,
		calls: []kcall{
			{name: "getpid allowed", nr: "getpid"},
			{name: "getppid errno 77", nr: "getppid"},
			{name: "gettid errno 0 returns 0", nr: "gettid"},
			{name: "personality query allowed", nr: "personality", args: [6]uint64{0xffffffff}},
			{name: "personality high word set", nr: "personality", args: [6]uint64{0x1_ffffffff}},
			{name: "personality all ones", nr: "personality", args: [6]uint64{0xffffffff_ffffffff}},
			{name: "trace without tracer", nr: "getsid", args: [6]uint64{0}},
			{name: "notify without listener", nr: "getpgrp"},
			{name: "log", nr: "getegid"},
			{name: "umask masked high word matches", nr: "umask", args: [6]uint64{0x1_00000022}},
			{name: "umask masked high word differs", nr: "umask", args: [6]uint64{0x2_00000022}},
			{name: "x32 getppid", arch: syscalls.X32, nr: "getppid"},
			{name: "x32 getpid", arch: syscalls.X32, nr: "getpid"},
		},
	},
	"docker": {
		profile: "@docker-default-20.10.24.json",
		opts:    Options{Caps: profile.DefaultCaps()},
		calls: []kcall{
			{name: "getpid allowed", nr: "getpid"},
			{name: "umount2 denied", nr: "umount2"},
			{name: "clone3 ENOSYS rule", nr: "clone3"},
			{name: "personality 8 allowed", nr: "personality", args: [6]uint64{0xffffffff}},
			{name: "personality 0x100000000 denied", nr: "personality", args: [6]uint64{0x1_00000000}},
			{name: "cachestat above the profile", nr: "cachestat", args: [6]uint64{0xffffffff}},
			{name: "unnamed syscall", nr: "uselib"},
		},
	},
	"kill": {
		profile: `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]}`,
		calls:   []kcall{{name: "getpid", nr: "getpid"}, {name: "getppid kills", nr: "getppid"}, {name: "never", nr: "getpid"}},
	},
	"trap": {
		profile: `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_TRAP"}]}`,
		calls:   []kcall{{name: "getppid traps", nr: "getppid"}, {name: "never", nr: "getpid"}},
	},
}

func loadKernelProfile(t testing.TB, src string) *profile.Profile {
	var p *profile.Profile
	var err error
	if name, ok := strings.CutPrefix(src, "@"); ok {
		p, err = profile.Load(filepath.Join("testdata", "profiles", name))
	} else {
		p, err = profile.Parse("inline", []byte(src))
	}
	if err != nil {
		if t != nil {
			t.Fatal(err)
		}
		panic(err)
	}
	return p
}

func (c kcall) number() int {
	a := c.arch
	if a == syscalls.ArchInvalid {
		a = syscalls.X86_64
	}
	nr, ok := syscalls.Number(a, c.nr)
	if !ok {
		panic(fmt.Sprintf("no %s on %v", c.nr, a))
	}
	return nr
}

func (c kcall) archOrNative() syscalls.Arch {
	if c.arch == syscalls.ArchInvalid {
		return syscalls.X86_64
	}
	return c.arch
}

// kernelChild installs the case's filter on this thread and makes the calls, printing
// "name<TAB>r1<TAB>errno" for each.
func kernelChild(name string) int {
	c := kernelCases[name]
	f, err := Compile(loadKernelProfile(nil, c.profile), c.opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 100
	}
	runtime.LockOSThread()
	out := bufio.NewWriter(os.Stdout)
	if _, err := f.Install(InstallOptions{NoNewPrivs: true, Flags: []profile.Flag{}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 101
	}
	for _, call := range c.calls {
		a := call.args
		r1, _, errno := unix.RawSyscall6(uintptr(call.number()), uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), uintptr(a[3]), uintptr(a[4]), uintptr(a[5]))
		fmt.Fprintf(out, "%s\t%d\t%d\n", call.name, r1, errno)
		out.Flush()
	}
	return 0
}

type kresult struct {
	r1    uint64
	errno syscall.Errno
}

func runKernelChild(t *testing.T, name string) (map[string]kresult, *os.ProcessState, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), kernelChildEnv+"="+name)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	results := map[string]kresult{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		r1, _ := strconv.ParseUint(f[1], 10, 64)
		e, _ := strconv.Atoi(f[2])
		results[f[0]] = kresult{r1, syscall.Errno(e)}
	}
	return results, cmd.ProcessState, stderr.String()
}

func requireSeccomp(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("the kernel cases make x86_64 and x32 system calls; this is %s", runtime.GOARCH)
	}
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err == unix.EINVAL {
		t.Skip("the kernel has no seccomp (CONFIG_SECCOMP)")
	}
}

// TestKernelFilters installs filters and checks what the kernel returns, and that
// Explain predicted every errno.
func TestKernelFilters(t *testing.T) {
	requireSeccomp(t)
	want := map[string]map[string]syscall.Errno{
		"rules": {
			"getpid allowed": 0, "getppid errno 77": 77, "gettid errno 0 returns 0": 0,
			"personality query allowed": 0, "personality high word set": 78, "personality all ones": 78,
			"trace without tracer": unix.ENOSYS, "notify without listener": unix.ENOSYS, "log": 0,
			"umask masked high word matches": 79, "umask masked high word differs": 0,
			"x32 getppid": 77,
			// x32 getpid passes the filter; this kernel may lack the x32 ABI.
		},
		"docker": {
			"getpid allowed": 0, "umount2 denied": unix.EPERM, "clone3 ENOSYS rule": unix.ENOSYS,
			"personality 8 allowed": 0, "personality 0x100000000 denied": unix.EPERM,
			"cachestat above the profile": unix.ENOSYS, "unnamed syscall": unix.EPERM,
		},
	}
	for name, calls := range want {
		t.Run(name, func(t *testing.T) {
			c := kernelCases[name]
			f, err := Compile(loadKernelProfile(t, c.profile), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, state, stderr := runKernelChild(t, name)
			if !state.Success() {
				t.Fatalf("child failed: %v\n%s", state, stderr)
			}
			for _, call := range c.calls {
				r, ok := got[call.name]
				if !ok {
					t.Errorf("%s: no result", call.name)
					continue
				}
				d, err := f.Explain(call.archOrNative(), call.number(), call.args)
				if err != nil {
					t.Fatal(err)
				}
				if e, ok := calls[call.name]; ok && r.errno != e {
					t.Errorf("%s: errno %d (%v), want %d (%v); explain says %s", call.name, int(r.errno), r.errno, int(e), e, d.Action)
				}
				// Explain must predict every errno the filter itself returns.
				if d.Ret&0xffff0000 == 0x00050000 && r.errno != syscall.Errno(d.Ret&0xffff) {
					t.Errorf("%s: explain says %s, the kernel returned errno %d", call.name, d.Action, int(r.errno))
				}
			}
			if r := got["gettid errno 0 returns 0"]; name == "rules" && r.r1 != 0 {
				t.Errorf("gettid under ERRNO(0) returned %d, want 0", r.r1)
			}
		})
	}
}

func TestKernelKillProcess(t *testing.T) {
	requireSeccomp(t)
	got, state, stderr := runKernelChild(t, "kill")
	ws := state.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
		t.Fatalf("child ended with %v, want death by SIGSYS\n%s", state, stderr)
	}
	if _, ok := got["getpid"]; !ok {
		t.Error("the call before the killing one did not run")
	}
	if _, ok := got["never"]; ok {
		t.Error("the child ran on after SECCOMP_RET_KILL_PROCESS")
	}
}

func TestKernelTrap(t *testing.T) {
	requireSeccomp(t)
	got, state, stderr := runKernelChild(t, "trap")
	if state.Success() || !strings.Contains(stderr, "SIGSYS") {
		t.Fatalf("child ended with %v, want Go's crash on SIGSYS\n%s", state, stderr)
	}
	if _, ok := got["never"]; ok {
		t.Error("the child ran on after SECCOMP_RET_TRAP")
	}
}

// TestKernelBadArch checks that an x32 system call under an x86_64-only filter gets the
// bad-architecture action, SECCOMP_RET_KILL_THREAD: the filtered thread disappears, the
// rest of the process lives on.
func TestKernelBadArch(t *testing.T) {
	requireSeccomp(t)
	if os.Getenv(kernelChildEnv) != "" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelBadArchChild$", "-test.v")
	cmd.Env = append(os.Environ(), "SECCOMPCTL_BADARCH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "thread killed") {
		t.Fatalf("the x32 call did not kill the thread:\n%s", out)
	}
}

func TestKernelBadArchChild(t *testing.T) {
	if os.Getenv("SECCOMPCTL_BADARCH_CHILD") == "" {
		t.Skip("run by TestKernelBadArch")
	}
	p := loadKernelProfile(t, `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]}`)
	f, err := Compile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nr, _ := syscalls.Number(syscalls.X32, "getpid")
	if d, err := f.Explain(syscalls.X32, nr, [6]uint64{}); err != nil || d.Reason != ReasonBadArch {
		t.Fatalf("explain: %+v %v", d, err)
	}
	tids := make(chan int, 1)
	returned := make(chan syscall.Errno, 1)
	var worker func()
	worker = func() {
		runtime.LockOSThread() // never unlocked: the thread carries the filter
		if unix.Gettid() == unix.Getpid() {
			// Killing the main thread would leave a zombie leader: keep it locked
			// and idle here and work on another thread.
			go worker()
			select {}
		}
		tids <- unix.Gettid()
		if _, err := f.Install(InstallOptions{NoNewPrivs: true}); err != nil {
			t.Error(err)
			returned <- 0
			return
		}
		_, _, errno := unix.RawSyscall(uintptr(nr), 0, 0, 0)
		returned <- errno
	}
	go worker()
	tid := <-tids
	if tid == unix.Getpid() {
		t.Fatal("the filtered thread is the main thread")
	}
	task := fmt.Sprintf("/proc/self/task/%d", tid)
	for {
		select {
		case errno := <-returned:
			t.Fatalf("the x32 call returned (errno %d) instead of killing the thread", int(errno))
		default:
		}
		if _, err := os.Stat(task); os.IsNotExist(err) {
			fmt.Println("thread killed")
			return
		}
		runtime.Gosched()
		unix.Nanosleep(&unix.Timespec{Nsec: 1e6}, nil)
	}
}
