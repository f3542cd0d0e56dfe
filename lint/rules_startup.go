package lint

// SC2xxx: what the container needs to start and stop: the runtime's own calls after
// the filter is installed, exit.

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

var sc2001 = &Rule{
	ID: "SC2001", Name: "runtime-needs-denied", Severity: Error,
	Summary: "The profile denies syscalls the OCI runtime makes after installing the filter: the container cannot start.",
	Why: "runc and crun install the filter inside the container's init process and then still work: " +
		"check /proc/self/fd (fstatfs, getdents64), switch user and drop capabilities (when no_new_privs " +
		"is false), exec the workload (execve). Each of these goes through the profile. Measured on " +
		"runc 1.1.5 and crun 1.8.1 (docs/runtime-syscalls.md); runc fails with messages like " +
		"\"ensure /proc/self/fd is on procfs: operation not permitted\" that do not mention seccomp.",
	Fix: "Allow the syscalls listed in the message (seccompctl record --runtime adds them), or lint with " +
		"--no-new-privs if the pod sets allowPrivilegeEscalation: false.",
	check: checkRuntimeNeeds,
}

func checkRuntimeNeeds(ps *pass) {
	type group struct {
		path, runtime string
		names         []string
		sev           Severity
	}
	groups := map[string]*group{}
	var order []string
	for _, c := range ps.ctxs {
		needs := ps.runtimeNeeds(c.arch)
		names := make([]string, 0, len(needs))
		for n := range needs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := c.verdict(n)
			if v.state == allowed {
				continue
			}
			sev := Error
			path := ps.decidingPath(v, n)
			if v.state == conditional {
				sev = Warning
				if v.uncond == nil && len(v.conds) > 0 {
					path = ps.namePath(v.conds[0].orig, n)
				}
			}
			for _, rt := range needs[n] {
				sev := sev
				if _, ok := syscalls.ENOSYSFallback(n); ok && v.stub && strings.HasPrefix(rt, "runc ") {
					// runc's stub answers ENOSYS, which is how the runtime learns that
					// the kernel lacks the call and falls back (measured: runc 1.1.5
					// starts under Docker 19.03's default, which predates faccessat2).
					sev = Info
				}
				gk := fmt.Sprintf("%s|%s|%d", path, rt, sev)
				g, ok := groups[gk]
				if !ok {
					g = &group{path: path, runtime: rt, sev: sev}
					groups[gk] = g
					order = append(order, gk)
				}
				if !slices.Contains(g.names, n) {
					g.names = append(g.names, n)
				}
			}
		}
	}
	nnp := "no_new_privs=false"
	if ps.opts.NoNewPrivs {
		nnp = "no_new_privs=true"
	}
	for _, gk := range order {
		g := groups[gk]
		switch g.sev {
		case Info:
			ps.reportSev(Info, g.path, g.names[0],
				"%s calls %s after installing the filter (%s): newer than every syscall the profile names, so runc's stub answers ENOSYS and the runtime falls back to %s",
				g.runtime, joinList(g.names), nnp, joinList(fallbacks(g.names)))
		case Error:
			ps.reportSev(Error, g.path, g.names[0],
				"%s calls %s after installing the filter (%s), and the profile denies %s: the container cannot start",
				g.runtime, joinList(g.names), nnp, pronoun(len(g.names)))
		default:
			ps.reportSev(Warning, g.path, g.names[0],
				"%s calls %s after installing the filter (%s), and the profile allows %s only under conditions the runtime's calls may not meet",
				g.runtime, joinList(g.names), nnp, pronoun(len(g.names)))
		}
	}
}

// fallbacks returns the calls names fall back to on ENOSYS.
func fallbacks(names []string) []string {
	var out []string
	for _, n := range names {
		if f, ok := syscalls.ENOSYSFallback(n); ok && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func plural(one bool, a, b string) string {
	if one {
		return a
	}
	return b
}

func pronoun(n int) string { return plural(n == 1, "it", "them") }

var sc2002 = &Rule{
	ID: "SC2002", Name: "exit-denied", Severity: Error,
	Summary: "exit or exit_group is not allowed.",
	Why: "A process that cannot exit keeps running after main returns, or retries forever; kubelet " +
		"then restarts the container in an endless loop (kubernetes issue 85191).",
	Fix:   "Allow exit and exit_group unconditionally.",
	check: checkExitDenied,
}

func checkExitDenied(ps *pass) {
	for _, c := range ps.ctxs {
		for _, n := range []string{"exit", "exit_group"} {
			if !c.has(n) {
				continue
			}
			v := c.verdict(n)
			switch v.state {
			case denied:
				ps.report(ps.decidingPath(v, n), n, "%s is denied (%s): processes cannot end and kubelet restarts the container in a loop", n, v.action)
			case conditional:
				ps.report(ps.namePath(v.conds[0].orig, n), n, "%s is allowed only under conditions: every exit must get through", n)
			}
		}
	}
}
