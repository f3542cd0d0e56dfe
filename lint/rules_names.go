package lint

// SC1xxx: syscall names: a name must exist, and exist on every architecture it is
// used on.

import (
	"fmt"
	"slices"

	"github.com/seccompctl/seccompctl/syscalls"
)

var sc1001 = &Rule{
	ID: "SC1001", Name: "unknown-syscall", Severity: Error,
	Summary: "A rule names a syscall that exists on no architecture.",
	Why: "runc and crun skip names they do not know without a word (measured: both start the container), " +
		"so a typo silently leaves the syscall you meant under the default action.",
	Fix:   "Correct the name; the message suggests the nearest real ones.",
	check: checkUnknownSyscall,
}

func checkUnknownSyscall(ps *pass) {
	arch := syscalls.Native()
	if len(ps.ctxs) > 0 {
		arch = ps.ctxs[0].arch
	}
	for i := range ps.p.Syscalls {
		for _, n := range ps.p.Syscalls[i].AllNames() {
			if n == "" || syscalls.Known(n) {
				continue
			}
			msg := fmt.Sprintf("%q is not a syscall on any architecture", n)
			if s := syscalls.Suggest(arch, n); len(s) > 0 {
				msg += fmt.Sprintf("; did you mean %s?", joinList(quoteAll(s)))
			} else if s := syscalls.Suggest(syscalls.ArchInvalid, n); len(s) > 0 {
				msg += fmt.Sprintf("; did you mean %s?", joinList(quoteAll(s)))
			}
			ps.report(ps.namePath(i, n), n, "%s (runtimes skip unknown names silently)", msg)
		}
	}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

var sc1002 = &Rule{
	ID: "SC1002", Name: "syscall-missing-on-arch", Severity: Warning,
	Summary: "A syscall the profile names does not exist on an architecture it is used on.",
	Why: "Newer architectures (aarch64, riscv64, loongarch64) dropped legacy calls: open, stat, access, " +
		"dup2, epoll_wait, poll, select, pipe, getdents... Programs there call the replacement " +
		"(openat, newfstatat, faccessat, dup3, epoll_pwait, ppoll, pselect6, pipe2, getdents64). " +
		"A profile recorded on x86_64 that lists only the legacy name denies the replacement on arm64 nodes.",
	Fix: "Allow the replacement named in the message as well, or record the profile on each architecture " +
		"and merge the results (seccompctl merge).",
	check: checkMissingOnArch,
}

func checkMissingOnArch(ps *pass) {
	explicit := len(ps.opts.Arches) > 0
	type key struct {
		orig int
		name string
	}
	missing := map[key][]*archCtx{}
	var order []key
	for _, c := range ps.ctxs {
		for _, cr := range c.rules {
			for _, n := range cr.rule.AllNames() {
				if !syscalls.Known(n) || c.has(n) {
					continue
				}
				k := key{cr.orig, n}
				if _, ok := missing[k]; !ok {
					order = append(order, k)
				}
				missing[k] = append(missing[k], c)
			}
		}
	}
	for _, k := range order {
		ctxs := missing[k]
		var lacking []string
		var replacements []string
		allowedRepl := true
		for _, c := range ctxs {
			lacking = append(lacking, c.arch.String())
			r, ok := syscalls.Replacement(k.name)
			if !ok || !c.has(r) {
				allowedRepl = false
				continue
			}
			if !slices.Contains(replacements, r) {
				replacements = append(replacements, r)
			}
			v := c.verdict(r)
			rule := &ps.p.Syscalls[k.orig]
			if passes(rule.Action) != (v.state != denied) {
				allowedRepl = false
			}
		}
		everywhere := len(ctxs) == len(ps.ctxs)
		switch {
		case len(replacements) > 0 && allowedRepl:
			if explicit {
				ps.reportSev(Info, ps.namePath(k.orig, k.name), k.name,
					"%q does not exist on %s; its replacement %s gets the same action there", k.name, joinList(lacking), joinList(quoteAll(replacements)))
			}
		case len(replacements) > 0:
			treat := "does not allow"
			if !passes(ps.p.Syscalls[k.orig].Action) {
				treat = "allows"
			}
			ps.report(ps.namePath(k.orig, k.name), k.name,
				"%q does not exist on %s, where programs call %s instead, which this profile %s",
				k.name, joinList(lacking), joinList(quoteAll(replacements)), treat)
		case !passes(ps.p.Syscalls[k.orig].Action):
			// Denying a call that does not exist there changes nothing.
		case explicit || everywhere:
			where := joinList(lacking)
			if everywhere && !explicit {
				where = "any of the profile's architectures (" + where + ")"
			}
			ps.report(ps.namePath(k.orig, k.name), k.name, "%q does not exist on %s: this entry has no effect there", k.name, where)
		}
	}
}
