package probe

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/internal/launch"
	"github.com/seccompctl/seccompctl/profile"
)

// ProbeVerb is the hidden first argument that makes the seccompctl binary run as the
// probe under a filter; the CLI registers it. A command given with --cmd is started by
// the shared launcher (internal/launch) instead.
//
// The probe does not use that launcher: it executes no command. After loading the
// filter it makes each call itself with raw syscalls (no allocation, no Go runtime
// call in between, since the filter may deny what those need) and writes each result
// to memory it shares with the parent, because write(2) may be denied too.
const ProbeVerb = "__test-probe"

// Go cannot run code between fork and exec, and a filter installed without TSYNC
// applies to the installing thread only: the probe keeps main on the main thread,
// installs the filter there and then makes raw syscalls from that thread.
func init() {
	if len(os.Args) > 1 && os.Args[1] == ProbeVerb {
		runtime.LockOSThread()
	}
}

// Shared memory between the probe and its parent: the probe cannot report through
// syscalls, since the filter may deny them, so it writes plain memory of a memfd the
// parent also maps. Layout (little-endian uint64s): [0] filter installed (1) or the
// seccomp errno + 1000, [1] all calls done, then three words per call: the result without
// the filter, the result under it, and its state.
const (
	shmHeader    = 2
	shmPerCall   = 3
	stateStarted = 1
	stateDone    = 2
)

// kernelRun is what the kernel did with one call.
type kernelRun struct {
	baseline, filtered int64 // raw return values: -errno on failure
	state              uint64
	signal             syscall.Signal // set when the probe died at this call
	threadKilled       bool           // the probe's thread died (SECCOMP_RET_KILL_THREAD)
}

// runKernel makes each call (number nr, arguments args) under prog in a child process,
// restarting after a call that kills it.
func runKernel(f *filter.Filter, nrs []int, args [][6]uint64) ([]kernelRun, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	progFile, err := memfdWith("seccompctl-test-prog", f.Program.Encode(f.Order()))
	if err != nil {
		return nil, err
	}
	defer progFile.Close()
	size := 8 * (shmHeader + shmPerCall*len(nrs))
	shmFile, err := memfdWith("seccompctl-test-shm", make([]byte, size))
	if err != nil {
		return nil, err
	}
	defer shmFile.Close()
	shm, err := unix.Mmap(int(shmFile.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping the probe's memory: %w", err)
	}
	defer unix.Munmap(shm)
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(shm[8*i:]) }

	out := make([]kernelRun, len(nrs))
	for start := 0; start < len(nrs); {
		cmdArgs := []string{ProbeVerb, strconv.Itoa(start), strconv.Itoa(int(flagBits(f.Flags)))}
		for i := range nrs {
			s := []string{strconv.Itoa(nrs[i])}
			for _, a := range args[i] {
				s = append(s, strconv.FormatUint(a, 10))
			}
			cmdArgs = append(cmdArgs, strings.Join(s, ","))
		}
		cmd := exec.Command(self, cmdArgs...)
		cmd.ExtraFiles = []*os.File{shmFile, progFile}
		cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "GOGC=off", "GOMAXPROCS=1")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		status, threadKilled := watch(cmd, func() bool { return word(1) == 1 })
		if inst := word(0); inst >= 1000 {
			return nil, fmt.Errorf("installing the filter: %v", syscall.Errno(inst-1000))
		} else if inst != 1 {
			return nil, fmt.Errorf("the probe did not start (%s)", describe(status))
		}
		next := len(nrs)
		for i := start; i < len(nrs); i++ {
			base := shmHeader + shmPerCall*i
			out[i].baseline = int64(word(base))
			out[i].filtered = int64(word(base + 1))
			out[i].state = word(base + 2)
			if out[i].state == stateStarted {
				// The probe died making this call.
				out[i].threadKilled = threadKilled
				if status != nil && status.Signaled() {
					out[i].signal = status.Signal()
				}
				next = i + 1
				break
			}
			if out[i].state != stateDone {
				next = i
				break
			}
		}
		if next == start {
			return nil, fmt.Errorf("the probe made no progress (%s)", describe(status))
		}
		start = next
	}
	return out, nil
}

// watch waits for the child. It kills it once done() reports all calls made (the
// profile may deny exit), when its main thread has died (KILL_THREAD leaves the other
// threads running), or when it makes no progress for 10 seconds.
func watch(cmd *exec.Cmd, done func() bool) (status *syscall.WaitStatus, threadKilled bool) {
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	killed := false
	for {
		select {
		case <-exited:
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if killed && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return nil, threadKilled
			}
			return &ws, threadKilled
		case <-tick.C:
			if killed {
				continue
			}
			switch {
			case done():
			case leaderDead(cmd.Process.Pid):
				threadKilled = true
			case time.Now().After(deadline):
			default:
				continue
			}
			cmd.Process.Kill()
			killed = true
		}
	}
}

func describe(ws *syscall.WaitStatus) string {
	switch {
	case ws == nil:
		return "killed after a timeout"
	case ws.Signaled():
		return "killed by " + signalName(ws.Signal())
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

// leaderDead reports whether the main thread of pid has exited while others remain.
func leaderDead(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X')
}

func memfdWith(name string, data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, 0)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func flagBits(flags []profile.Flag) uint {
	var v uint
	for _, f := range flags {
		// A listener needs a supervisor; without one, NOTIFY calls fail with ENOSYS,
		// which is what a runtime without an agent would give too.
		if f != profile.FlagNewListener {
			v |= f.Kernel()
		}
	}
	return v
}

// RunProbe is the probe's body (ProbeVerb): args are the first call to make, the
// seccomp flags, then "nr,a0,...,a5" per call. Fd 3 is the shared memory, fd 4 the
// program. It returns only on failure before the filter is installed.
func RunProbe(args []string) int {
	if len(args) < 2 {
		return 125
	}
	start, err1 := strconv.Atoi(args[0])
	flags, err2 := strconv.ParseUint(args[1], 10, 32)
	if err1 != nil || err2 != nil {
		return 125
	}
	type call struct {
		nr   uintptr
		args [6]uintptr
	}
	calls := make([]call, 0, len(args)-2)
	for _, a := range args[2:] {
		f := strings.Split(a, ",")
		if len(f) != 7 {
			return 125
		}
		var c call
		for i, s := range f {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return 125
			}
			if i == 0 {
				c.nr = uintptr(v)
			} else {
				c.args[i-1] = uintptr(v)
			}
		}
		calls = append(calls, c)
	}
	size := 8 * (shmHeader + shmPerCall*len(calls))
	shm, err := unix.Mmap(3, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return 125
	}
	prog, err := readProg()
	if err != nil {
		return 125
	}
	put := func(i int, v uint64) { binary.LittleEndian.PutUint64(shm[8*i:], v) }
	// The unfiltered results; running every call once also grows the stack to what
	// the filtered loop needs, so that loop allocates nothing and makes no syscall of
	// its own.
	for i, c := range calls {
		r, _, e := unix.RawSyscall6(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5])
		put(shmHeader+shmPerCall*i, uint64(result(r, e)))
	}
	// SIGSYS (SECCOMP_RET_TRAP) must end the probe, not run Go's crash handler.
	var dfl [4]uint64
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGSYS), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
	if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
		put(0, 1000+uint64(e))
		return 125
	}
	fprog := unix.SockFprog{Len: uint16(len(prog) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog))); e != 0 {
		put(0, 1000+uint64(e))
		return 125
	}
	put(0, 1)
	for i := start; i < len(calls); i++ {
		c := &calls[i]
		base := shmHeader + shmPerCall*i
		put(base+2, stateStarted)
		r, _, e := unix.RawSyscall6(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5])
		put(base+1, uint64(result(r, e)))
		put(base+2, stateDone)
	}
	put(1, 1)
	for {
		// exit_group may be denied: the parent kills us once it sees the done flag.
		unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	}
}

// readProg reads the encoded program from fd 4, a memfd the parent wrote (its offset
// is at the end, hence the pread).
func readProg() ([]byte, error) {
	f := os.NewFile(4, "prog")
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	prog := make([]byte, fi.Size())
	if _, err := f.ReadAt(prog, 0); err != nil && err != io.EOF {
		return nil, err
	}
	if len(prog) == 0 || len(prog)%8 != 0 {
		return nil, fmt.Errorf("bad program of %d bytes", len(prog))
	}
	return prog, nil
}

func result(r uintptr, e syscall.Errno) int64 {
	if e != 0 {
		return -int64(e)
	}
	return int64(r)
}

// runCommand runs argv under f through the launcher and says whether it started and
// how it ended.
func runCommand(f *filter.Filter, argv []string, timeout time.Duration) (*CmdResult, error) {
	res := &CmdResult{Command: argv}
	path, _, err := launch.LookPath(argv[0])
	if err != nil {
		res.Error = err.Error()
		return res, nil
	}
	p, err := launch.Start(launch.Cmd{
		Request: launch.Request{
			Path: path, Args: argv, Env: os.Environ(),
			Program: f.Program.Encode(f.Order()), Flags: flagBits(f.Flags), NoNewPrivs: true,
		},
		Stdout: os.Stderr, Stderr: os.Stderr,
	})
	if err != nil {
		return nil, err
	}
	if err := p.Release(); err != nil {
		p.Cmd.Process.Kill()
		p.Wait()
		return nil, err
	}
	var timedOut atomic.Bool
	timer := time.AfterFunc(timeout, func() {
		timedOut.Store(true)
		p.Cmd.Process.Kill()
	})
	r, err := p.Wait()
	timer.Stop()
	if err != nil {
		return nil, err
	}
	switch {
	case r.Stage.LoadErrno() != 0, r.Stage == launch.StageNone:
		return nil, r.Err(path)
	case !r.Stage.Started():
		res.Error = r.Err(path).Error()
		return res, nil
	}
	res.Started = true
	ws, _ := r.State.Sys().(syscall.WaitStatus)
	switch {
	case timedOut.Load():
		res.Error = fmt.Sprintf("still running after %v (killed)", timeout)
	case ws.Signaled():
		res.Signal = unix.SignalName(ws.Signal())
		res.Error = "killed by " + res.Signal
	default:
		res.ExitCode = ws.ExitStatus()
	}
	return res, nil
}
