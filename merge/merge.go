// Package merge unions seccomp profiles, e.g. profiles recorded from several runs,
// replicas or architectures of one workload, into one that allows what any of them
// allows, with comments saying how many inputs used each syscall.
package merge

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Options say for which container inputs with includes/excludes or archMap are resolved.
type Options struct {
	// Caps is the container's capability set; nil means profile.DefaultCaps().
	Caps []string
	// Arch is the node architecture; zero means this machine's.
	Arch syscalls.Arch
}

// Report says what the merge did.
type Report struct {
	Inputs []string `json:"inputs"`
	// Allowlist is true when the inputs deny by default (the merge is a union of what
	// they allow), false for denylists (the merge denies what all of them deny).
	Allowlist bool `json:"allowlist"`
	// Syscalls counts the syscalls the merged rules name.
	Syscalls int `json:"syscalls"`
	// Notes are the conflicts met and how they were settled.
	Notes []string `json:"notes"`
}

// ErrMixedDefaults is returned when some inputs allow by default and others deny.
var ErrMixedDefaults = errors.New("cannot merge allowlist and denylist profiles")

// Merge unions ps. The rules, also in docs/profile-quality.md:
//
//   - Inputs are first resolved for opts (includes/excludes and archMap evaluated).
//   - All inputs must deny by default (allowlists) or all allow by default (denylists).
//     The merged defaultAction is the first input's; other defaults are noted.
//   - Allowlists: a syscall any input allows without conditions is allowed without
//     conditions (SCMP_ACT_LOG only when every such input logs it); otherwise every
//     distinct conditional allow rule of any input is kept (several rules are OR'd).
//     A syscall no input allows keeps the first input's explicit deny rule (e.g. ERRNO
//     38 for clone3) when one exists; other inputs' different deny actions are noted.
//   - Denylists: a syscall is denied only if every input denies it without conditions,
//     with the first input's action; a conditional deny rule is kept only if every
//     input has it.
//   - architectures and flags are unions; listenerPath must be the same in all inputs.
//   - Allowed syscalls are grouped into rules by which inputs allowed them, each with a
//     comment: "allowed by all 3 inputs" or "allowed by 1 of 3 inputs: b.json".
func Merge(ps []*profile.Profile, opts Options) (*profile.Profile, *Report, error) {
	if len(ps) == 0 {
		return nil, nil, errors.New("nothing to merge")
	}
	caps := opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	rep := &Report{Notes: []string{}}
	var rs []*profile.Profile
	for i, p := range ps {
		name := fmt.Sprintf("input %d", i+1)
		if p.Source != nil && p.Source.File != "" {
			name = p.Source.File
		}
		rep.Inputs = append(rep.Inputs, name)
		r, err := p.Resolve(profile.ResolveOptions{Caps: caps, Arch: opts.Arch})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		rs = append(rs, r)
	}
	first := rs[0]
	rep.Allowlist = !passes(first.DefaultAction)
	out := &profile.Profile{DefaultAction: first.DefaultAction, DefaultErrnoRet: first.DefaultErrnoRet, ListenerPath: first.ListenerPath, ListenerMetadata: first.ListenerMetadata}
	for i, r := range rs {
		if passes(r.DefaultAction) == rep.Allowlist {
			return nil, nil, fmt.Errorf("%w: %s has defaultAction %s, %s has %s", ErrMixedDefaults, rep.Inputs[0], first.DefaultAction, rep.Inputs[i], r.DefaultAction)
		}
		if d := act(r.DefaultAction, r.DefaultErrnoRet); d != act(first.DefaultAction, first.DefaultErrnoRet) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("defaultAction: %s has %s; the merge keeps %s's %s", rep.Inputs[i], d, rep.Inputs[0], act(first.DefaultAction, first.DefaultErrnoRet)))
		}
		if r.ListenerPath != first.ListenerPath {
			return nil, nil, fmt.Errorf("listenerPath differs: %q in %s, %q in %s", first.ListenerPath, rep.Inputs[0], r.ListenerPath, rep.Inputs[i])
		}
		for _, a := range r.Architectures {
			if !slices.Contains(out.Architectures, a) {
				out.Architectures = append(out.Architectures, a)
			}
		}
		for _, f := range r.Flags {
			if !slices.Contains(out.Flags, f) {
				out.Flags = append(out.Flags, f)
			}
		}
	}
	names := allNames(rs)
	if rep.Allowlist {
		out.Syscalls = mergeAllowlists(rs, names, rep)
	} else {
		out.Syscalls = mergeDenylists(rs, names, rep)
	}
	seen := map[string]bool{}
	for _, r := range out.Syscalls {
		for _, n := range r.Names {
			seen[n] = true
		}
	}
	rep.Syscalls = len(seen)
	return out, rep, nil
}

func passes(a profile.Action) bool { return semantics.Permits(a) }

func act(a profile.Action, errno *uint) string { return semantics.ActionString(a, errno) }

func allNames(rs []*profile.Profile) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		for _, rule := range r.Syscalls {
			for _, n := range rule.AllNames() {
				if !seen[n] {
					seen[n] = true
					out = append(out, n)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// treatment is what one input does with one syscall: the rule that decides every call,
// else the conditional rules in order (semantics.RulesFor).
type treatment struct {
	uncond *profile.Rule
	conds  []*profile.Rule
}

func treat(r *profile.Profile, name string) treatment {
	var t treatment
	u, cs := semantics.RulesFor(r, name)
	if u >= 0 {
		t.uncond = &r.Syscalls[u]
	}
	for _, i := range cs {
		t.conds = append(t.conds, &r.Syscalls[i])
	}
	return t
}

// group collects syscalls that get the same rule.
type group struct {
	action   profile.Action
	errno    *uint
	args     []profile.Arg
	coverage []int // indexes of the inputs
	names    []string
}

func (g *group) key() string {
	return fmt.Sprintf("%s|%v|%v", act(g.action, g.errno), g.args, g.coverage)
}

func mergeAllowlists(rs []*profile.Profile, names []string, rep *Report) []profile.Rule {
	groups := map[string]*group{}
	var order []string
	add := func(g group, name string) {
		k := g.key()
		if existing, ok := groups[k]; ok {
			existing.names = append(existing.names, name)
			return
		}
		g.names = []string{name}
		groups[k] = &g
		order = append(order, k)
	}
	for _, n := range names {
		var uncondBy, condBy []int
		allLog := true
		type cond struct {
			rule *profile.Rule
			by   []int
		}
		var conds []*cond
		for i, r := range rs {
			t := treat(r, n)
			switch {
			case t.uncond != nil && passes(t.uncond.Action):
				uncondBy = append(uncondBy, i)
				allLog = allLog && t.uncond.Action == profile.ActLog
			case t.uncond == nil:
				for _, c := range t.conds {
					if !passes(c.Action) {
						continue
					}
					found := false
					for _, e := range conds {
						if e.rule.Action == c.Action && slices.Equal(e.rule.Args, c.Args) {
							if !slices.Contains(e.by, i) {
								e.by = append(e.by, i)
							}
							found = true
						}
					}
					if !found {
						conds = append(conds, &cond{rule: c, by: []int{i}})
					}
					if !slices.Contains(condBy, i) {
						condBy = append(condBy, i)
					}
				}
			}
		}
		switch {
		case len(uncondBy) > 0:
			a := profile.ActAllow
			if allLog {
				a = profile.ActLog
			}
			cov := union(uncondBy, condBy)
			if len(conds) > 0 {
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s: allowed without conditions by %s, so the conditions of %s are dropped",
					n, inputs(rep, uncondBy), inputs(rep, condBy)))
			}
			add(group{action: a, coverage: cov}, n)
		case len(conds) > 0:
			for _, c := range conds {
				add(group{action: c.rule.Action, args: c.rule.Args, coverage: c.by}, n)
			}
		default:
			mergeDenial(rs, n, rep, add)
		}
	}
	return rules(groups, order, rep, "allowed")
}

// mergeDenial keeps the first input's explicit deny rule for a syscall no input allows.
func mergeDenial(rs []*profile.Profile, n string, rep *Report, add func(group, string)) {
	var kept *profile.Rule
	var by []int
	for i, r := range rs {
		t := treat(r, n)
		rule := t.uncond
		if rule == nil && len(t.conds) > 0 {
			rule = t.conds[0]
		}
		if rule == nil || len(rule.Args) > 0 {
			continue
		}
		if act(rule.Action, rule.ErrnoRet) == act(r.DefaultAction, r.DefaultErrnoRet) {
			continue
		}
		if kept == nil {
			kept = rule
			by = append(by, i)
			continue
		}
		if act(rule.Action, rule.ErrnoRet) != act(kept.Action, kept.ErrnoRet) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s says %s, %s says %s; the merge keeps %s",
				n, rep.Inputs[by[0]], act(kept.Action, kept.ErrnoRet), rep.Inputs[i], act(rule.Action, rule.ErrnoRet), act(kept.Action, kept.ErrnoRet)))
			continue
		}
		by = append(by, i)
	}
	if kept != nil {
		add(group{action: kept.Action, errno: kept.ErrnoRet, coverage: by}, n)
	}
}

func mergeDenylists(rs []*profile.Profile, names []string, rep *Report) []profile.Rule {
	groups := map[string]*group{}
	var order []string
	all := make([]int, len(rs))
	for i := range rs {
		all[i] = i
	}
	for _, n := range names {
		var kept *profile.Rule
		everyone := true
		for i, r := range rs {
			t := treat(r, n)
			if t.uncond == nil || passes(t.uncond.Action) {
				everyone = false
				break
			}
			if kept == nil {
				kept = t.uncond
			} else if act(t.uncond.Action, t.uncond.ErrnoRet) != act(kept.Action, kept.ErrnoRet) {
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s says %s, %s says %s; the merge keeps %s",
					n, rep.Inputs[0], act(kept.Action, kept.ErrnoRet), rep.Inputs[i], act(t.uncond.Action, t.uncond.ErrnoRet), act(kept.Action, kept.ErrnoRet)))
			}
		}
		if everyone && kept != nil {
			g := group{action: kept.Action, errno: kept.ErrnoRet, coverage: all, names: []string{n}}
			k := g.key()
			if e, ok := groups[k]; ok {
				e.names = append(e.names, n)
			} else {
				groups[k], order = &g, append(order, k)
			}
			continue
		}
		// Conditional denials every input has.
		t0 := treat(rs[0], n)
		for _, c := range t0.conds {
			if passes(c.Action) {
				continue
			}
			inAll := true
			for _, r := range rs[1:] {
				inAll = inAll && slices.ContainsFunc(treat(r, n).conds, func(o *profile.Rule) bool {
					return o.Action == c.Action && slices.Equal(o.Args, c.Args) && act(o.Action, o.ErrnoRet) == act(c.Action, c.ErrnoRet)
				})
			}
			if inAll {
				g := group{action: c.Action, errno: c.ErrnoRet, args: c.Args, coverage: all, names: []string{n}}
				groups[g.key()+n], order = &g, append(order, g.key()+n)
			}
		}
	}
	return rules(groups, order, rep, "denied")
}

func union(a, b []int) []int {
	out := append(slices.Clone(a), b...)
	sort.Ints(out)
	return slices.Compact(out)
}

func inputs(rep *Report, idx []int) string {
	var s []string
	for _, i := range idx {
		s = append(s, rep.Inputs[i])
	}
	return strings.Join(s, ", ")
}

// rules turns groups into rules: unconditional ones by coverage, widest first, then
// conditional ones, then denials.
func rules(groups map[string]*group, order []string, rep *Report, verb string) []profile.Rule {
	gs := make([]*group, 0, len(order))
	for _, k := range order {
		gs = append(gs, groups[k])
	}
	rank := func(g *group) int {
		switch {
		case !passes(g.action) && verb == "allowed":
			return 2
		case len(g.args) > 0:
			return 1
		}
		return 0
	}
	sort.SliceStable(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if len(a.coverage) != len(b.coverage) {
			return len(a.coverage) > len(b.coverage)
		}
		return slices.Compare(a.coverage, b.coverage) < 0
	})
	var out []profile.Rule
	n := len(rep.Inputs)
	for _, g := range gs {
		sort.Strings(g.names)
		word := verb
		if !passes(g.action) && verb == "allowed" {
			word = "denied"
		}
		comment := fmt.Sprintf("%s by all %d inputs", word, n)
		if n == 1 {
			comment = fmt.Sprintf("%s by the input", word)
		} else if len(g.coverage) < n {
			comment = fmt.Sprintf("%s by %d of %d inputs: %s", word, len(g.coverage), n, inputs(rep, g.coverage))
		}
		out = append(out, profile.Rule{Names: g.names, Action: g.action, ErrnoRet: g.errno, Args: g.args, Comment: comment})
	}
	return out
}
