// Package launch starts a command under a seccomp filter of its own. It is the one
// launcher behind `run`, `record` in ptrace mode and `test --cmd`.
//
// Go cannot run code between fork and exec, and a filter loaded without TSYNC applies
// to the loading thread only. So the parent re-executes its own binary with the hidden
// first argument Verb; that helper locks its main goroutine to the main thread (in an
// init function, before anything else runs), reads its Request, builds everything
// execve needs, loads the filter on that thread and calls execve there. Nothing else
// in the parent or in the helper is ever filtered.
//
// The protocol:
//
//   - fd 3: a pipe carrying the Request as JSON. The helper reads it to the end before
//     doing anything, so a parent that must act first (the recorder attaches with
//     ptrace) simply writes it afterwards.
//   - fd 4: 8 bytes of shared memory (a memfd both map) where the helper says how far
//     it got. It is plain memory because after the filter is loaded even write(2) may
//     be denied. 0: failed before loading the filter; 1: the filter is loaded and
//     execve called; 2+errno: execve failed; 1000+errno: loading the filter failed.
//   - the exit status: the command's own, or one of ExitLaunchFailed, ExitCannotExec
//     and ExitNotFound when it never ran (the numbers container runtimes and shells use).
//
// The probe of `test` (internal/probe) does not use this launcher: it makes raw system
// calls itself after loading the filter instead of executing a command, and reports
// each result through its own shared memory.
package launch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
)

// Verb is the hidden first argument that runs the helper. A program that calls Start
// must call Main when its os.Args[1] is Verb.
const Verb = "__launch"

// Exit statuses of a command that never ran.
const (
	// ExitLaunchFailed: seccompctl itself failed (bad request, the filter did not load).
	ExitLaunchFailed = 125
	// ExitCannotExec: the command exists but cannot be executed: a directory, a file
	// without execute permission, a bad binary, or an execve the filter denies.
	ExitCannotExec = 126
	// ExitNotFound: no such command.
	ExitNotFound = 127
	// ExitSignalBase: a command killed by signal N exits ExitSignalBase+N.
	ExitSignalBase = 128
)

// Request is what the helper receives on fd 3.
type Request struct {
	// Path is the file to execute; Args its argv (Args[0] as the user spelled it).
	Path string   `json:"path"`
	Args []string `json:"args"`
	// Env is the command's environment (the helper's own differs: see Start).
	Env []string `json:"env"`
	// Program is the filter in the machine's byte order (bpf.Program.Encode). Empty
	// with Trace.
	Program []byte `json:"program,omitempty"`
	// Flags are seccomp(2) flags for loading Program.
	Flags uint `json:"flags,omitempty"`
	// Trace loads a filter answering every call with SECCOMP_RET_TRACE instead of
	// Program: the parent traces the command with ptrace.
	Trace bool `json:"trace,omitempty"`
	// NoNewPrivs sets no_new_privs before loading. Without it no_new_privs is set only
	// when the kernel refuses the filter otherwise (no CAP_SYS_ADMIN), so setuid
	// programs behave as they would in a privileged runtime.
	NoNewPrivs bool `json:"noNewPrivs,omitempty"`
}

// Stage is how far the helper got, read from the shared memory.
type Stage uint64

const (
	StageNone     Stage = 0    // failed before loading the filter
	StageExec     Stage = 1    // filter loaded, execve called (and, if the command ran, done)
	stageExecErr  Stage = 2    // + errno: execve failed
	stageLoadErr  Stage = 1000 // + errno: loading the filter failed
	stageErrnoMax Stage = 4096
)

// ExecErrno is execve's error, or 0.
func (s Stage) ExecErrno() syscall.Errno {
	if s >= stageExecErr && s < stageLoadErr {
		return syscall.Errno(s - stageExecErr)
	}
	return 0
}

// LoadErrno is the error loading the filter, or 0.
func (s Stage) LoadErrno() syscall.Errno {
	if s >= stageLoadErr && s < stageLoadErr+stageErrnoMax {
		return syscall.Errno(s - stageLoadErr)
	}
	return 0
}

// Started reports whether execve succeeded.
func (s Stage) Started() bool { return s == StageExec }

// ExitCodeFor is the exit status for a command that could not be found or executed:
// ExitNotFound when it does not exist, ExitCannotExec otherwise.
func ExitCodeFor(err error) int {
	var errno syscall.Errno
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return ExitNotFound
	case errors.As(err, &errno) && errno == syscall.ENOENT:
		return ExitNotFound
	}
	return ExitCannotExec
}

// LookPath resolves name as a shell would and says which exit status a failure
// deserves: ExitNotFound when nothing is there, ExitCannotExec for a directory or a
// file without execute permission.
func LookPath(name string) (string, int, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", ExitCodeFor(err), err
	}
	return path, 0, nil
}

// Result is how a launched command ended.
type Result struct {
	Stage Stage
	State *os.ProcessState
}

// ExitCode is the status to exit with: the command's (128+N for signal N), or
// ExitLaunchFailed, ExitCannotExec or ExitNotFound when it never ran.
func (r Result) ExitCode() int {
	if e := r.Stage.ExecErrno(); e != 0 {
		return ExitCodeFor(e)
	}
	if r.Stage.LoadErrno() != 0 {
		return ExitLaunchFailed
	}
	if r.State == nil {
		return ExitLaunchFailed
	}
	if ws, ok := r.State.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ExitSignalBase + int(ws.Signal())
	}
	return r.State.ExitCode()
}

// Err says why the command never ran, nil when it did.
func (r Result) Err(path string) error {
	if e := r.Stage.ExecErrno(); e != 0 {
		return fmt.Errorf("executing %s: %w", path, e)
	}
	if e := r.Stage.LoadErrno(); e != 0 {
		return fmt.Errorf("loading the filter: %w", e)
	}
	if r.Stage == StageNone {
		return fmt.Errorf("the launcher failed before loading the filter (%v)", r.State)
	}
	return nil
}
