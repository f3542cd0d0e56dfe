package launch

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func init() {
	// Locked in init, the main goroutine stays on the main thread: the filter must be
	// loaded, and execve called, by the thread whose id is the process id (the one a
	// tracer attached to, and the one execve keeps).
	if len(os.Args) > 1 && os.Args[1] == Verb {
		runtime.LockOSThread()
	}
}

const (
	requestFD = 3
	stageFD   = 4
	stageSize = 8
)

// Cmd says what to start.
type Cmd struct {
	Request
	// Dir is the command's working directory ("" for the parent's).
	Dir string
	// Stdin, Stdout and Stderr are the command's; an *os.File is passed as is.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Process is a started helper.
type Process struct {
	// Cmd is the helper's exec.Cmd; the command replaces the helper in the same process.
	Cmd     *exec.Cmd
	req     Request
	reqW    *os.File
	stage   []byte
	stageFd *os.File
	once    sync.Once
}

// Start re-executes this binary as the helper. The helper waits for Release before it
// does anything, so the caller may first attach to Process.Cmd.Process.Pid.
func Start(c Cmd) (*Process, error) {
	if c.Path == "" || len(c.Args) == 0 {
		return nil, errors.New("launch: no command")
	}
	if !c.Trace && (len(c.Program) == 0 || len(c.Program)%8 != 0) {
		return nil, fmt.Errorf("launch: a program of %d bytes", len(c.Program))
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the seccompctl binary to re-execute: %w", err)
	}
	if c.Env == nil {
		c.Env = os.Environ()
	}
	fd, err := unix.MemfdCreate("seccompctl-launch", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	stageFile := os.NewFile(uintptr(fd), "launch-stage")
	if err := stageFile.Truncate(stageSize); err != nil {
		stageFile.Close()
		return nil, err
	}
	stage, err := unix.Mmap(fd, 0, stageSize, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		stageFile.Close()
		return nil, fmt.Errorf("mapping the launcher's stage: %w", err)
	}
	reqR, reqW, err := os.Pipe()
	if err != nil {
		unix.Munmap(stage)
		stageFile.Close()
		return nil, err
	}
	cmd := exec.Command(self, Verb)
	cmd.Env = helperEnv(os.Environ())
	cmd.Dir = c.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.ExtraFiles = []*os.File{reqR, stageFile}
	// If seccompctl dies, the helper (waiting for its request) and the command it
	// becomes die too: the death signal survives execve except for setuid programs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		reqR.Close()
		reqW.Close()
		unix.Munmap(stage)
		stageFile.Close()
		return nil, fmt.Errorf("starting the launcher: %w", err)
	}
	reqR.Close()
	return &Process{Cmd: cmd, req: c.Request, reqW: reqW, stage: stage, stageFd: stageFile}, nil
}

// helperEnv is the helper's own environment: no asynchronous preemption signal may land
// on the filtered thread before execve (its handler needs rt_sigreturn, which a profile
// may deny), and no garbage collection should start there either.
func helperEnv(env []string) []string {
	out := make([]string, 0, len(env)+2)
	godebug := "asyncpreemptoff=1"
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, "GODEBUG="):
			if v := strings.TrimPrefix(kv, "GODEBUG="); v != "" {
				godebug = v + "," + godebug
			}
		case strings.HasPrefix(kv, "GOGC="):
		default:
			out = append(out, kv)
		}
	}
	return append(out, "GODEBUG="+godebug, "GOGC=off")
}

// Release sends the request: the helper loads the filter and executes the command.
func (p *Process) Release() error {
	data, err := json.Marshal(p.req)
	if err != nil {
		return err
	}
	_, err = p.reqW.Write(data)
	if cerr := p.reqW.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("passing the request to the launcher: %w", err)
	}
	return nil
}

// Stage says how far the helper got.
func (p *Process) Stage() Stage {
	return Stage(binary.NativeEndian.Uint64(p.stage))
}

// Close releases the shared memory. The process is not touched.
func (p *Process) Close() {
	p.once.Do(func() {
		p.reqW.Close()
		unix.Munmap(p.stage)
		p.stageFd.Close()
	})
}

// Wait waits for the command (or the helper) to exit. A helper whose execve failed
// is killed if it cannot exit (the filter may deny exit_group).
func (p *Process) Wait() (Result, error) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if s := p.Stage(); s.ExecErrno() != 0 || s.LoadErrno() != 0 {
					// Give it a moment to exit by itself, then end it.
					select {
					case <-done:
					case <-time.After(200 * time.Millisecond):
						p.Cmd.Process.Kill()
					}
					return
				}
			}
		}
	}()
	err := p.Cmd.Wait()
	close(done)
	res := Result{Stage: p.Stage(), State: p.Cmd.ProcessState}
	p.Close()
	if res.State == nil {
		return res, err
	}
	return res, nil
}

// Main is the helper's body (Verb). It returns only when the command could not be
// executed, with the exit status to use.
func Main() int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "seccompctl: launcher: "+format+"\n", args...)
		return ExitLaunchFailed
	}
	if unix.Gettid() != unix.Getpid() {
		return fail("not on the main thread")
	}
	reqFile := os.NewFile(requestFD, "launch-request")
	data, err := io.ReadAll(reqFile)
	reqFile.Close()
	if err != nil || len(data) == 0 {
		// The parent went away before sending the request.
		return fail("no request (%v)", err)
	}
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		return fail("bad request: %v", err)
	}
	stage, err := unix.Mmap(stageFD, 0, stageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	unix.Close(stageFD)
	if err != nil {
		return fail("mapping the stage: %v", err)
	}
	put := func(s Stage) { binary.NativeEndian.PutUint64(stage, uint64(s)) }

	var prog []unix.SockFilter
	if req.Trace {
		prog = []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_TRACE}}
	} else {
		if len(req.Program) == 0 || len(req.Program)%8 != 0 || len(req.Program)/8 > 4096 {
			return fail("a program of %d bytes", len(req.Program))
		}
		// The encoding (native byte order, op jt jf k) is struct sock_filter's layout.
		prog = unsafe.Slice((*unix.SockFilter)(unsafe.Pointer(&req.Program[0])), len(req.Program)/8)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	// Everything execve needs is allocated before the filter: allocating afterwards
	// could need mmap, which the profile may deny.
	path, err1 := syscall.BytePtrFromString(req.Path)
	argv, err2 := syscall.SlicePtrFromStrings(req.Args)
	envv, err3 := syscall.SlicePtrFromStrings(req.Env)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fail("%v", err)
	}
	if req.NoNewPrivs {
		if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
			put(stageLoadErr + Stage(e))
			return fail("setting no_new_privs: %v", e)
		}
	}
	load := func() syscall.Errno {
		_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(req.Flags), uintptr(unsafe.Pointer(&fprog)))
		return e
	}
	e := load()
	if e == unix.EACCES && !req.NoNewPrivs {
		// Without CAP_SYS_ADMIN the kernel takes a filter only with no_new_privs.
		if _, _, e2 := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e2 == 0 {
			e = load()
		}
	}
	if e != 0 {
		put(stageLoadErr + Stage(e))
		return fail("loading the filter: %v", e)
	}
	put(StageExec)
	_, _, e = unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])))
	put(stageExecErr + Stage(e))
	code := ExitCodeFor(e)
	for {
		// exit_group may be denied: the parent kills us once it sees the stage.
		unix.RawSyscall(unix.SYS_EXIT_GROUP, uintptr(code), 0, 0)
	}
}
