package semantics

import (
	"slices"

	"fmt"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Permit says how many calls of a syscall a filter lets through.
type Permit int

// Permits, from none to all.
const (
	// PermitNone: no call runs.
	PermitNone Permit = iota
	// PermitSome: it depends on the arguments, or on a user-space supervisor (NOTIFY).
	PermitSome
	// PermitAll: every call runs.
	PermitAll
)

func (p Permit) String() string {
	switch p {
	case PermitNone:
		return "none"
	case PermitSome:
		return "some"
	case PermitAll:
		return "all"
	}
	return fmt.Sprintf("Permit(%d)", int(p))
}

// Treatment is what a profile does with one syscall on one architecture.
type Treatment struct {
	Arch syscalls.Arch
	Name string
	// Nr is the syscall's number on Arch.
	Nr uint32
	// Reason says what decides: a rule, the default action, runc's -ENOSYS stub, or the
	// bad-architecture action.
	Reason Reason
	// Ret is the return value for every call when Rules is empty.
	Ret uint32
	// Rule is the deciding unconditional rule, nil unless Reason is ReasonRule and the
	// treatment does not depend on arguments.
	Rule *RuleRef
	// Rules are the conditional rules in the order they are tried; calls no rule
	// matches get Default.
	Rules   []CondRule
	Default uint32
	Permits Permit
}

// Conditional reports whether the treatment depends on the arguments.
func (t Treatment) Conditional() bool { return len(t.Rules) > 0 }

// Syscall returns the treatment of the syscall called name on arch; ok is false when
// arch lacks that syscall or the meaning does not cover arch.
func (m *Meaning) Syscall(arch syscalls.Arch, name string) (t Treatment, ok bool) {
	nr, found := syscalls.Number(arch, name)
	if !found {
		return Treatment{}, false
	}
	n := uint32(nr)
	if arch == syscalls.X32 {
		n |= x32Bit
	}
	g := m.Group(arch.AuditArch())
	if g == nil || g.Member(arch) == nil {
		return Treatment{}, false
	}
	return g.treatment(arch, name, n), true
}

func (g *Group) treatment(arch syscalls.Arch, name string, nr uint32) Treatment {
	o := g.Outcome(nr)
	t := Treatment{Arch: arch, Name: name, Nr: nr, Reason: o.Reason, Ret: o.Ret, Default: g.DefRet}
	if o.Entry != nil && o.Entry.Uncond {
		ref := o.Entry.Ref
		t.Rule = &ref
	} else if o.Entry != nil {
		t.Rules = o.Entry.Rules
		t.Ret = g.DefRet
	}
	t.Permits = permitOf(t.Ret)
	for _, r := range t.Rules {
		if permitOf(r.Ret) != permitOf(g.DefRet) {
			t.Permits = PermitSome
		}
	}
	return t
}

func permitOf(ret uint32) Permit {
	switch {
	case ret == bpf.RetUserNotif:
		return PermitSome
	case RetPermits(ret):
		return PermitAll
	}
	return PermitNone
}

// Options say which container a node view is for.
type Options struct {
	// Caps is the container's capability set for includes/excludes.
	Caps []string
	// Kernel is the node's kernel release for minKernel; empty means a recent one.
	Kernel string
}

// ForNode resolves p for a container on a node of architecture node and gives it its
// meaning on the architectures such a node runs (Family).
func ForNode(p *profile.Profile, node syscalls.Arch, opts Options) (*Meaning, error) {
	r, err := p.Resolve(profile.ResolveOptions{Caps: opts.Caps, Arch: node, Kernel: opts.Kernel})
	if err != nil {
		return nil, fmt.Errorf("resolving for %s: %w", node, err)
	}
	return Build(r, node, Family(node, r, len(p.ArchMap) > 0))
}

// RulesFor returns the rules of the resolved profile r that decide the syscall called
// name, by the precedence runc and libseccomp apply, for readers that work on rules
// rather than numbers (merge): the index of the first unconditional rule, which decides
// every call (-1 when none), else the conditional rules in order. Rules that repeat the
// default action are left out, as runc drops them. It does not know architectures:
// Meaning.Syscall is the full answer (the -ENOSYS stub, MASKED_EQ masks that vanish on
// 32-bit arguments, the multiplexers).
func RulesFor(r *profile.Profile, name string) (uncond int, conds []int) {
	defRet, defErr := Ret(r.DefaultAction, r.DefaultErrnoRet, r.DefaultErrno, "defaultErrnoRet")
	uncond = -1
	for i := range r.Syscalls {
		rule := &r.Syscalls[i]
		if !slices.Contains(rule.AllNames(), name) {
			continue
		}
		if ret, err := Ret(rule.Action, rule.ErrnoRet, rule.Errno, ""); err == nil && defErr == nil && ret == defRet {
			continue
		}
		if len(rule.Args) == 0 {
			return i, nil
		}
		conds = append(conds, i)
	}
	return -1, conds
}

// Rule returns the resolved profile's rule that ref names, with its comment; its
// position in the file is m.Profile.Pos(fmt.Sprintf("syscalls[%d]", ref.Rule)).
func (m *Meaning) Rule(ref RuleRef) *profile.Rule {
	if ref.Rule < 0 || ref.Rule >= len(m.Profile.Syscalls) {
		return nil
	}
	return &m.Profile.Syscalls[ref.Rule]
}
