package filter

import (
	"fmt"
	"slices"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// errnoENOSYS is ENOSYS on every architecture seccompctl has a table for except MIPS and
// PA-RISC; runc returns SCMP_ACT_ERRNO(ENOSYS) with the build host's value, 38.
const errnoENOSYS = 38

// retENOSYS is what runc's stub returns for syscalls newer than the profile.
const retENOSYS = bpf.RetErrno | errnoENOSYS

const x32Bit = syscalls.X32SyscallBit

// cond is one normalised argument condition. For MASKED_EQ, val is already masked, as
// libseccomp masks it: (arg & mask) == (valueTwo & mask). On 32-bit architectures val and
// mask hold only the low 32 bits of what the profile says.
type cond struct {
	arg  int
	op   profile.Operator
	val  uint64
	mask uint64
}

func (c cond) holds(v uint64) bool {
	switch c.op {
	case profile.OpEqualTo:
		return v == c.val
	case profile.OpNotEqual:
		return v != c.val
	case profile.OpLessThan:
		return v < c.val
	case profile.OpLessEqual:
		return v <= c.val
	case profile.OpGreaterThan:
		return v > c.val
	case profile.OpGreaterEqual:
		return v >= c.val
	case profile.OpMaskedEqual:
		return v&c.mask == c.val
	}
	return false
}

// RuleRef names the profile rule behind a decision.
type RuleRef struct {
	// Rule is the index of the rule in the resolved profile's syscalls list.
	Rule int `json:"rule"`
	// Name is the syscall name the rule lists that led here.
	Name string `json:"name"`
	// Via is "socketcall" or "ipc" when the decision comes from the rule libseccomp adds
	// for the multiplexed form of a socket or IPC call.
	Via string `json:"via,omitempty"`
}

type condRule struct {
	ret   uint32
	conds []cond
	ref   RuleRef
}

// entry is what the profile says about one syscall number on one architecture: either
// one action for every argument (uncond) or an ordered list of conditional rules,
// falling back to the default action.
type entry struct {
	nr     uint32
	arch   syscalls.Arch
	name   string
	uncond bool
	ret    uint32
	ref    RuleRef
	rules  []condRule
	code   string // the text of its argument block, for sharing; set by codegen
}

func (e *entry) decide(args *[6]uint64, is64 bool) (ret uint32, ref RuleRef, ok bool) {
	if e.uncond {
		return e.ret, e.ref, true
	}
	for _, r := range e.rules {
		if allHold(r.conds, args, is64) {
			return r.ret, r.ref, true
		}
	}
	return 0, RuleRef{}, false
}

func allHold(cs []cond, args *[6]uint64, is64 bool) bool {
	for _, c := range cs {
		v := args[c.arg]
		if !is64 {
			v &= 0xffffffff
		}
		if !c.holds(v) {
			return false
		}
	}
	return true
}

// archPlan is one architecture of the program.
type archPlan struct {
	arch    syscalls.Arch
	is64    bool
	listed  bool   // named in the profile's architectures: runc's -ENOSYS stub covers it
	maxNr   uint32 // highest syscall number any rule names on this arch; 0 if none
	entries map[uint32]*entry
	pseudo  map[string]*entry // calls the arch lacks, by name: for warnings only
	slab    []entry
}

// group is the architectures sharing one AUDIT_ARCH value: x86_64 and x32, or one arch.
type group struct {
	audit   uint32
	members []*archPlan
	stub    bool // runc's -ENOSYS stub is generated (default action is not permissive)
	defRet  uint32
}

var auditX86_64 = syscalls.X86_64.AuditArch()

// lookup returns the entry for nr: x86_64 and x32 numbers never collide (bit 30).
func (g *group) lookup(nr uint32) (*entry, bool) {
	for _, m := range g.members {
		if e, ok := m.entries[nr]; ok {
			return e, true
		}
	}
	return nil, false
}

func (g *group) member(a syscalls.Arch) *archPlan {
	for _, m := range g.members {
		if m.arch == a {
			return m
		}
	}
	return nil
}

// Reason says why a syscall got its action.
type Reason string

const (
	ReasonRule    Reason = "rule"
	ReasonDefault Reason = "default"
	ReasonENOSYS  Reason = "enosys"
	ReasonBadArch Reason = "bad-arch"
)

// outcome is the decision for a syscall number before arguments are looked at.
type outcome struct {
	reason Reason
	ret    uint32 // for every reason but an argument-dependent rule
	e      *entry // for ReasonRule
}

// constant reports whether the outcome does not depend on arguments.
func (o outcome) constant() bool { return o.e == nil || o.e.uncond }

// outcome applies, in order, runc's -ENOSYS stub, libseccomp's architecture and x32
// checks, and the rules for nr.
func (g *group) outcome(nr uint32) outcome {
	if g.enosys(nr) {
		return outcome{reason: ReasonENOSYS, ret: retENOSYS}
	}
	if g.audit == auditX86_64 {
		has64, hasX32 := g.member(syscalls.X86_64) != nil, g.member(syscalls.X32) != nil
		// libseccomp: an x86_64-only filter sends x32 numbers to the bad-arch action but
		// lets -1 (a tracer skipping the call) through; an x32-only one refuses the rest.
		if has64 && !hasX32 && nr >= x32Bit && nr != 0xffffffff {
			return outcome{reason: ReasonBadArch, ret: badArchRet}
		}
		if hasX32 && !has64 && nr < x32Bit {
			return outcome{reason: ReasonBadArch, ret: badArchRet}
		}
	}
	if e, ok := g.lookup(nr); ok {
		if e.uncond {
			return outcome{reason: ReasonRule, ret: e.ret, e: e}
		}
		return outcome{reason: ReasonRule, e: e}
	}
	return outcome{reason: ReasonDefault, ret: g.defRet}
}

// enosys reports whether runc's stub answers ENOSYS for nr. The stub compares the
// number as unsigned against the highest number the profile names on each listed
// architecture (x86_64 and x32 told apart by bit 30), and on s390x also answers ENOSYS
// for setup (0), the call the kernel multiplexes unknown numbers through.
func (g *group) enosys(nr uint32) bool {
	if !g.stub {
		return false
	}
	if g.audit == auditX86_64 {
		m64, m32 := g.member(syscalls.X86_64), g.member(syscalls.X32)
		use64 := m64 != nil && m64.listed && m64.maxNr > 0
		use32 := m32 != nil && m32.listed && m32.maxNr > 0
		x32 := nr&x32Bit != 0
		switch {
		case use64 && use32:
			if x32 {
				return nr > m32.maxNr
			}
			return nr > m64.maxNr
		case use64:
			return !x32 && nr > m64.maxNr
		case use32:
			return x32 && nr > m32.maxNr
		}
		return false
	}
	m := g.members[0]
	if !m.listed || m.maxNr == 0 {
		return false
	}
	if (m.arch == syscalls.S390X || m.arch == syscalls.S390) && nr == 0 {
		return true
	}
	return nr > m.maxNr
}

// badArchRet is libseccomp's default bad-architecture action, SCMP_ACT_KILL, which runc
// does not change.
const badArchRet = bpf.RetKillThread

// retFor turns an action and its errno/trace value into the filter's return value as
// runc does: errno and trace without a value mean EPERM; values keep their low 16 bits.
func retFor(a profile.Action, num *uint, name, path string) (uint32, error) {
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

// permissive reports whether runc skips its -ENOSYS stub for this default action.
func permissive(a profile.Action) bool {
	return a == profile.ActAllow || a == profile.ActLog || a == profile.ActTrace
}

// splitArgs returns the condition lists runc hands libseccomp for one rule: the rule's
// conditions as one list, or, when two of them test the same argument (which libseccomp
// refuses), one list per condition, so that they are OR'd.
func splitArgs(args []profile.Arg) ([][]profile.Arg, bool) {
	seen := map[uint]bool{}
	dup := false
	for _, a := range args {
		dup = dup || seen[a.Index]
		seen[a.Index] = true
	}
	if !dup {
		return [][]profile.Arg{args}, false
	}
	out := make([][]profile.Arg, len(args))
	for i, a := range args {
		out[i] = []profile.Arg{a}
	}
	return out, true
}

// conditions normalises one rule's conditions for an architecture. It drops
// MASKED_EQ conditions whose mask is zero on the architecture's word size (always
// true), as libseccomp does; a rule left without conditions is unconditional.
func (ap *archPlan) conditions(args []profile.Arg) (cs []cond, truncated bool) {
	for _, a := range args {
		c := cond{arg: int(a.Index), op: a.Op, val: a.Value}
		if a.Op == profile.OpMaskedEqual {
			c.mask = a.Value
			c.val = a.ValueTwo
		}
		if !ap.is64 {
			if c.val>>32 != 0 || c.mask>>32 != 0 {
				truncated = true
			}
			c.val &= 0xffffffff
			c.mask &= 0xffffffff
		}
		if c.op == profile.OpMaskedEqual {
			c.val &= c.mask
			if c.mask == 0 {
				continue
			}
		}
		cs = append(cs, c)
	}
	slices.SortStableFunc(cs, func(a, b cond) int { return a.arg - b.arg })
	return cs, truncated
}

func sameConds(a, b []cond) bool { return slices.Equal(a, b) }
