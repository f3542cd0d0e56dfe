package semantics

import (
	"errors"
	"fmt"
	"slices"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

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

// CondRule is one conditional rule for a syscall: when every condition holds, Ret.
type CondRule struct {
	Ret   uint32
	Conds []Cond
	Ref   RuleRef
}

// Entry is what the profile says about one syscall number on one architecture: either
// one action for every argument (Uncond) or an ordered list of conditional rules,
// falling back to the default action.
type Entry struct {
	Nr     uint32
	Arch   syscalls.Arch
	Name   string
	Uncond bool
	Ret    uint32  // when Uncond
	Ref    RuleRef // when Uncond
	Rules  []CondRule
}

// Decide returns the first rule that matches args, or ok false when the default
// action decides.
func (e *Entry) Decide(args *[6]uint64) (ret uint32, ref RuleRef, ok bool) {
	if e.Uncond {
		return e.Ret, e.Ref, true
	}
	is64 := e.Arch.Is64()
	for _, r := range e.Rules {
		if AllHold(r.Conds, args, is64) {
			return r.Ret, r.Ref, true
		}
	}
	return 0, RuleRef{}, false
}

// ArchTable is the profile on one architecture.
type ArchTable struct {
	Arch syscalls.Arch
	Is64 bool
	// Listed says the profile names the architecture: runc's -ENOSYS stub covers it.
	Listed bool
	// MaxNr is the highest syscall number any rule names on this arch; 0 if none.
	MaxNr uint32
	// Entries are the syscalls some rule decides, by number.
	Entries map[uint32]*Entry
	// Pseudo are rules for calls the arch lacks, by name: libseccomp keeps them under a
	// number no syscall reaches; they matter only for the conflicts it refuses.
	Pseudo map[string]*Entry
	slab   []Entry
}

// Meaning is a resolved profile's meaning on a set of architectures: what the compiled
// program must do for every seccomp_data.
type Meaning struct {
	// Profile is the resolved profile; RuleRef.Rule indexes its Syscalls.
	Profile *profile.Profile
	// Arches are the architectures the program accepts, in order.
	Arches []syscalls.Arch
	// BigEndian is the byte order of those architectures.
	BigEndian bool
	// Flags are the seccomp(2) flags to install with (see Build).
	Flags []profile.Flag
	// DefRet is the default action's return value.
	DefRet uint32
	// Groups are the architectures by AUDIT_ARCH value, in order.
	Groups   []*Group
	Warnings []Warning
}

// Build gives the resolved profile r its meaning for a machine of architecture native:
// on arches when given, else on native and every architecture r lists, as runc does.
// Architectures without a syscall table are left out with a warning.
func Build(r *profile.Profile, native syscalls.Arch, arches []syscalls.Arch) (*Meaning, error) {
	if r.DefaultAction == profile.ActNotify {
		return nil, errors.New("defaultAction: SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)")
	}
	defRet, err := Ret(r.DefaultAction, r.DefaultErrnoRet, r.DefaultErrno, "defaultErrnoRet")
	if err != nil {
		return nil, err
	}
	m := &Meaning{Profile: r, DefRet: defRet, Flags: slices.Clone(r.Flags)}
	w := &warnings{seen: map[string]bool{}}
	if RefusedErrno(defRet) {
		w.add(Warning{Kind: WarnErrnoRefused, Rule: -1, Message: "defaultErrnoRet 4095: libseccomp refuses it, so runc fails to start the container"})
	}

	if len(arches) == 0 {
		arches = append([]syscalls.Arch{native}, r.Architectures...)
	}
	listed := map[syscalls.Arch]bool{}
	for _, a := range r.Architectures {
		listed[a] = true
	}
	var plans []*ArchTable
	for _, a := range arches {
		if !a.Valid() {
			return nil, fmt.Errorf("invalid architecture %v", a)
		}
		if slices.ContainsFunc(plans, func(p *ArchTable) bool { return p.Arch == a }) {
			continue
		}
		if !syscalls.HasTable(a) {
			w.add(Warning{Kind: WarnNoTable, Rule: -1, Arch: a, Message: fmt.Sprintf(
				"no syscall table for %v: left out of the program, its syscalls get the bad-architecture action", a)})
			continue
		}
		plans = append(plans, &ArchTable{Arch: a, Is64: a.Is64(), Listed: listed[a], Entries: make(map[uint32]*Entry, 512), Pseudo: map[string]*Entry{}})
	}
	if len(plans) == 0 {
		return nil, errors.New("no architecture with a syscall table to compile for")
	}
	m.BigEndian = plans[0].Arch.BigEndian()
	for _, p := range plans[1:] {
		if p.Arch.BigEndian() != m.BigEndian {
			return nil, fmt.Errorf("architectures %v and %v have different byte orders; one program cannot serve both", plans[0].Arch, p.Arch)
		}
	}

	notify := false
	for i := range r.Syscalls {
		rule := &r.Syscalls[i]
		path := fmt.Sprintf("syscalls[%d]", i)
		ret, err := Ret(rule.Action, rule.ErrnoRet, rule.Errno, path)
		if err != nil {
			return nil, err
		}
		names := rule.AllNames()
		if RefusedErrno(ret) {
			w.add(Warning{Kind: WarnErrnoRefused, Rule: i, Message: "errnoRet 4095: libseccomp refuses it, so runc fails to start the container"})
		}
		// Each name's number on each architecture, -1 where it has none.
		nrs := make([]int, len(names)*len(plans))
		for p, ap := range plans {
			for j, n := range names {
				nr, ok := syscalls.Number(ap.Arch, n)
				if !ok {
					nr = -1
				}
				nrs[j*len(plans)+p] = nr
				// runc asks libseccomp for the number, which on the multiplexing
				// architectures gives socket and IPC calls a negative pseudo-number:
				// they never raise the bound.
				if nr > 0 && uint32(nr) > ap.MaxNr && !(muxArches[ap.Arch] && IsMuxName(n)) {
					ap.MaxNr = uint32(nr)
				}
			}
		}
		known := make([]bool, len(names))
		for j, n := range names {
			known[j] = syscalls.Known(n)
			if !known[j] && !IsMuxName(n) {
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
		variants, split := SplitArgs(rule.Args)
		if split {
			w.add(Warning{Kind: WarnSameArgIndex, Rule: i, Message: "two conditions test the same argument: runc then adds each condition as a rule of its own, so any one of them suffices"})
		}
		for j, n := range names {
			for p, ap := range plans {
				nr := nrs[j*len(plans)+p]
				direct := nr >= 0
				mux, call, viaMux := Multiplexed(ap.Arch, n)
				if !known[j] && !viaMux {
					continue
				}
				for _, args := range variants {
					cs, truncated := Conditions(args, ap.Is64)
					if truncated {
						w.add(Warning{Kind: WarnTruncatedValue, Rule: i, Syscall: n, Arch: ap.Arch, Message: fmt.Sprintf(
							"a value or mask has bits above 32 but %v compares only the low 32 bits of arguments", ap.Arch)})
					}
					if direct {
						ap.add(w, ap.entry(uint32(nr), n), ret, cs, RuleRef{Rule: i, Name: n})
					} else {
						ap.add(w, ap.pseudoEntry(n), ret, cs, RuleRef{Rule: i, Name: n})
					}
					if viaMux {
						mcs, _ := Conditions(withoutArg0(args), ap.Is64)
						mcs = append([]Cond{{Arg: 0, Op: profile.OpEqualTo, Val: call}}, mcs...)
						via, _ := syscalls.Name(ap.Arch, int(mux))
						ap.add(w, ap.entry(mux, via), ret, mcs, RuleRef{Rule: i, Name: n, Via: via})
					}
				}
			}
		}
	}
	if notify && !slices.Contains(m.Flags, profile.FlagNewListener) {
		m.Flags = append(m.Flags, profile.FlagNewListener)
	}
	if slices.Contains(m.Flags, profile.FlagWaitKillableRecv) && !slices.Contains(m.Flags, profile.FlagNewListener) {
		// runc passes the flag on as written and adds NEW_LISTENER only for NOTIFY rules;
		// the kernel refuses WAIT_KILLABLE_RECV without it (EINVAL, checked on 6.18).
		m.Flags = slices.DeleteFunc(m.Flags, func(f profile.Flag) bool { return f == profile.FlagWaitKillableRecv })
		w.add(Warning{Kind: WarnKillableWithoutListener, Rule: -1, Message: "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without a SCMP_ACT_NOTIFY rule: " +
			"the kernel refuses it without SECCOMP_FILTER_FLAG_NEW_LISTENER (EINVAL), so runc fails to start the container; seccompctl leaves it out"})
	}
	for _, ap := range plans {
		m.Arches = append(m.Arches, ap.Arch)
		libseccompRanges(w, ap)
	}
	m.Groups = groupTables(plans, defRet, !SkipsStub(r.DefaultAction))
	m.Warnings = w.list
	return m, nil
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
func (ap *ArchTable) entry(nr uint32, name string) *Entry {
	e := ap.Entries[nr]
	if e == nil {
		e = ap.newEntry()
		*e = Entry{Nr: nr, Arch: ap.Arch, Name: name}
		ap.Entries[nr] = e
	}
	return e
}

// newEntry allocates entries in blocks: a profile names hundreds of syscalls.
func (ap *ArchTable) newEntry() *Entry {
	if len(ap.slab) == cap(ap.slab) {
		ap.slab = make([]Entry, 0, 128)
	}
	ap.slab = ap.slab[:len(ap.slab)+1]
	return &ap.slab[len(ap.slab)-1]
}

// pseudoEntry returns the entry libseccomp keeps for a call the architecture lacks.
func (ap *ArchTable) pseudoEntry(name string) *Entry {
	e := ap.Pseudo[name]
	if e == nil {
		e = ap.newEntry()
		*e = Entry{Arch: ap.Arch, Name: name}
		ap.Pseudo[name] = e
	}
	return e
}

// add records a rule for a syscall with libseccomp's precedence: the first rule without
// conditions decides the syscall for every argument, replacing conditional rules added
// before it and hiding those after; conditional rules keep their order.
func (ap *ArchTable) add(w *warnings, e *Entry, ret uint32, cs []Cond, ref RuleRef) {
	if e.Uncond {
		if ret != e.Ret {
			w.add(Warning{Kind: WarnShadowed, Rule: ref.Rule, Syscall: e.Name, Arch: ap.Arch, Message: fmt.Sprintf(
				"never applies to %s: syscalls[%d] already decides it for every argument", e.Name, e.Ref.Rule)})
		}
		return
	}
	if len(cs) == 0 {
		for _, r := range e.Rules {
			if r.Ret != ret {
				w.add(Warning{Kind: WarnShadowed, Rule: r.Ref.Rule, Syscall: e.Name, Arch: ap.Arch, Message: fmt.Sprintf(
					"never applies to %s: the unconditional syscalls[%d] replaces it, as libseccomp does", e.Name, ref.Rule)})
			}
		}
		e.Uncond, e.Ret, e.Ref, e.Rules = true, ret, ref, nil
		return
	}
	for _, r := range e.Rules {
		if slices.Equal(r.Conds, cs) {
			if r.Ret != ret {
				w.add(Warning{Kind: WarnConflict, Rule: ref.Rule, Syscall: e.Name, Arch: ap.Arch, Message: fmt.Sprintf(
					"same conditions as syscalls[%d] for %s with another action: libseccomp refuses this (runc fails to start the container); seccompctl applies the first", r.Ref.Rule, e.Name)})
			}
			return
		}
	}
	// Checked as rules come, as libseccomp checks them: a rule that a later
	// unconditional one replaces can still make it refuse the profile.
	for _, r := range e.Rules {
		if r.Ret != ret && MayOverlap(r.Conds, cs, ap.Is64) {
			w.add(Warning{Kind: WarnAmbiguous, Rule: ref.Rule, Syscall: e.Name, Arch: ap.Arch, Message: fmt.Sprintf(
				"can match the same arguments of %s as syscalls[%d] with another action: seccompctl applies the first; libseccomp may refuse the profile (runc then fails to start the container) or pick by its own ordering of the conditions", e.Name, r.Ref.Rule)})
		}
	}
	e.Rules = append(e.Rules, CondRule{Ret: ret, Conds: cs, Ref: ref})
}

func groupTables(plans []*ArchTable, defRet uint32, stub bool) []*Group {
	var groups []*Group
	for _, ap := range plans {
		audit := ap.Arch.AuditArch()
		var g *Group
		for _, x := range groups {
			if x.Audit == audit {
				g = x
			}
		}
		if g == nil {
			g = &Group{Audit: audit, Stub: stub, DefRet: defRet}
			groups = append(groups, g)
		}
		g.Members = append(g.Members, ap)
	}
	return groups
}

// libseccompRanges warns where libseccomp 2.5.4 miscompiles what runc hands it: two
// range conditions (<, <=, >, >=) on the same argument of one syscall, in the same rule
// (runc splits it) or in two, on a 64-bit architecture, one of them comparing with a
// value above 32 bits. Its program then returns the default action for some values the
// profile admits (LOG for fchmodat when arg3 <= 0x100000001 or arg3 < 3 gives the
// default for 0x7ffffffe). Found by comparing its programs with the profile's meaning
// over every pair of operators and a spread of values (filter's TestLibseccompRangeMerge
// keeps one reproducer); pairs of values within 32 bits, and equality tests, were
// compiled right.
func libseccompRanges(w *warnings, ap *ArchTable) {
	if !ap.Is64 {
		return
	}
	for _, nr := range sortedNrs(ap.Entries) {
		e := ap.Entries[nr]
		type seen struct {
			rule int
			wide bool
		}
		first := map[int]seen{}
		for _, r := range e.Rules {
			for _, c := range r.Conds {
				if !isRange(c.Op) {
					continue
				}
				wide := c.Val > 0xffffffff
				f, ok := first[c.Arg]
				if !ok {
					first[c.Arg] = seen{r.Ref.Rule, wide}
					continue
				}
				if wide || f.wide {
					w.add(Warning{Kind: WarnLibseccompRanges, Rule: r.Ref.Rule, Syscall: e.Name, Arch: ap.Arch, Message: fmt.Sprintf(
						"two range conditions on argument %d of %s (syscalls[%d] and this rule), one above 32 bits: libseccomp 2.5.4 compiles them wrongly, "+
							"so runc returns the default action for some values the profile allows; seccompctl follows the profile", c.Arg, e.Name, f.rule)})
				}
			}
		}
	}
}

func isRange(op profile.Operator) bool {
	return op == profile.OpLessThan || op == profile.OpLessEqual || op == profile.OpGreaterThan || op == profile.OpGreaterEqual
}

func sortedNrs(m map[uint32]*Entry) []uint32 {
	out := make([]uint32, 0, len(m))
	for nr := range m {
		out = append(out, nr)
	}
	slices.Sort(out)
	return out
}
