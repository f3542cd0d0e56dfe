package filter

import (
	"fmt"
	"slices"
	"sync"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// refDecide is a second, direct evaluator of what runc with libseccomp makes of a
// resolved profile: for one seccomp_data it walks the profile's rules in order instead
// of using the compiler's tables. arches are the program's architectures. ambiguous
// reports that two conditional rules with different actions match, the one case where
// libseccomp's answer depends on its internal ordering.
func refDecide(p *profile.Profile, arches []syscalls.Arch, d *bpf.Data) (ret uint32, ambiguous bool) {
	return newRef(p, arches).decide(d)
}

// ref holds a profile with its names looked up once, so that evaluating many inputs
// stays fast; decide still walks every rule for every input.
type ref struct {
	p      *profile.Profile
	arches []syscalls.Arch
	def    uint32
	rules  []refRule
}

type refRule struct {
	ret      uint32
	variants [][]profile.Arg
	names    []refName
}

type refName struct {
	arch      syscalls.Arch
	nr        uint32
	direct    bool
	mux       uint32
	call      uint64
	multiplex bool
}

var refCache sync.Map // refKey → *ref

type refKey struct {
	p      *profile.Profile
	arches string
}

func newRef(p *profile.Profile, arches []syscalls.Arch) *ref {
	key := refKey{p, fmt.Sprint(arches)}
	if r, ok := refCache.Load(key); ok {
		return r.(*ref)
	}
	def, err := semantics.Ret(p.DefaultAction, p.DefaultErrnoRet, p.DefaultErrno, "")
	if err != nil {
		panic(err)
	}
	r := &ref{p: p, arches: arches, def: def}
	for _, rule := range p.Syscalls {
		rret, err := semantics.Ret(rule.Action, rule.ErrnoRet, rule.Errno, "")
		if err != nil {
			panic(err)
		}
		rr := refRule{ret: rret, variants: [][]profile.Arg{rule.Args}}
		byIndex := map[uint]int{}
		for _, a := range rule.Args {
			byIndex[a.Index]++
		}
		if len(byIndex) < len(rule.Args) {
			rr.variants = nil
			for _, a := range rule.Args {
				rr.variants = append(rr.variants, []profile.Arg{a})
			}
		}
		for _, name := range rule.AllNames() {
			for _, a := range arches {
				n := refName{arch: a}
				if x, ok := syscalls.Number(a, name); ok {
					n.nr, n.direct = uint32(x), true
				}
				n.mux, n.call, n.multiplex = semantics.Multiplexed(a, name)
				rr.names = append(rr.names, n)
			}
		}
		r.rules = append(r.rules, rr)
	}
	refCache.Store(key, r)
	return r
}

func (r *ref) decide(d *bpf.Data) (ret uint32, ambiguous bool) {
	var members []syscalls.Arch
	for _, a := range r.arches {
		if a.AuditArch() == d.Arch && syscalls.HasTable(a) && !slices.Contains(members, a) {
			members = append(members, a)
		}
	}
	if len(members) == 0 {
		return bpf.RetKillThread, false
	}
	nr := uint32(d.Nr)
	if refENOSYS(r.p, members, nr) {
		return bpf.RetErrno | 38, false
	}
	if d.Arch == syscalls.X86_64.AuditArch() {
		has64, has32 := slices.Contains(members, syscalls.X86_64), slices.Contains(members, syscalls.X32)
		if has64 && !has32 && nr >= 1<<30 && nr != 0xffffffff {
			return bpf.RetKillThread, false
		}
		if has32 && !has64 && nr < 1<<30 {
			return bpf.RetKillThread, false
		}
	}
	type candidate struct {
		ret   uint32
		conds []profile.Arg
		is64  bool
	}
	var cands []candidate
	for _, rule := range r.rules {
		if rule.ret == r.def {
			continue
		}
		for _, n := range rule.names {
			if !slices.Contains(members, n.arch) {
				continue
			}
			if n.direct && n.nr == nr {
				for _, v := range rule.variants {
					cands = append(cands, candidate{rule.ret, v, n.arch.Is64()})
				}
			}
			if n.multiplex && n.mux == nr {
				for _, v := range rule.variants {
					c := []profile.Arg{{Index: 0, Op: profile.OpEqualTo, Value: n.call}}
					for _, x := range v {
						if x.Index != 0 {
							c = append(c, x)
						}
					}
					cands = append(cands, candidate{rule.ret, c, n.arch.Is64()})
				}
			}
		}
	}
	// A rule whose conditions libseccomp drops (masks of zero) has none left.
	unconditional := func(c candidate) bool {
		for _, a := range c.conds {
			mask := a.Value
			if !c.is64 {
				mask &= 0xffffffff
			}
			if a.Op != profile.OpMaskedEqual || mask != 0 {
				return false
			}
		}
		return true
	}
	for _, c := range cands {
		if unconditional(c) {
			return c.ret, false
		}
	}
	found := false
	for _, c := range cands {
		if !refHolds(c.conds, &d.Args, c.is64) {
			continue
		}
		if !found {
			ret, found = c.ret, true
		} else if c.ret != ret {
			ambiguous = true
		}
	}
	if !found {
		return r.def, false
	}
	return ret, ambiguous
}

// refHolds evaluates conditions as libseccomp generates them: on 32-bit
// architectures both the argument and the rule's values are cut to 32 bits, and
// MASKED_EQ compares (arg & mask) with (valueTwo & mask).
func refHolds(conds []profile.Arg, args *[6]uint64, is64 bool) bool {
	cut := func(v uint64) uint64 {
		if is64 {
			return v
		}
		return v & 0xffffffff
	}
	for _, c := range conds {
		v, k := cut(args[c.Index]), cut(c.Value)
		var ok bool
		switch c.Op {
		case profile.OpEqualTo:
			ok = v == k
		case profile.OpNotEqual:
			ok = v != k
		case profile.OpLessThan:
			ok = v < k
		case profile.OpLessEqual:
			ok = v <= k
		case profile.OpGreaterThan:
			ok = v > k
		case profile.OpGreaterEqual:
			ok = v >= k
		case profile.OpMaskedEqual:
			ok = v&k == cut(c.ValueTwo)&k
		}
		if !ok {
			return false
		}
	}
	return true
}

// refENOSYS is runc's stub: numbers above the highest one the profile names on a listed
// architecture get ENOSYS, unless the default action is permissive.
func refENOSYS(p *profile.Profile, members []syscalls.Arch, nr uint32) bool {
	if p.DefaultAction == profile.ActAllow || p.DefaultAction == profile.ActLog || p.DefaultAction == profile.ActTrace {
		return false
	}
	highest := map[syscalls.Arch]uint32{}
	for _, a := range members {
		if !slices.Contains(p.Architectures, a) {
			continue
		}
		for _, r := range p.Syscalls {
			for _, name := range r.AllNames() {
				if _, _, mux := semantics.Multiplexed(a, name); mux || (semantics.Multiplexes(a) && semantics.IsMuxName(name)) {
					continue
				}
				if n, ok := syscalls.Number(a, name); ok && n > 0 && uint32(n) > highest[a] {
					highest[a] = uint32(n)
				}
			}
		}
		if highest[a] == 0 {
			delete(highest, a)
		}
	}
	if members[0].AuditArch() == syscalls.X86_64.AuditArch() {
		m64, ok64 := highest[syscalls.X86_64]
		m32, ok32 := highest[syscalls.X32]
		x32 := nr&(1<<30) != 0
		switch {
		case ok64 && ok32:
			if x32 {
				return nr > m32
			}
			return nr > m64
		case ok64:
			return !x32 && nr > m64
		case ok32:
			return x32 && nr > m32
		}
		return false
	}
	m, ok := highest[members[0]]
	if !ok {
		return false
	}
	if members[0] == syscalls.S390X && nr == 0 {
		return true
	}
	return nr > m
}
