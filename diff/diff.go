// Package diff compares seccomp profiles: what changed between two versions and the risk
// of what was added (Diff), and how much narrower a profile is than a baseline such as
// the runtime's default, by category of syscall (Compare).
package diff

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Options say for which container the profiles are compared.
type Options struct {
	// Arches are the node architectures to compare on; empty means those of both
	// profiles.
	Arches []syscalls.Arch
	// Caps is the container's capability set for includes/excludes; nil means
	// profile.DefaultCaps().
	Caps []string
	// Lint are the options of the lint run whose new findings Diff reports; Arches and
	// Caps are copied from above.
	Lint lint.Options
}

// Result is the difference between two profiles.
type Result struct {
	Old string `json:"old"`
	New string `json:"new"`
	// DefaultAction is set when it changed: it decides every syscall neither profile
	// names, which the per-syscall lists leave out.
	DefaultAction *Change `json:"defaultAction,omitempty"`
	Flags         *Change `json:"flags,omitempty"`
	// Arches holds the per-syscall changes; architectures with identical changes share
	// one entry.
	Arches []ArchResult `json:"arches"`
	// Risks are dangerous syscalls (lint's catalogue, SC4001) that the new profile lets
	// through where the old one did not.
	Risks []Risk `json:"risks"`
	// NewFindings are lint findings of the new profile that the old one did not have.
	NewFindings []lint.Finding `json:"newFindings"`
	Different   bool           `json:"different"`
}

// Change is an old and a new value.
type Change struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// ArchResult is what changed on some architectures.
type ArchResult struct {
	Arches []string `json:"arches"`
	// Added lists, per action, the syscalls that now get it unconditionally; Removed
	// those that no longer do.
	Added   []ActionSet     `json:"added,omitempty"`
	Removed []ActionSet     `json:"removed,omitempty"`
	Changed []SyscallChange `json:"changed,omitempty"`
}

func (a *ArchResult) empty() bool { return len(a.Added)+len(a.Removed)+len(a.Changed) == 0 }

// ActionSet is an action and syscalls.
type ActionSet struct {
	Action   string   `json:"action"`
	Syscalls []string `json:"syscalls"`
}

// SyscallChange is a syscall whose conditions or conditional actions changed.
type SyscallChange struct {
	Syscall string `json:"syscall"`
	Old     string `json:"old"`
	New     string `json:"new"`
}

// Risk is a dangerous syscall the new profile lets through.
type Risk struct {
	Syscall  string        `json:"syscall"`
	Severity lint.Severity `json:"severity"`
	Reason   string        `json:"reason"`
	// Partly is true when only some calls get through (conditions).
	Partly bool `json:"partly,omitempty"`
}

// Diff compares old and new.
func Diff(old, new *profile.Profile, opts Options) (*Result, error) {
	caps := opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	res := &Result{Old: name(old), New: name(new), Arches: []ArchResult{}, Risks: []Risk{}, NewFindings: []lint.Finding{}}
	if a, b := semantics.ActionString(old.DefaultAction, old.DefaultErrnoRet), semantics.ActionString(new.DefaultAction, new.DefaultErrnoRet); a != b {
		res.DefaultAction = &Change{a, b}
	}
	if a, b := fmt.Sprint(old.Flags), fmt.Sprint(new.Flags); a != b {
		res.Flags = &Change{a, b}
	}
	arches := opts.Arches
	if len(arches) == 0 {
		arches = archesOf(old, new)
	}
	groups := map[string]int{}
	risky := map[string]*Risk{}
	for _, arch := range arches {
		ov, err := newView(old, arch, caps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", res.Old, err)
		}
		nv, err := newView(new, arch, caps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", res.New, err)
		}
		ar := diffViews(ov, nv)
		for _, n := range namesOf(ov, nv) {
			ot, nt := ov.get(n), nv.get(n)
			if nt.passes == "none" || ot.passes == "all" || (ot.passes == nt.passes) {
				continue
			}
			if reason, ok := syscalls.Dangerous(n); ok {
				risky[n] = &Risk{Syscall: n, Severity: lint.DangerousSeverity(n), Reason: reason, Partly: nt.passes == "some"}
			}
		}
		if ar.empty() {
			continue
		}
		key, _ := json.Marshal(ar)
		if i, ok := groups[string(key)]; ok {
			res.Arches[i].Arches = append(res.Arches[i].Arches, arch.String())
			continue
		}
		ar.Arches = []string{arch.String()}
		groups[string(key)] = len(res.Arches)
		res.Arches = append(res.Arches, ar)
	}
	for _, r := range risky {
		res.Risks = append(res.Risks, *r)
	}
	sort.Slice(res.Risks, func(i, j int) bool {
		if res.Risks[i].Severity != res.Risks[j].Severity {
			return res.Risks[i].Severity > res.Risks[j].Severity
		}
		return res.Risks[i].Syscall < res.Risks[j].Syscall
	})
	lo := opts.Lint
	lo.Arches, lo.Caps = opts.Arches, opts.Caps
	if err := newFindings(res, old, new, lo); err != nil {
		return nil, err
	}
	res.Different = res.DefaultAction != nil || res.Flags != nil || len(res.Arches) > 0
	return res, nil
}

func name(p *profile.Profile) string {
	if p.Source != nil {
		return p.Source.File
	}
	return "profile"
}

func namesOf(vs ...*view) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.named...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func diffViews(ov, nv *view) ArchResult {
	added, removed := map[string][]string{}, map[string][]string{}
	var ar ArchResult
	for _, n := range namesOf(ov, nv) {
		ot, nt := ov.get(n), nv.get(n)
		if ot.String() == nt.String() {
			continue
		}
		if ot.uncond != "" && nt.uncond != "" {
			removed[ot.uncond] = append(removed[ot.uncond], n)
			added[nt.uncond] = append(added[nt.uncond], n)
			continue
		}
		ar.Changed = append(ar.Changed, SyscallChange{Syscall: n, Old: ot.String(), New: nt.String()})
	}
	ar.Added, ar.Removed = actionSets(added), actionSets(removed)
	return ar
}

func actionSets(m map[string][]string) []ActionSet {
	var out []ActionSet
	for a, names := range m {
		out = append(out, ActionSet{Action: a, Syscalls: names})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Action < out[j].Action })
	return out
}

// newFindings sets res.NewFindings: findings of new whose rule, syscall and message old
// does not have (positions differ between files, so they are not compared).
func newFindings(res *Result, old, new *profile.Profile, lo lint.Options) error {
	of, err := lint.Lint(old, lo)
	if err != nil {
		return err
	}
	nf, err := lint.Lint(new, lo)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range of {
		seen[f.Rule+"|"+f.Syscall+"|"+f.Message] = true
	}
	for _, f := range nf {
		if !seen[f.Rule+"|"+f.Syscall+"|"+f.Message] {
			res.NewFindings = append(res.NewFindings, f)
		}
	}
	return nil
}
