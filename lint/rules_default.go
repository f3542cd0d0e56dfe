package lint

// SC5xxx: the default action and how the profile compares with the runtime default.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

var sc5001 = &Rule{
	ID: "SC5001", Name: "default-allow", Severity: Warning,
	Summary: "defaultAction allows everything not listed: the profile is a denylist.",
	Why: "A denylist stays open to every syscall it forgot and every syscall added to the kernel later; " +
		"it does not shrink the kernel's attack surface the way an allowlist does.",
	Fix:   "Record the workload (seccompctl record) and use SCMP_ACT_ERRNO as defaultAction with an allowlist.",
	check: checkDefaultAllow,
}

func checkDefaultAllow(ps *pass) {
	if ps.p.DefaultAction != profile.ActAllow {
		return
	}
	var open []string
	for _, c := range ps.ctxs {
		for _, d := range syscalls.DangerList() {
			if c.has(d.Name) && c.verdict(d.Name).state == allowed && !slices.Contains(open, d.Name) {
				open = append(open, d.Name)
			}
		}
	}
	msg := "defaultAction SCMP_ACT_ALLOW allows every syscall the rules do not name"
	if len(open) > 0 {
		msg += fmt.Sprintf(", including %d dangerous ones (%s)", len(open), clip(open, 8))
	}
	ps.report("defaultAction", "", "%s", msg)
}

var sc5002 = &Rule{
	ID: "SC5002", Name: "default-log", Severity: Warning,
	Summary: "defaultAction SCMP_ACT_LOG blocks nothing.",
	Why: "SCMP_ACT_LOG allows every call and writes an audit record for it: it is a recording mode, not a " +
		"protection, and logging every syscall made a syscall-heavy workload (dd with 1-byte blocks) about " +
		"21x slower on this project's test machine.",
	Fix:   "Use it only to record; ship the allowlist built from the records with SCMP_ACT_ERRNO as default.",
	check: checkDefaultLog,
}

func checkDefaultLog(ps *pass) {
	if ps.p.DefaultAction == profile.ActLog {
		ps.report("defaultAction", "", "defaultAction SCMP_ACT_LOG allows and logs every syscall the rules do not name: a recording mode, not a protection")
	}
}

var sc5003 = &Rule{
	ID: "SC5003", Name: "more-permissive-than-default", Severity: Warning,
	Summary: "The profile allows syscalls the runtime's default profile denies.",
	Why: "A custom profile should be narrower than RuntimeDefault, not wider: each of these syscalls is one " +
		"the runtime maintainers chose to block for every container.",
	Fix:   "Remove them unless the workload needs them; compare with `seccompctl compare`.",
	check: checkMorePermissive,
}

func checkMorePermissive(ps *pass) {
	type group struct {
		path  string
		names []string
	}
	groups := map[string]*group{}
	var order []string
	for _, c := range ps.ctxs {
		base, err := ps.baselineCtx(c.arch)
		if err != nil {
			continue
		}
		var candidates []string
		if passes(c.def) {
			for _, e := range syscalls.Table(c.arch) {
				candidates = append(candidates, e.Name)
			}
		} else {
			candidates = c.names()
		}
		for _, n := range candidates {
			if !syscalls.Exists(c.arch, n) {
				continue
			}
			v := c.verdict(n)
			if v.state == denied || base.verdict(n).state != denied {
				continue
			}
			path := ps.decidingPath(v, n)
			if v.uncond == nil && len(v.conds) > 0 {
				for _, cr := range v.conds {
					if passes(cr.rule.Action) {
						path = ps.namePath(cr.orig, n)
						break
					}
				}
			}
			if v.uncond != nil {
				path = fmt.Sprintf("syscalls[%d]", v.uncond.orig)
			} else if strings.HasPrefix(path, "syscalls[") {
				path = path[:strings.Index(path, "]")+1]
			}
			g, ok := groups[path]
			if !ok {
				g = &group{path: path}
				groups[path] = g
				order = append(order, path)
			}
			if !slices.Contains(g.names, n) {
				g.names = append(g.names, n)
			}
		}
	}
	for _, k := range order {
		g := groups[k]
		ps.report(g.path, g.names[0], "allows %d syscall%s the runtime default denies to a container with the default capabilities: %s",
			len(g.names), plural(len(g.names) == 1, "", "s"), clip(g.names, 10))
	}
}

var sc5004 = &Rule{
	ID: "SC5004", Name: "default-kill-thread", Severity: Warning,
	Summary: "defaultAction kills only the calling thread.",
	Why: "SCMP_ACT_KILL (the same as SCMP_ACT_KILL_THREAD) ends the thread that made the call; the other " +
		"threads keep running, so a multi-threaded program can hang instead of failing.",
	Fix:   "Use SCMP_ACT_ERRNO (programs see EPERM and can report it) or SCMP_ACT_KILL_PROCESS.",
	check: checkDefaultKillThread,
}

func checkDefaultKillThread(ps *pass) {
	if a := ps.p.DefaultAction; a == profile.ActKill || a == profile.ActKillThread {
		ps.report("defaultAction", "", "defaultAction %s kills only the calling thread; other threads keep running", a)
	}
}
