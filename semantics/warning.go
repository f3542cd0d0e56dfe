package semantics

import (
	"fmt"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Warning is something in the profile that compiles but deserves a look.
type Warning struct {
	Kind    WarningKind   `json:"kind"`
	Rule    int           `json:"rule"` // index in the resolved profile's syscalls, -1 for none
	Syscall string        `json:"syscall,omitempty"`
	Arch    syscalls.Arch `json:"arch,omitempty"`
	Message string        `json:"message"`
}

// WarningKind classifies warnings.
type WarningKind string

const (
	// WarnUnknownSyscall: a name no architecture knows; ignored, as runc ignores it.
	WarnUnknownSyscall WarningKind = "unknown-syscall"
	// WarnSameArgIndex: two conditions test the same argument; runc then adds every
	// condition of the rule as a separate rule, so they are OR'd, not AND'd.
	WarnSameArgIndex WarningKind = "same-arg-index"
	// WarnTruncatedValue: a value or mask with high bits on a 32-bit architecture, where
	// only the low 32 bits are compared.
	WarnTruncatedValue WarningKind = "truncated-value"
	// WarnShadowed: a rule that never applies because an earlier rule decides the
	// syscall for every argument, or a conditional rule replaced by a later
	// unconditional one (libseccomp keeps the unconditional rule).
	WarnShadowed WarningKind = "shadowed-rule"
	// WarnConflict: two rules with the same conditions and different actions; libseccomp
	// refuses the profile (EEXIST), so runc fails to start the container.
	WarnConflict WarningKind = "conflict"
	// WarnAmbiguous: two conditional rules with different actions can both match; we
	// apply the first, libseccomp decides by its own ordering of the conditions.
	WarnAmbiguous WarningKind = "ambiguous"
	// WarnNoTable: an architecture seccompctl has no syscall table for; it is left out
	// of the program, so its syscalls get the bad-architecture action.
	WarnNoTable WarningKind = "no-syscall-table"
	// WarnNotifyWrite: SCMP_ACT_NOTIFY on write, which runc refuses.
	WarnNotifyWrite WarningKind = "notify-write"
	// WarnErrnoRefused: errno 4095 (MAX_ERRNO): the kernel returns it, but libseccomp
	// refuses it, so runc fails to start the container.
	WarnErrnoRefused WarningKind = "errno-refused"
	// WarnKillableWithoutListener: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without a
	// NOTIFY rule; the kernel refuses it without NEW_LISTENER, so runc fails to start the
	// container. The flag is left out of the program's flags.
	WarnKillableWithoutListener WarningKind = "killable-without-listener"
	// WarnLibseccompRanges: two range conditions (<, <=, >, >=) on the same argument of
	// a syscall on a 64-bit architecture, one of them with a value above 32 bits:
	// libseccomp 2.5.4 merges such conditions wrongly, so runc's filter returns the
	// default action for some arguments the profile admits. seccompctl follows the
	// profile.
	WarnLibseccompRanges WarningKind = "libseccomp-ranges"
)

func (w Warning) String() string {
	s := ""
	if w.Rule >= 0 {
		s = fmt.Sprintf("syscalls[%d]: ", w.Rule)
	}
	return s + w.Message
}

type warnings struct {
	list []Warning
	seen map[string]bool
}

func (w *warnings) add(x Warning) {
	key := fmt.Sprintf("%s/%d/%s", x.Kind, x.Rule, x.Syscall)
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	w.list = append(w.list, x)
}
