package record

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/internal/launch"
	"github.com/seccompctl/seccompctl/syscalls"
)

// PTRACE_GET_SYSCALL_INFO (Linux 5.3) gives the arch, number and arguments of the
// syscall a tracee stopped in, whatever the tracee's architecture.
const (
	ptraceGetSyscallInfo = 0x420e
	syscallInfoEntry     = 1
	syscallInfoSeccomp   = 3
)

// syscallInfo is struct ptrace_syscall_info with the entry/seccomp member of its union.
type syscallInfo struct {
	Op      uint8
	_       [3]uint8
	Arch    uint32
	IP      uint64
	SP      uint64
	Nr      uint64
	Args    [6]uint64
	RetData uint32
	_       uint32
}

// exeCounts holds the calls made by one executable.
type exeCounts struct {
	exe    string
	counts map[uint64]uint64 // auditArch<<32 | nr
	args   map[argKey]uint64
}

type argKey struct {
	arch uint32
	nr   uint32
	args ArgSet
}

type task struct {
	exe *exeCounts // nil until known
	// listening is set while the task sits in a group-stop (PTRACE_LISTEN).
	listening bool
}

// tracer is the state of one ptrace recording. All its methods run on one locked OS
// thread: ptrace requests are only accepted from the thread that attached.
type tracer struct {
	root     int
	tasks    map[int]*task
	exes     map[string]*exeCounts
	distinct map[uint64]bool
	args     bool
	progress *Progress
	// started is set once the command's own execve completed: what the helper does
	// before is not the command's.
	started bool
	// commandExec says whether the helper has called execve for the command. The
	// helper's own execve (of seccompctl) can still be under way when the tracer
	// attaches: exec.Cmd.Start returns once execve closed the close-on-exec pipe,
	// before the exec stop. That stop looks just like the command's; only the stage
	// the helper writes before calling execve for the command tells them apart.
	commandExec func() bool
	// attach is true when recording processes that were already running: there is no
	// RET_TRACE filter, so every syscall is seen at PTRACE_SYSCALL entry stops.
	attach bool
	// detaching is set when an attach-mode recording ends: each task is detached at
	// its next stop.
	detaching bool
	// early holds the children whose own first stop came before their parent's fork
	// event (the tracer waits for the newest tracee first), true while they are still
	// traced. A child can run to its exit before that event is read: the event must
	// not bring it back, or the tracer would wait for it forever.
	early map[int]bool

	// objects are the executables and mapped files seen at exec and exit stops.
	objects ObjectSet

	rootStatus unix.WaitStatus
	rootDone   bool
	info       syscallInfo
}

func newTracer(args bool, progress *Progress) *tracer {
	return &tracer{
		tasks: map[int]*task{}, exes: map[string]*exeCounts{}, distinct: map[uint64]bool{},
		args: args, progress: progress, objects: ObjectSet{}, early: map[int]bool{},
	}
}

const traceOptions = unix.PTRACE_O_TRACESECCOMP | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
	unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACESYSGOOD |
	unix.PTRACE_O_TRACEEXIT

func ptrace(req, pid int, addr, data uintptr) unix.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), addr, data, 0, 0)
	return e
}

// recordPtrace runs argv under the exec helper and traces it until every process it
// started has exited.
func recordPtrace(ctx context.Context, argv []string, opts Options) (*Result, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	if path, err = absPath(path); err != nil {
		return nil, err
	}
	// Every ptrace request must come from the thread that attached.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	proc, err := launch.Start(launch.Cmd{
		Request: launch.Request{Path: path, Args: argv, Env: opts.Env, Trace: true},
		Dir:     opts.Dir, Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr,
	})
	if err != nil {
		return nil, err
	}
	defer proc.Close()
	cmd := proc.Cmd
	start := time.Now()
	pid := cmd.Process.Pid

	t := newTracer(opts.Args, opts.Progress)
	t.root = pid
	t.commandExec = func() bool { return proc.Stage().Started() }
	if e := ptrace(unix.PTRACE_SEIZE, pid, 0, traceOptions|unix.PTRACE_O_EXITKILL); e != 0 {
		unix.Kill(pid, unix.SIGKILL)
		unix.Wait4(pid, nil, 0, nil)
		return nil, fmt.Errorf("attaching to the launcher: %w", e)
	}
	t.tasks[pid] = &task{}
	// The launcher loads its RET_TRACE filter only once it has its request: after the
	// attach, or every call it makes would fail with ENOSYS.
	if err := proc.Release(); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return nil, err
	}

	stop := watchStop(ctx, opts.Signals, func(sig unix.Signal) { unix.Kill(pid, sig) }, func() { killTree(pid) })
	err = t.loop()
	stop.close()
	if err != nil {
		killTree(pid)
	}
	// The tracer reaped the command already, so Wait reports no status; it is still
	// needed to copy the last of the command's output to non-file writers and close
	// the pipes.
	cmd.Wait()
	if err != nil {
		return nil, err
	}
	res := &Result{Recording: t.recording(), Mode: ModePtrace, Duration: time.Since(start), Interrupted: stop.requested.Load()}
	res.Recording.Command = argv
	res.ExitCode = exitCode(t.rootStatus)
	if !t.started {
		if e := proc.Stage().ExecErrno(); e != 0 {
			res.ExitCode = launch.ExitCodeFor(e)
			return res, fmt.Errorf("executing %s: %w", argv[0], e)
		}
		return res, fmt.Errorf("%s did not start (exit status %d)", argv[0], res.ExitCode)
	}
	return res, nil
}

func absPath(p string) (string, error) {
	if len(p) > 0 && p[0] == '/' {
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return wd + "/" + p, nil
}

func exitCode(ws unix.WaitStatus) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return 0
}

// loop handles stops until no traced task is left.
//
// Every wait is __WNOTHREAD: without it, a wait reaps for any thread of the process, so
// another goroutine's child, or a stop of another recording's tracee, would be taken
// here and never reach the one waiting for it.
func (t *tracer) loop() error {
	for len(t.tasks) > 0 {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOTHREAD, nil)
		if err == unix.EINTR {
			continue
		}
		if err == unix.ECHILD {
			return nil
		}
		if err != nil {
			return fmt.Errorf("waiting for traced processes: %w", err)
		}
		t.handle(pid, ws)
	}
	return nil
}

// handle processes one wait status.
func (t *tracer) handle(pid int, ws unix.WaitStatus) {
	if ws.Exited() || ws.Signaled() {
		t.forget(pid)
		if pid == t.root {
			t.rootStatus, t.rootDone = ws, true
		}
		return
	}
	if !ws.Stopped() {
		return
	}
	tk := t.tasks[pid]
	if tk == nil {
		// A new child's first stop can arrive before its parent's fork event.
		tk = &task{}
		t.tasks[pid] = tk
		t.early[pid] = true
	}
	sig := ws.StopSignal()
	event := int(uint32(ws)>>16) & 0xff
	isFork := event == unix.PTRACE_EVENT_FORK || event == unix.PTRACE_EVENT_VFORK || event == unix.PTRACE_EVENT_CLONE
	if t.detaching {
		if isFork {
			// The child is traced already: it is waited for and detached at its first
			// stop, or it would stay stopped, traced by no one who waits.
			t.forked(pid, tk)
		}
		t.detach(pid, sig, event)
		return
	}
	switch {
	case event == unix.PTRACE_EVENT_SECCOMP:
		t.onSyscall(pid, tk, syscallInfoSeccomp)
		t.resume(pid, 0)
	case sig == unix.SIGTRAP|0x80:
		t.onSyscall(pid, tk, syscallInfoEntry)
		t.resume(pid, 0)
	case isFork:
		t.forked(pid, tk)
		t.resume(pid, 0)
	case event == unix.PTRACE_EVENT_EXEC:
		if former, err := unix.PtraceGetEventMsg(pid); err == nil && int(former) != pid {
			// A non-leader thread exec'd and took over the leader's id.
			t.forget(int(former))
		}
		if !t.started && pid == t.root && !t.commandExec() {
			// The helper's own execve, reported because the attach came before it
			// completed: nothing of the command yet.
			t.resume(pid, 0)
			return
		}
		tk.exe = t.exeFor(pid)
		if t.started || pid != t.root {
			t.objects.Add(tk.exe.exe)
		}
		if !t.started && pid == t.root {
			t.started = true
			// The helper's execve completed before anything was counted: count it here,
			// on the helper's architecture.
			t.count(tk, uint32(syscalls.Native().AuditArch()), uint32(execveNr()), [6]uint64{})
			t.objects.Add(tk.exe.exe)
		}
		t.resume(pid, 0)
	case event == unix.PTRACE_EVENT_EXIT:
		// The last moment the task's mappings can be read: the libraries it loaded,
		// including those it dlopen'ed after exec.
		if t.started {
			t.readMaps(pid)
		}
		t.resume(pid, 0)
	case event == unix.PTRACE_EVENT_STOP:
		switch sig {
		case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
			// A group-stop: leave the task stopped, as it would be untraced, but keep
			// getting notified (SIGCONT, or a signal to deliver).
			tk.listening = true
			ptrace(unix.PTRACE_LISTEN, pid, 0, 0)
		default:
			// The first stop of a new child, or the end of a group-stop.
			tk.listening = false
			t.resume(pid, 0)
		}
	default:
		// A signal-delivery stop: deliver the signal.
		t.resume(pid, sig)
	}
}

// forked takes note of the child named by the fork event its parent stopped at. The
// child inherits the parent's executable until its own exec.
func (t *tracer) forked(pid int, parent *task) {
	child, err := unix.PtraceGetEventMsg(pid)
	if err != nil {
		return
	}
	cpid := int(child)
	if traced, ok := t.early[cpid]; ok {
		delete(t.early, cpid)
		if !traced {
			return // it has run to its end (or been let go) already
		}
	}
	c := t.tasks[cpid]
	if c == nil {
		c = &task{}
		t.tasks[cpid] = c
	}
	if c.exe == nil {
		c.exe = parent.exe
	}
}

// forget drops a task that exited or is no longer traced.
func (t *tracer) forget(pid int) {
	delete(t.tasks, pid)
	if _, ok := t.early[pid]; ok {
		t.early[pid] = false
	}
}

func (t *tracer) resume(pid int, sig unix.Signal) {
	req := unix.PTRACE_CONT
	if t.attach {
		req = unix.PTRACE_SYSCALL
	}
	ptrace(req, pid, 0, uintptr(sig))
}

// detach lets go of a task at its stop, delivering the signal it stopped for.
func (t *tracer) detach(pid int, sig unix.Signal, event int) {
	deliver := unix.Signal(0)
	if event == 0 && sig != unix.SIGTRAP|0x80 {
		deliver = sig
	}
	// It goes on running: what it mapped so far is all the recording will know.
	t.readMaps(pid)
	ptrace(unix.PTRACE_DETACH, pid, 0, uintptr(deliver))
	t.forget(pid)
}

func (t *tracer) onSyscall(pid int, tk *task, wantOp uint8) {
	if !t.started {
		return
	}
	if e := ptrace(ptraceGetSyscallInfo, pid, unsafe.Sizeof(t.info), uintptr(unsafe.Pointer(&t.info))); e != 0 {
		return
	}
	if t.info.Op != wantOp {
		// A syscall-exit stop in attach mode.
		return
	}
	if tk.exe == nil {
		tk.exe = t.exeFor(pid)
	}
	t.count(tk, t.info.Arch, uint32(t.info.Nr), t.info.Args)
}

func (t *tracer) count(tk *task, arch, nr uint32, args [6]uint64) {
	k := uint64(arch)<<32 | uint64(nr)
	tk.exe.counts[k]++
	if !t.distinct[k] {
		t.distinct[k] = true
		t.progress.addDistinct()
	}
	if t.progress != nil {
		t.progress.calls.Add(1)
	}
	if t.args {
		a, ok := syscalls.FromAuditArch(arch, int(nr))
		if !ok {
			return
		}
		if specs := specsByNumber(a)[uint64(nr)]; specs != nil {
			tk.exe.args[argKey{arch, nr, argsFromSpecs(specs, args)}]++
		}
	}
}

// exeFor returns the counts of the executable pid runs.
func (t *tracer) exeFor(pid int) *exeCounts {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		exe = ""
	}
	e := t.exes[exe]
	if e == nil {
		e = &exeCounts{exe: exe, counts: map[uint64]uint64{}, args: map[argKey]uint64{}}
		t.exes[exe] = e
	}
	return e
}

// readMaps adds the files pid maps executable to the objects seen.
func (t *tracer) readMaps(pid int) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return
	}
	defer f.Close()
	t.objects.Add(MappedObjects(f)...)
}

// recording converts the per-executable counts. A call with recorded arguments is
// counted once, with its ArgSet.
func (t *tracer) recording() *Recording {
	r := New(string(ModePtrace))
	r.Objects = t.objects.Sorted()
	for _, e := range t.exes {
		withArgs := map[uint64]uint64{}
		for k, n := range e.args {
			arch, ok := syscalls.FromAuditArch(k.arch, int(k.nr))
			if !ok {
				continue
			}
			r.AddNumber(arch, int(k.nr), e.exe, k.args, n)
			withArgs[uint64(k.arch)<<32|uint64(k.nr)] += n
		}
		for k, n := range e.counts {
			n -= withArgs[k]
			if n == 0 {
				continue
			}
			arch, ok := syscalls.FromAuditArch(uint32(k>>32), int(uint32(k)))
			if !ok {
				continue
			}
			r.AddNumber(arch, int(uint32(k)), e.exe, ArgSet{}, n)
		}
	}
	return r
}

func execveNr() int {
	nr, _ := syscalls.Number(syscalls.Native(), "execve")
	return nr
}

// attachPtrace records a running process and its descendants with PTRACE_SYSCALL (there
// is no RET_TRACE filter to rely on) until ctx is done, then detaches, leaving them
// running as before.
func attachPtrace(ctx context.Context, pid int, opts Options) (*Result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	sigch := make(chan os.Signal, 1)
	signal.Notify(sigch, unix.SIGCHLD)
	defer signal.Stop(sigch)

	t := newTracer(opts.Args, opts.Progress)
	t.attach, t.started, t.root = true, true, pid
	start := time.Now()
	for {
		added := 0
		for _, proc := range append([]int{pid}, descendants(pid)...) {
			for _, tid := range threads(proc) {
				if t.tasks[tid] != nil {
					continue
				}
				// No EXITKILL: if we die, the process must live on.
				if e := ptrace(unix.PTRACE_SEIZE, tid, 0, traceOptions); e != 0 {
					if tid == pid && len(t.tasks) == 0 {
						return nil, fmt.Errorf("attaching to process %d: %w", pid, e)
					}
					continue
				}
				ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0)
				t.tasks[tid] = &task{exe: t.exeFor(tid)}
				t.objects.Add(t.tasks[tid].exe.exe)
				if tid == proc {
					t.readMaps(tid)
				}
				added++
			}
		}
		if added == 0 {
			break
		}
	}

	ctxDone := ctx.Done()
	for len(t.tasks) > 0 {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOTHREAD|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err == unix.ECHILD {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("waiting for traced processes: %w", err)
		}
		if wpid > 0 {
			t.handle(wpid, ws)
			continue
		}
		select {
		case <-sigch:
		case <-ctxDone:
			ctxDone = nil
			t.detaching = true
			for tid := range t.tasks {
				ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0)
			}
		}
	}
	res := &Result{Recording: t.recording(), Mode: ModePtrace, Duration: time.Since(start), Interrupted: true}
	return res, nil
}

// threads lists the thread ids of pid.
func threads(pid int) []int {
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, tid)
		}
	}
	return out
}
