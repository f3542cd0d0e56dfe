package filter

import (
	"encoding/binary"
	"fmt"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Decision is what the filter does with one system call, and why.
type Decision struct {
	// Ret is the filter's return value (SECCOMP_RET_*).
	Ret uint32 `json:"ret"`
	// Action renders Ret: ALLOW, ERRNO(1), KILL_THREAD ...
	Action string `json:"action"`
	// Reason says what decided: a rule, the default action, runc's ENOSYS for numbers
	// above every syscall the profile names, or an architecture the program lacks.
	Reason Reason `json:"reason"`
	// Rule is the deciding rule when Reason is ReasonRule.
	Rule *RuleRef `json:"rule,omitempty"`
	// Executed is how many instructions the program ran.
	Executed int `json:"executed"`
}

// Order returns the byte order of the machine the program is for.
func (f *Filter) Order() binary.ByteOrder {
	if f.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Decide evaluates the profile's meaning, without the program, for seccomp_data d: the
// reference the program is tested against.
func (f *Filter) Decide(d *bpf.Data) (ret uint32, reason Reason, ref *RuleRef) {
	return f.m.Decide(d.Arch, d.Nr, &d.Args)
}

// Explain runs the program over a call of syscall nr on arch with the given
// arguments and says which rule decided. It fails if the program and the profile's
// meaning disagree, which would be a compiler bug.
func (f *Filter) Explain(arch syscalls.Arch, nr int, args [6]uint64) (Decision, error) {
	d := bpf.Data{Nr: int32(nr), Arch: arch.AuditArch(), Args: args}
	vm, err := bpf.NewVM(f.Program, f.Order())
	if err != nil {
		return Decision{}, err
	}
	ret, executed := vm.Run(&d)
	want, reason, ref := f.Decide(&d)
	if ret != want {
		return Decision{}, fmt.Errorf("internal error: the program returns %s but the profile means %s for %v syscall %d", bpf.RetString(ret), bpf.RetString(want), arch, nr)
	}
	return Decision{Ret: ret, Action: bpf.RetString(ret), Reason: reason, Rule: ref, Executed: executed}, nil
}

func (f *Filter) group(audit uint32) *group { return f.m.Group(audit) }

// Cacheable reports whether the kernel's action cache (Linux 5.11+) skips the filter
// for syscall nr on arch. The kernel fills its cache only for numbers below the size
// of its syscall table (NR_syscalls, of the native or compat table) and never for x32
// numbers; larger numbers always run the filter, so they are never cacheable whatever
// the program returns. The table size is taken from seccompctl's syscall table, the
// newest kernel it knows.
func (f *Filter) Cacheable(arch syscalls.Arch, nr int) bool {
	if arch == syscalls.X32 || nr < 0 || nr > syscalls.Max(arch) {
		return false
	}
	return f.Program.ConstAllow(int32(nr), arch.AuditArch())
}
