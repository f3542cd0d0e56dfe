package semantics

import (
	"fmt"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
)

// ErrnoENOSYS is ENOSYS on every architecture seccompctl has a table for except MIPS
// and PA-RISC; runc returns SCMP_ACT_ERRNO(ENOSYS) with the build host's value, 38.
const ErrnoENOSYS = 38

// RetENOSYS is what runc's stub returns for syscalls newer than the profile.
const RetENOSYS = bpf.RetErrno | ErrnoENOSYS

// RetBadArch is libseccomp's default bad-architecture action, SCMP_ACT_KILL, which
// runc does not change.
const RetBadArch = bpf.RetKillThread

// Permits reports whether a call under action a runs: ALLOW and LOG let it through;
// every other action stops it or hands it to someone else (TRACE, NOTIFY).
func Permits(a profile.Action) bool { return a == profile.ActAllow || a == profile.ActLog }

// RetPermits reports whether a filter return value lets the call run.
func RetPermits(ret uint32) bool { return ret == bpf.RetAllow || ret == bpf.RetLog }

// SkipsStub reports whether runc leaves out its -ENOSYS stub for this default action:
// with a permissive default, newer syscalls are let through anyway.
func SkipsStub(defaultAction profile.Action) bool {
	return defaultAction == profile.ActAllow || defaultAction == profile.ActLog || defaultAction == profile.ActTrace
}

// Ret turns an action and its errno/trace value into the filter's return value as runc
// does: errno and trace without a value mean EPERM; values keep their low 16 bits. An
// errno given only by name must have one number on every architecture. path names the
// rule for errors.
func Ret(a profile.Action, num *uint, name, path string) (uint32, error) {
	data := uint32(1) // EPERM
	if num != nil {
		data = uint32(*num) & bpf.RetData
	} else if name != "" {
		v, ok := profile.ErrnoNumber(name)
		if !ok {
			return 0, fmt.Errorf("%s: errno %s has no architecture-independent number; set the number too", path, name)
		}
		data = uint32(v)
	}
	switch a {
	case profile.ActKill, profile.ActKillThread:
		return bpf.RetKillThread, nil
	case profile.ActKillProcess:
		return bpf.RetKillProcess, nil
	case profile.ActTrap:
		return bpf.RetTrap, nil
	case profile.ActErrno:
		return bpf.RetErrno | data, nil
	case profile.ActTrace:
		return bpf.RetTrace | data, nil
	case profile.ActLog:
		return bpf.RetLog, nil
	case profile.ActAllow:
		return bpf.RetAllow, nil
	case profile.ActNotify:
		return bpf.RetUserNotif, nil
	}
	return 0, fmt.Errorf("%s: invalid action %v", path, a)
}

// RefusedErrno reports an errno libseccomp refuses (it wants less than MAX_ERRNO).
func RefusedErrno(ret uint32) bool {
	return ret&bpf.RetActionFull == bpf.RetErrno && ret&bpf.RetData >= bpf.MaxErrno
}

// ActionString renders an action with its errno as profiles are compared and shown:
// "SCMP_ACT_ERRNO(1)" (runc's default errno is EPERM), "SCMP_ACT_ALLOW".
func ActionString(a profile.Action, errno *uint) string {
	if a == profile.ActErrno {
		e := uint(1)
		if errno != nil {
			e = *errno
		}
		return fmt.Sprintf("%s(%d)", a, e)
	}
	return a.String()
}

// Reason says what decided a syscall.
type Reason string

// The reasons, in the order the filter applies them.
const (
	// ReasonENOSYS: runc's stub answers ENOSYS for numbers above every syscall the
	// profile names on the architecture, so programs fall back from newer syscalls.
	ReasonENOSYS Reason = "enosys"
	// ReasonBadArch: the program does not accept the architecture (or, on x86_64, the
	// x32 half or the other way round).
	ReasonBadArch Reason = "bad-arch"
	// ReasonRule: a rule of the profile.
	ReasonRule Reason = "rule"
	// ReasonDefault: the default action.
	ReasonDefault Reason = "default"
)
