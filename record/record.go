package record

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Mode selects how a command is recorded.
type Mode string

// Recording modes.
const (
	// ModeAuto uses eBPF where the program loads and falls back to ptrace.
	ModeAuto Mode = "auto"
	// ModePtrace traces the command with ptrace and a seccomp filter that stops it once
	// per syscall. It sees argument values and executables; it slows syscalls down.
	ModePtrace Mode = "ptrace"
	// ModeEBPF counts syscalls in a raw sys_enter tracepoint program, per cgroup. It
	// costs little but sees neither arguments nor executables, and needs root.
	ModeEBPF Mode = "ebpf"
)

// ParseMode parses a --mode value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeAuto, ModePtrace, ModeEBPF:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want auto, ptrace or ebpf)", s)
}

// ErrNotSupported is returned when a recorder cannot run on this system; the error says
// why (not Linux, no root, no BPF).
//
// It is syscalls.ErrNotSupported, shared by every package.
var ErrNotSupported = syscalls.ErrNotSupported

// Options configure recording a command.
type Options struct {
	// Mode is how to record; the zero value means ModeAuto.
	Mode Mode
	// Args records argument values (ptrace mode only).
	Args bool
	// Stdin, Stdout and Stderr are the command's; *os.File values are passed to it
	// directly, so terminals keep working. nil means /dev/null.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Env is the command's environment; nil means ours.
	Env []string
	// Dir is the command's working directory; "" means ours.
	Dir string
	// Signals, if set, receives the signals (SIGINT, SIGTERM) the recorder got: the first
	// one is passed on to the command unless the terminal already sent it to the whole
	// process group, the second kills everything being recorded.
	Signals <-chan os.Signal
	// Progress, if set, is updated while recording for a live status line.
	Progress *Progress
}

// Progress counts what a recorder has seen so far; safe to read while it runs.
type Progress struct {
	distinct atomic.Int64
	calls    atomic.Uint64
}

// Distinct returns how many different (arch, syscall) pairs were seen.
func (p *Progress) Distinct() int { return int(p.distinct.Load()) }

// Calls returns how many calls were seen (ptrace mode; eBPF counts in the kernel).
func (p *Progress) Calls() uint64 { return p.calls.Load() }

func (p *Progress) addDistinct() {
	if p != nil {
		p.distinct.Add(1)
	}
}

// Result is what recording a command produced.
type Result struct {
	Recording *Recording
	// Mode is the mode used (never ModeAuto); Fallback says why auto did not use eBPF.
	Mode     Mode
	Fallback string
	// ExitCode is the command's exit status, 128+N when signal N killed it.
	ExitCode int
	// Interrupted is true when a signal or a cancelled context stopped the recording.
	Interrupted bool
	Duration    time.Duration
}

// AuditOptions select the SECCOMP audit records FromAudit keeps. Zero fields select
// nothing out; set at least one filter on a shared machine.
type AuditOptions struct {
	// PID keeps records of this process and of processes descending from it.
	PID int
	// Comm keeps records whose comm= (the first 15 bytes of the program name) matches.
	Comm string
	// Cgroup keeps records of processes in this cgroup v2 path (as in /proc/PID/cgroup,
	// "/kubepods/..."), or below it.
	Cgroup string
	// Duration stops the recording after this long; 0 means until ctx is done.
	Duration time.Duration
	// Progress, if set, is updated as records arrive.
	Progress *Progress
}

// AuditStats says what FromAudit read.
type AuditStats struct {
	Records int // SECCOMP records received
	Kept    int // records that passed the filters
	// Overruns counts the times the kernel dropped records because they were not read
	// fast enough; non-zero means the recording may lack calls.
	Overruns uint64
	// Unattributed counts records of processes that exited before they could be matched
	// to --pid or --cgroup and whose parent was not known either.
	Unattributed int
	// NoForkEvents is set when the process events connector was unavailable, so exited
	// processes could be matched through /proc only.
	NoForkEvents bool
}

// Target is an existing process tree or cgroup to record.
type Target struct {
	// PID records this process: its cgroup in eBPF mode, it and its descendants
	// (attached with ptrace) in ptrace mode.
	PID int
	// Cgroup records every process in this cgroup v2 (eBPF mode).
	Cgroup string
	// Duration stops the recording after this long; 0 means until ctx is done or a
	// signal arrives.
	Duration time.Duration
}
