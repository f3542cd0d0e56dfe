package lint

// SC8xxx: what the profile's programs can do, found by static analysis (lint --binary).

import "slices"

var sc8001 = &Rule{
	ID: "SC8001", Name: "reachable-denied", Severity: Info,
	Summary: "A program the profile is for can reach a syscall the profile denies (lint --binary).",
	Why: "A recorded profile allows what one run did. Static analysis of the program (seccompctl analyze) finds " +
		"the calls its code can make; one the profile denies is a path that breaks under the profile the day " +
		"it runs: a background save that forks, a large file sent with sendfile. It may also be a path the " +
		"program never takes in this deployment, which is why this is information, not a warning.",
	Fix: "Allow the syscall if that path can run (record --complete static adds such calls with the reason), " +
		"or keep it denied on purpose.",
	check: checkReachableDenied,
}

func checkReachableDenied(ps *pass) {
	for _, c := range ps.ctxs {
		for _, r := range ps.opts.Reachable {
			if !slices.Contains(c.family, r.Arch) || !c.has(r.Name) {
				continue
			}
			v := c.verdict(r.Name)
			if v.state != denied {
				continue
			}
			ps.report(ps.decidingPath(v, r.Name), r.Name, "%s can make %s (%s), which the profile denies", r.Binary, r.Name, r.Why)
		}
	}
}
