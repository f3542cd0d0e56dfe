package record

import (
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// HelperVerb is the hidden first argument that makes the seccompctl binary run as the
// exec helper of ptrace mode: the program that calls RunHelper must register it.
//
// Go cannot run code between fork and exec, and a seccomp filter applies to the thread
// that installs it. So the recorder starts its own binary with this verb; the helper
// waits until the recorder has attached with ptrace, installs a filter answering every
// syscall with SECCOMP_RET_TRACE on its main thread, and execs the command from that same
// thread. The recorder ignores everything before the command's execve completes.
const HelperVerb = "__record-exec"

// helperSyncFD is the pipe on which the recorder says it has attached.
const helperSyncFD = 3

func init() {
	// A goroutine locked in init keeps main on the main thread: the helper must install
	// the filter and exec on the thread whose id is the process id, the one the
	// recorder attached to.
	if len(os.Args) > 1 && os.Args[1] == HelperVerb {
		runtime.LockOSThread()
	}
}

// RunHelper is the exec helper's body: args are the absolute path of the command
// followed by its argv. It returns only on failure, with the exit status to use (126
// when the command could not be executed, 125 for a failure of the helper itself).
func RunHelper(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "seccompctl: the record helper needs a path and an argv")
		return 125
	}
	if unix.Gettid() != unix.Getpid() {
		fmt.Fprintln(os.Stderr, "seccompctl: the record helper is not on the main thread")
		return 125
	}
	sync := os.NewFile(helperSyncFD, "record-sync")
	var b [1]byte
	n, _ := sync.Read(b[:])
	sync.Close()
	if n != 1 {
		// The recorder went away before attaching: a RET_TRACE filter would now make
		// every syscall fail with ENOSYS.
		fmt.Fprintln(os.Stderr, "seccompctl: the recorder did not attach")
		return 125
	}
	if err := installTraceFilter(); err != nil {
		fmt.Fprintf(os.Stderr, "seccompctl: installing the recording filter: %v\n", err)
		return 125
	}
	err := unix.Exec(args[0], args[1:], os.Environ())
	fmt.Fprintf(os.Stderr, "seccompctl: executing %s: %v\n", args[0], err)
	if err == unix.ENOENT {
		return 127
	}
	return 126
}

// installTraceFilter installs, on the calling thread only (no TSYNC), a filter that
// returns SECCOMP_RET_TRACE for every syscall. no_new_privs is set only when it has to
// be (without CAP_SYS_ADMIN), so recorded setuid programs behave as they would normally.
func installTraceFilter() error {
	prog := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_TRACE}}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	install := func() unix.Errno {
		_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
		return e
	}
	e := install()
	if e == unix.EACCES {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("setting no_new_privs: %w", err)
		}
		e = install()
	}
	if e != 0 {
		return e
	}
	return nil
}
