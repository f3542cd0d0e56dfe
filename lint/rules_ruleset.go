package lint

// SC7xxx: the rule set as a whole: duplicates, conflicts, rules without effect, a
// profile allowing nothing.

import (
	"fmt"
	"slices"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
)

var sc7001 = &Rule{
	ID: "SC7001", Name: "duplicate-rule", Severity: Warning,
	Summary: "The same syscall appears twice with the same action and conditions.",
	Why:     "Duplicates make a profile harder to review and diff, and hide which rule was meant to be edited.",
	Fix:     "Keep one of them.",
	check:   nil, // reported by checkRuleSets
}

var sc7002 = &Rule{
	ID: "SC7002", Name: "conflicting-actions", Severity: Warning,
	Summary: "The same syscall has rules with the same conditions (or none) and different actions.",
	Why: "Without conditions only the first rule takes effect (libseccomp keeps it and silently drops the " +
		"others), so reordering the file changes the behaviour. With identical conditions libseccomp " +
		"refuses the second rule with EEXIST and runc and crun fail to start the container: such findings " +
		"are reported as errors. Both measured with runc 1.1.5 and crun 1.8.1.",
	Fix:   "Decide which action the syscall gets and remove it from the other rule.",
	check: checkRuleSets,
}

// checkRuleSets reports duplicates (SC7001) and conflicting actions (SC7002).
func checkRuleSets(ps *pass) {
	for _, c := range ps.ctxs {
		type first struct {
			orig   int
			action profile.Action
			errno  int
		}
		byConds := map[string]first{} // syscall + conditions → first rule
		exact := map[string]int{}
		for _, cr := range c.rules {
			argKey := fmt.Sprint(cr.rule.Args)
			ruleKey := fmt.Sprintf("|%s|%d|%s", cr.rule.Action, errnoOf(cr.rule.ErrnoRet), argKey)
			for _, n := range cr.rule.AllNames() {
				key := n + ruleKey
				if o, dup := exact[key]; dup && o != cr.orig {
					ps.ruleAs("SC7001", func() {
						ps.report(ps.namePath(cr.orig, n), n, "%s already has this action and these conditions in syscalls[%d]", n, o)
					})
					continue
				}
				exact[key] = cr.orig
				ck := n + "|" + argKey
				f, ok := byConds[ck]
				if !ok {
					byConds[ck] = first{cr.orig, cr.rule.Action, errnoOf(cr.rule.ErrnoRet)}
					continue
				}
				if f.action == cr.rule.Action && f.errno == errnoOf(cr.rule.ErrnoRet) {
					continue
				}
				this := actionWithErrno(cr.rule.Action, errnoOf(cr.rule.ErrnoRet))
				if len(cr.rule.Args) == 0 {
					ps.report(ps.namePath(cr.orig, n), n, "%s is already %s in syscalls[%d], which wins: this %s rule never applies",
						n, actionWithErrno(f.action, f.errno), f.orig, this)
					continue
				}
				ps.reportSev(Error, ps.namePath(cr.orig, n), n,
					"%s has the same conditions as syscalls[%d] with another action (%s there, %s here): runc and crun refuse the profile (\"file exists\") and the container cannot start",
					n, f.orig, actionWithErrno(f.action, f.errno), this)
			}
		}
	}
}

// actionWithErrno is semantics.ActionString for an errno given as errnoOf's int.
func actionWithErrno(a profile.Action, errno int) string {
	if errno < 0 {
		return semantics.ActionString(a, nil)
	}
	e := uint(errno)
	return semantics.ActionString(a, &e)
}

var sc7003 = &Rule{
	ID: "SC7003", Name: "rule-without-effect", Severity: Warning,
	Summary: "A rule's action equals defaultAction, so it changes nothing.",
	Why:     "runc drops such rules before building the filter; they only add noise and false confidence.",
	Fix:     "Remove the rule, or give it the action you meant.",
	check:   checkNoEffect,
}

func checkNoEffect(ps *pass) {
	p := ps.p
	for i := range p.Syscalls {
		r := &p.Syscalls[i]
		if r.Action != p.DefaultAction || errnoOf(r.ErrnoRet) != errnoOf(p.DefaultErrnoRet) {
			continue
		}
		// A rule equal to the default can still matter when another rule names the
		// same syscall with a different action (it may come first and win).
		other := false
		for k := range p.Syscalls {
			o := &p.Syscalls[k]
			if k == i || (o.Action == r.Action && errnoOf(o.ErrnoRet) == errnoOf(r.ErrnoRet)) {
				continue
			}
			for _, n := range r.AllNames() {
				other = other || slices.Contains(o.AllNames(), n)
			}
		}
		if other {
			continue
		}
		ps.report(fmt.Sprintf("syscalls[%d].action", i), "", "this rule's action %s is defaultAction: it changes nothing for %s",
			actionWithErrno(r.Action, errnoOf(r.ErrnoRet)), clip(r.AllNames(), 4))
	}
}

var sc7004 = &Rule{
	ID: "SC7004", Name: "allows-nothing", Severity: Error,
	Summary: "The profile allows no syscall at all.",
	Why:     "Not even the runtime can exec the workload: the container cannot start.",
	Fix:     "Record the workload and list what it needs with SCMP_ACT_ALLOW.",
	check:   checkAllowsNothing,
}

func checkAllowsNothing(ps *pass) {
	if passes(ps.p.DefaultAction) || ps.p.DefaultAction == profile.ActNotify {
		return
	}
	for _, r := range ps.p.Syscalls {
		if passes(r.Action) || r.Action == profile.ActNotify {
			return
		}
	}
	ps.report("defaultAction", "", "no rule allows anything and defaultAction is %s: nothing can run under this profile", ps.p.DefaultAction)
}
