package filter

import (
	"errors"
	"fmt"
	"slices"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Options say which machine and container a profile is compiled for.
type Options struct {
	// Arches, when set, are exactly the architectures the program accepts. When empty,
	// the program accepts the native architecture and those the profile lists (after
	// archMap), as runc does.
	Arches []syscalls.Arch
	// Native is the architecture of the machine that loads the program, used for
	// archMap and includes/excludes. Zero means Arches[0] if set, else the architecture
	// seccompctl was built for.
	Native syscalls.Arch
	// Caps is the container's capability set for includes/excludes; nil means none
	// (profile.DefaultCaps is what container runtimes grant by default).
	Caps []string
	// Kernel is the host kernel release for minKernel; empty means a new enough kernel.
	Kernel string
}

// Filter is a compiled profile.
type Filter struct {
	// Program is the BPF program to load.
	Program bpf.Program
	// Arches are the architectures the program accepts; syscalls from any other get
	// the bad-architecture action, SECCOMP_RET_KILL_THREAD.
	Arches []syscalls.Arch
	// BigEndian is the byte order of the machine the program is for.
	BigEndian bool
	// Flags are the seccomp(2) flags to install the program with: the profile's, plus
	// SECCOMP_FILTER_FLAG_NEW_LISTENER when a rule uses SCMP_ACT_NOTIFY.
	Flags []profile.Flag
	// Warnings are what the profile says that may not mean what its author meant.
	Warnings []Warning
	// Profile is the resolved profile the program was compiled from; RuleRef.Rule
	// indexes its Syscalls.
	Profile *profile.Profile

	defRet uint32
	groups []*group
	starts []int // where each group's code starts in Program
}

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
)

func (w Warning) String() string {
	s := ""
	if w.Rule >= 0 {
		s = fmt.Sprintf("syscalls[%d]: ", w.Rule)
	}
	return s + w.Message
}

// ErrTooLong is returned when the program would exceed the kernel's 4096 instructions.
var ErrTooLong = bpf.ErrTooLong

// Compile resolves p for opts and compiles it.
func Compile(p *profile.Profile, opts Options) (*Filter, error) {
	native := opts.Native
	if native == syscalls.ArchInvalid {
		if len(opts.Arches) > 0 {
			native = opts.Arches[0]
		} else {
			native = syscalls.Native()
		}
	}
	if native == syscalls.X32 {
		native = syscalls.X86_64
	}
	r, err := p.Resolve(profile.ResolveOptions{Caps: opts.Caps, Arch: native, Kernel: opts.Kernel})
	if err != nil {
		return nil, err
	}
	f, err := build(r, native, opts.Arches)
	if err != nil {
		return nil, err
	}
	prog, err := f.generate()
	if err != nil {
		return nil, err
	}
	f.Program = prog
	return f, nil
}

func build(r *profile.Profile, native syscalls.Arch, arches []syscalls.Arch) (*Filter, error) {
	if r.DefaultAction == profile.ActNotify {
		return nil, errors.New("defaultAction: SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)")
	}
	defRet, err := retFor(r.DefaultAction, r.DefaultErrnoRet, r.DefaultErrno, "defaultErrnoRet")
	if err != nil {
		return nil, err
	}
	f := &Filter{Profile: r, defRet: defRet, Flags: slices.Clone(r.Flags)}
	w := &warnings{seen: map[string]bool{}}
	if refusedErrno(defRet) {
		w.add(Warning{Kind: WarnErrnoRefused, Rule: -1, Message: "defaultErrnoRet 4095: libseccomp refuses it, so runc fails to start the container"})
	}

	if len(arches) == 0 {
		arches = append([]syscalls.Arch{native}, r.Architectures...)
	}
	listed := map[syscalls.Arch]bool{}
	for _, a := range r.Architectures {
		listed[a] = true
	}
	var plans []*archPlan
	for _, a := range arches {
		if !a.Valid() {
			return nil, fmt.Errorf("invalid architecture %v", a)
		}
		if slices.ContainsFunc(plans, func(p *archPlan) bool { return p.arch == a }) {
			continue
		}
		if !syscalls.HasTable(a) {
			w.add(Warning{Kind: WarnNoTable, Rule: -1, Arch: a, Message: fmt.Sprintf(
				"no syscall table for %v: left out of the program, its syscalls get the bad-architecture action", a)})
			continue
		}
		plans = append(plans, &archPlan{arch: a, is64: a.Is64(), listed: listed[a], entries: make(map[uint32]*entry, 512), pseudo: map[string]*entry{}})
	}
	if len(plans) == 0 {
		return nil, errors.New("no architecture with a syscall table to compile for")
	}
	f.BigEndian = plans[0].arch.BigEndian()
	for _, p := range plans[1:] {
		if p.arch.BigEndian() != f.BigEndian {
			return nil, fmt.Errorf("architectures %v and %v have different byte orders; one program cannot serve both", plans[0].arch, p.arch)
		}
	}

	notify := false
	for i := range r.Syscalls {
		rule := &r.Syscalls[i]
		path := fmt.Sprintf("syscalls[%d]", i)
		ret, err := retFor(rule.Action, rule.ErrnoRet, rule.Errno, path)
		if err != nil {
			return nil, err
		}
		names := rule.AllNames()
		if refusedErrno(ret) {
			w.add(Warning{Kind: WarnErrnoRefused, Rule: i, Message: "errnoRet 4095: libseccomp refuses it, so runc fails to start the container"})
		}
		// Each name's number on each architecture, -1 where it has none.
		nrs := make([]int, len(names)*len(plans))
		for p, ap := range plans {
			for j, n := range names {
				nr, ok := syscalls.Number(ap.arch, n)
				if !ok {
					nr = -1
				}
				nrs[j*len(plans)+p] = nr
				// runc asks libseccomp for the number, which on the multiplexing
				// architectures gives socket and IPC calls a negative pseudo-number:
				// they never raise the bound.
				if nr > 0 && uint32(nr) > ap.maxNr && !(muxArches[ap.arch] && isMuxName(n)) {
					ap.maxNr = uint32(nr)
				}
			}
		}
		known := make([]bool, len(names))
		for j, n := range names {
			known[j] = syscalls.Known(n)
			if !known[j] && !isMuxName(n) {
				w.add(Warning{Kind: WarnUnknownSyscall, Rule: i, Syscall: n, Message: fmt.Sprintf(
					"unknown syscall %q ignored, as runc ignores it", n)})
			}
		}
		if ret == defRet {
			continue // runc drops rules that repeat the default action
		}
		for _, a := range rule.Args {
			if a.Index > profile.MaxArgIndex {
				return nil, fmt.Errorf("%s: argument index %d out of range (0 to %d)", path, a.Index, profile.MaxArgIndex)
			}
			if !a.Op.Valid() {
				return nil, fmt.Errorf("%s: invalid operator %v", path, a.Op)
			}
		}
		if rule.Action == profile.ActNotify {
			notify = true
			if slices.Contains(names, "write") {
				w.add(Warning{Kind: WarnNotifyWrite, Rule: i, Syscall: "write", Message: "SCMP_ACT_NOTIFY on write: runc refuses to start such a container"})
			}
		}
		variants, split := splitArgs(rule.Args)
		if split {
			w.add(Warning{Kind: WarnSameArgIndex, Rule: i, Message: "two conditions test the same argument: runc then adds each condition as a rule of its own, so any one of them suffices"})
		}
		for j, n := range names {
			for p, ap := range plans {
				nr := nrs[j*len(plans)+p]
				direct := nr >= 0
				mux, call, viaMux := multiplexed(ap.arch, n)
				if !known[j] && !viaMux {
					continue
				}
				for _, args := range variants {
					cs, truncated := ap.conditions(args)
					if truncated {
						w.add(Warning{Kind: WarnTruncatedValue, Rule: i, Syscall: n, Arch: ap.arch, Message: fmt.Sprintf(
							"a value or mask has bits above 32 but %v compares only the low 32 bits of arguments", ap.arch)})
					}
					if direct {
						ap.add(w, ap.entry(uint32(nr), n), ret, cs, RuleRef{Rule: i, Name: n})
					} else {
						// libseccomp keeps rules for a call the architecture lacks under
						// a pseudo-number no syscall reaches; they matter only in that
						// it refuses conflicting ones, so only the warnings are kept.
						ap.add(w, ap.pseudoEntry(n), ret, cs, RuleRef{Rule: i, Name: n})
					}
					if viaMux {
						mcs, _ := ap.conditions(withoutArg0(args))
						mcs = append([]cond{{arg: 0, op: profile.OpEqualTo, val: call}}, mcs...)
						via, _ := syscalls.Name(ap.arch, int(mux))
						ap.add(w, ap.entry(mux, via), ret, mcs, RuleRef{Rule: i, Name: n, Via: via})
					}
				}
			}
		}
	}
	if notify && !slices.Contains(f.Flags, profile.FlagNewListener) {
		f.Flags = append(f.Flags, profile.FlagNewListener)
	}
	for _, ap := range plans {
		f.Arches = append(f.Arches, ap.arch)

	}
	f.groups = groupPlans(plans, defRet, !permissive(r.DefaultAction))
	f.Warnings = w.list
	return f, nil
}

// refusedErrno reports an errno libseccomp refuses (it wants less than MAX_ERRNO).
func refusedErrno(ret uint32) bool {
	return ret&bpf.RetActionFull == bpf.RetErrno && ret&bpf.RetData >= bpf.MaxErrno
}

func isMuxName(n string) bool {
	_, s := socketCalls[n]
	_, i := ipcCalls[n]
	return s || i
}

func withoutArg0(args []profile.Arg) []profile.Arg {
	var out []profile.Arg
	for _, a := range args {
		if a.Index != 0 {
			out = append(out, a)
		}
	}
	return out
}

// entry returns the entry for syscall nr, creating it.
func (ap *archPlan) entry(nr uint32, name string) *entry {
	e := ap.entries[nr]
	if e == nil {
		e = ap.newEntry()
		*e = entry{nr: nr, arch: ap.arch, name: name}
		ap.entries[nr] = e
	}
	return e
}

// newEntry allocates entries in blocks: a profile names hundreds of syscalls.
func (ap *archPlan) newEntry() *entry {
	if len(ap.slab) == cap(ap.slab) {
		ap.slab = make([]entry, 0, 128)
	}
	ap.slab = ap.slab[:len(ap.slab)+1]
	return &ap.slab[len(ap.slab)-1]
}

// pseudoEntry returns the entry libseccomp keeps for a call the architecture lacks.
func (ap *archPlan) pseudoEntry(name string) *entry {
	e := ap.pseudo[name]
	if e == nil {
		e = ap.newEntry()
		*e = entry{arch: ap.arch, name: name}
		ap.pseudo[name] = e
	}
	return e
}

// add records a rule for a syscall with libseccomp's precedence: the first rule without
// conditions decides the syscall for every argument, replacing conditional rules added
// before it and hiding those after; conditional rules keep their order.
func (ap *archPlan) add(w *warnings, e *entry, ret uint32, cs []cond, ref RuleRef) {
	if e.uncond {
		if ret != e.ret {
			w.add(Warning{Kind: WarnShadowed, Rule: ref.Rule, Syscall: e.name, Arch: ap.arch, Message: fmt.Sprintf(
				"never applies to %s: syscalls[%d] already decides it for every argument", e.name, e.ref.Rule)})
		}
		return
	}
	if len(cs) == 0 {
		for _, r := range e.rules {
			if r.ret != ret {
				w.add(Warning{Kind: WarnShadowed, Rule: r.ref.Rule, Syscall: e.name, Arch: ap.arch, Message: fmt.Sprintf(
					"never applies to %s: the unconditional syscalls[%d] replaces it, as libseccomp does", e.name, ref.Rule)})
			}
		}
		e.uncond, e.ret, e.ref, e.rules = true, ret, ref, nil
		return
	}
	for _, r := range e.rules {
		if sameConds(r.conds, cs) {
			if r.ret != ret {
				w.add(Warning{Kind: WarnConflict, Rule: ref.Rule, Syscall: e.name, Arch: ap.arch, Message: fmt.Sprintf(
					"same conditions as syscalls[%d] for %s with another action: libseccomp refuses this (runc fails to start the container); seccompctl applies the first", r.ref.Rule, e.name)})
			}
			return
		}
	}
	// Checked as rules come, as libseccomp checks them: a rule that a later
	// unconditional one replaces can still make it refuse the profile.
	for _, r := range e.rules {
		if r.ret != ret && mayOverlap(r.conds, cs, ap.is64) {
			w.add(Warning{Kind: WarnAmbiguous, Rule: ref.Rule, Syscall: e.name, Arch: ap.arch, Message: fmt.Sprintf(
				"can match the same arguments of %s as syscalls[%d] with another action: seccompctl applies the first; libseccomp may refuse the profile (runc then fails to start the container) or pick by its own ordering of the conditions", e.name, r.ref.Rule)})
		}
	}
	e.rules = append(e.rules, condRule{ret: ret, conds: cs, ref: ref})
}

func groupPlans(plans []*archPlan, defRet uint32, stub bool) []*group {
	var groups []*group
	for _, ap := range plans {
		audit := ap.arch.AuditArch()
		var g *group
		for _, x := range groups {
			if x.audit == audit {
				g = x
			}
		}
		if g == nil {
			g = &group{audit: audit, stub: stub, defRet: defRet}
			groups = append(groups, g)
		}
		g.members = append(g.members, ap)
	}
	return groups
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

func sortedKeys[V any](m map[uint32]V) []uint32 {
	keys := make([]uint32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
