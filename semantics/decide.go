package semantics

import (
	"github.com/seccompctl/seccompctl/syscalls"
)

// Group is the architectures sharing one AUDIT_ARCH value: x86_64 and x32, or one arch.
type Group struct {
	Audit   uint32
	Members []*ArchTable
	// Stub says runc's -ENOSYS stub is generated (the default action is not permissive).
	Stub   bool
	DefRet uint32
}

var auditX86_64 = syscalls.X86_64.AuditArch()

const x32Bit = syscalls.X32SyscallBit

// Lookup returns the entry for nr: x86_64 and x32 numbers never collide (bit 30).
func (g *Group) Lookup(nr uint32) (*Entry, bool) {
	for _, m := range g.Members {
		if e, ok := m.Entries[nr]; ok {
			return e, true
		}
	}
	return nil, false
}

// Member returns the table of architecture a, nil if the group lacks it.
func (g *Group) Member(a syscalls.Arch) *ArchTable {
	for _, m := range g.Members {
		if m.Arch == a {
			return m
		}
	}
	return nil
}

// Outcome is the decision for a syscall number before arguments are looked at.
type Outcome struct {
	Reason Reason
	Ret    uint32 // for every reason but an argument-dependent rule
	Entry  *Entry // for ReasonRule
}

// Constant reports whether the outcome does not depend on arguments.
func (o Outcome) Constant() bool { return o.Entry == nil || o.Entry.Uncond }

// Outcome applies, in order, runc's -ENOSYS stub, libseccomp's architecture and x32
// checks, and the rules for nr.
func (g *Group) Outcome(nr uint32) Outcome {
	if g.ENOSYS(nr) {
		return Outcome{Reason: ReasonENOSYS, Ret: RetENOSYS}
	}
	if g.Audit == auditX86_64 {
		has64, hasX32 := g.Member(syscalls.X86_64) != nil, g.Member(syscalls.X32) != nil
		// libseccomp: an x86_64-only filter sends x32 numbers to the bad-arch action but
		// lets -1 (a tracer skipping the call) through; an x32-only one refuses the rest.
		if has64 && !hasX32 && nr >= x32Bit && nr != 0xffffffff {
			return Outcome{Reason: ReasonBadArch, Ret: RetBadArch}
		}
		if hasX32 && !has64 && nr < x32Bit {
			return Outcome{Reason: ReasonBadArch, Ret: RetBadArch}
		}
	}
	if e, ok := g.Lookup(nr); ok {
		if e.Uncond {
			return Outcome{Reason: ReasonRule, Ret: e.Ret, Entry: e}
		}
		return Outcome{Reason: ReasonRule, Entry: e}
	}
	return Outcome{Reason: ReasonDefault, Ret: g.DefRet}
}

// ENOSYS reports whether runc's stub answers ENOSYS for nr. The stub compares the
// number as unsigned against the highest number the profile names on each listed
// architecture (x86_64 and x32 told apart by bit 30), and on s390x also answers ENOSYS
// for setup (0), the call the kernel multiplexes unknown numbers through.
func (g *Group) ENOSYS(nr uint32) bool {
	if !g.Stub {
		return false
	}
	if g.Audit == auditX86_64 {
		m64, m32 := g.Member(syscalls.X86_64), g.Member(syscalls.X32)
		use64 := m64 != nil && m64.Listed && m64.MaxNr > 0
		use32 := m32 != nil && m32.Listed && m32.MaxNr > 0
		x32 := nr&x32Bit != 0
		switch {
		case use64 && use32:
			if x32 {
				return nr > m32.MaxNr
			}
			return nr > m64.MaxNr
		case use64:
			return !x32 && nr > m64.MaxNr
		case use32:
			return x32 && nr > m32.MaxNr
		}
		return false
	}
	m := g.Members[0]
	if !m.Listed || m.MaxNr == 0 {
		return false
	}
	if (m.Arch == syscalls.S390X || m.Arch == syscalls.S390) && nr == 0 {
		return true
	}
	return nr > m.MaxNr
}

// Group returns the group for an AUDIT_ARCH value, nil if the meaning lacks it.
func (m *Meaning) Group(audit uint32) *Group {
	for _, g := range m.Groups {
		if g.Audit == audit {
			return g
		}
	}
	return nil
}

// Decide says what the profile means for one seccomp_data: the return value, what
// decided it, and the deciding rule when a rule did. This is the reference the
// compiled program is tested against.
func (m *Meaning) Decide(auditArch uint32, nr int32, args *[6]uint64) (ret uint32, reason Reason, ref *RuleRef) {
	g := m.Group(auditArch)
	if g == nil {
		return RetBadArch, ReasonBadArch, nil
	}
	o := g.Outcome(uint32(nr))
	if o.Entry == nil {
		return o.Ret, o.Reason, nil
	}
	if r, rr, ok := o.Entry.Decide(args); ok {
		return r, ReasonRule, &rr
	}
	return g.DefRet, ReasonDefault, nil
}
