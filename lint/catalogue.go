package lint

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Rule is one check of the catalogue. IDs never change meaning; a retired rule's ID is
// not reused.
type Rule struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Severity Severity `json:"severity"`
	// Summary is one line; Why and Fix are the long form `lint --explain` prints.
	Summary string `json:"summary"`
	Why     string `json:"why"`
	Fix     string `json:"fix"`
	check   func(*pass)
}

// Rules returns the catalogue in ID order.
func Rules() []*Rule { return slices.Clone(catalogue) }

// Lookup returns the rule with id (case-insensitive).
func Lookup(id string) (*Rule, bool) {
	for _, r := range catalogue {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return nil, false
}

var catalogue []*Rule

func init() {
	catalogue = []*Rule{
		{
			ID: "SC1001", Name: "unknown-syscall", Severity: Error,
			Summary: "A rule names a syscall that exists on no architecture.",
			Why: "runc and crun skip names they do not know without a word (measured: both start the container), " +
				"so a typo silently leaves the syscall you meant under the default action.",
			Fix:   "Correct the name; the message suggests the nearest real ones.",
			check: checkUnknownSyscall,
		},
		{
			ID: "SC1002", Name: "syscall-missing-on-arch", Severity: Warning,
			Summary: "A syscall the profile names does not exist on an architecture it is used on.",
			Why: "Newer architectures (aarch64, riscv64, loongarch64) dropped legacy calls: open, stat, access, " +
				"dup2, epoll_wait, poll, select, pipe, getdents... Programs there call the replacement " +
				"(openat, newfstatat, faccessat, dup3, epoll_pwait, ppoll, pselect6, pipe2, getdents64). " +
				"A profile recorded on x86_64 that lists only the legacy name denies the replacement on arm64 nodes.",
			Fix: "Allow the replacement named in the message as well, or record the profile on each architecture " +
				"and merge the results (seccompctl merge).",
			check: checkMissingOnArch,
		},
		{
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
		},
		{
			ID: "SC2002", Name: "exit-denied", Severity: Error,
			Summary: "exit or exit_group is not allowed.",
			Why: "A process that cannot exit keeps running after main returns, or retries forever; kubelet " +
				"then restarts the container in an endless loop (kubernetes issue 85191).",
			Fix:   "Allow exit and exit_group unconditionally.",
			check: checkExitDenied,
		},
		{
			ID: "SC3001", Name: "pointer-argument", Severity: Error,
			Summary: "A condition tests an argument that is a pointer (a path, a buffer, a struct).",
			Why: "seccomp sees the six raw argument registers, never the memory they point to. A condition on " +
				"a path argument compares the address of the string, which changes from call to call: the " +
				"rule matches at random or never. Comparing a pointer with 0 (NULL) is the only meaningful test.",
			Fix: "Test a non-pointer argument (the message names the syscall's arguments), or enforce path " +
				"rules with a read-only root filesystem, mounts, or an LSM (AppArmor, SELinux, Landlock).",
			check: checkArgs,
		},
		{
			ID: "SC3002", Name: "wrong-flags-argument", Severity: Error,
			Summary: "A condition meant for a syscall's flags tests another argument.",
			Why: "Flags sit at different positions: open(path, flags, mode) has them at index 1, openat(dirfd, " +
				"path, flags, mode) at index 2, and openat2 and clone3 have none: their flags are inside a struct " +
				"passed by pointer, which seccomp cannot read. A rule naming open and openat with one condition " +
				"on index 1 tests openat's path pointer.",
			Fix:   "Split the rule per syscall and put the condition on the index the message gives.",
			check: nil, // reported by checkArgs
		},
		{
			ID: "SC3003", Name: "condition-never-matches", Severity: Error,
			Summary: "An argument condition can never hold, so the rule never applies.",
			Why: "In the OCI and Docker formats SCMP_CMP_MASKED_EQ means (arg & value) == valueTwo: value is the " +
				"mask and valueTwo the expected result. An expected result with bits outside the mask can never hold " +
				"as written; libseccomp (and so runc) silently drops those bits and tests (arg & value) == " +
				"(valueTwo & value), which is a different rule from the one in the file. SCMP_CMP_LT 0 never holds.",
			Fix:   "Swap value and valueTwo if they were written the libseccomp way round, or fix the values.",
			check: nil, // reported by checkArgs
		},
		{
			ID: "SC3004", Name: "condition-always-matches", Severity: Warning,
			Summary: "An argument condition always holds, so the rule is unconditional in disguise.",
			Why:     "SCMP_CMP_MASKED_EQ with mask 0 and expected value 0, SCMP_CMP_GE 0 or SCMP_CMP_LE 2^64-1 match every value.",
			Fix:     "Write the condition you meant, or drop it and say so.",
			check:   nil, // reported by checkArgs
		},
		{
			ID: "SC3005", Name: "partial-access-mode", Severity: Warning,
			Summary: "A read-only test on open flags checks only one bit of the access mode.",
			Why: "The access mode is the two low bits of the flags: O_RDONLY 0, O_WRONLY 1, O_RDWR 2. " +
				"(flags & 2) == 0 holds for O_RDONLY and for O_WRONLY, so a \"read-only\" rule written that way still " +
				"allows opening files for writing.",
			Fix:   `Test the whole access mode: {"op": "SCMP_CMP_MASKED_EQ", "value": 3, "valueTwo": 0} (O_ACCMODE, O_RDONLY).`,
			check: nil, // reported by checkArgs
		},
		{
			ID: "SC3006", Name: "argument-index-out-of-range", Severity: Error,
			Summary: "A condition tests an argument index the syscall does not have.",
			Why: "The filter still reads that register: it holds whatever the caller left there, so the rule " +
				"matches at random.",
			Fix:   "Use an index below the syscall's argument count (the message lists its arguments).",
			check: nil, // reported by checkArgs
		},
		{
			ID: "SC3007", Name: "shadowed-conditional-rule", Severity: Warning,
			Summary: "A conditional rule can never decide because an unconditional rule names the same syscall.",
			Why: "libseccomp keeps the unconditional rule for a syscall and drops conditional ones, whatever the " +
				"order (measured with runc 1.1.5 and crun 1.8.1): the condition the author wrote has no effect.",
			Fix:   "Remove the syscall from the unconditional rule, or drop the conditional rule.",
			check: checkShadowed,
		},
		{
			ID: "SC3008", Name: "socket-family-too-narrow", Severity: Warning,
			Summary: "socket is allowed only for some address families that common programs need.",
			Why: "Allowing only AF_INET denies AF_UNIX (local sockets: nscd, syslog, D-Bus), AF_INET6 and " +
				"AF_NETLINK, which glibc's getaddrinfo opens when AI_ADDRCONFIG is set: name resolution and " +
				"logging fail in ways that look like network problems.",
			Fix:   "Add the families the program uses (record it), typically AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK.",
			check: checkSocketFamilies,
		},
		{
			ID: "SC3009", Name: "same-argument-ored", Severity: Warning,
			Summary: "Two conditions of one rule test the same argument: runtimes OR them.",
			Why: "A rule's conditions are meant to all hold, but runc and crun add each condition on an argument " +
				"that is already tested as a separate libseccomp rule, so they are OR'd (measured with runc 1.1.5 " +
				"and crun 1.8.1: [arg1 == 3, arg1 == 4] matches a call with arg1 == 3). A range written as " +
				"[arg >= 1, arg <= 10] matches every value.",
			Fix: "Use one condition per argument (SCMP_CMP_MASKED_EQ can test several bits at once), or split " +
				"the values into separate rules, which is what the runtime does anyway.",
			check: nil, // reported by checkArgs
		},
		{
			ID: "SC4001", Name: "dangerous-syscall", Severity: Error,
			Summary: "A dangerous syscall is allowed without conditions that narrow it.",
			Why: "Some syscalls act on the whole host (load modules, set the clock, reboot, swap), open a large " +
				"kernel attack surface (bpf, perf_event_open, userfaultfd, io_uring), or reach other processes " +
				"and namespaces (ptrace, process_vm_*, setns, unshare, mount). Each finding gives the reason. " +
				"Severity error means no runtime default profile allows it to an unprivileged container; warning " +
				"means a capability the container lacks by default is the other wall.",
			Fix: "Remove the syscall unless the workload truly needs it; if it does, narrow it with argument " +
				"conditions or move it to a rule with includes.caps so it applies only with the capability.",
			check: checkDangerous,
		},
		{
			ID: "SC4002", Name: "clone-namespace-flags", Severity: Warning,
			Summary: "clone or clone3 is allowed with any flags, including those that create namespaces.",
			Why: "CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET and the other CLONE_NEW* flags create namespaces; a user " +
				"namespace gives the process a full capability set over much of the kernel's attack surface. moby's " +
				"default allows clone only when (flags & 0x7E020000) == 0, and returns ENOSYS for clone3, whose " +
				"flags are in a struct seccomp cannot read, so that libc falls back to clone.",
			Fix: `For clone: {"index": 0, "op": "SCMP_CMP_MASKED_EQ", "value": 2114060288, "valueTwo": 0} (index 1 on s390x); ` +
				`for clone3: {"action": "SCMP_ACT_ERRNO", "errnoRet": 38}.`,
			check: checkClone,
		},
		{
			ID: "SC5001", Name: "default-allow", Severity: Warning,
			Summary: "defaultAction allows everything not listed: the profile is a denylist.",
			Why: "A denylist stays open to every syscall it forgot and every syscall added to the kernel later; " +
				"it does not shrink the kernel's attack surface the way an allowlist does.",
			Fix:   "Record the workload (seccompctl record) and use SCMP_ACT_ERRNO as defaultAction with an allowlist.",
			check: checkDefaultAllow,
		},
		{
			ID: "SC5002", Name: "default-log", Severity: Warning,
			Summary: "defaultAction SCMP_ACT_LOG blocks nothing.",
			Why: "SCMP_ACT_LOG allows every call and writes an audit record for it: it is a recording mode, not a " +
				"protection, and logging every syscall made a syscall-heavy workload (dd with 1-byte blocks) about " +
				"21x slower on this project's test machine.",
			Fix:   "Use it only to record; ship the allowlist built from the records with SCMP_ACT_ERRNO as default.",
			check: checkDefaultLog,
		},
		{
			ID: "SC5003", Name: "more-permissive-than-default", Severity: Warning,
			Summary: "The profile allows syscalls the runtime's default profile denies.",
			Why: "A custom profile should be narrower than RuntimeDefault, not wider: each of these syscalls is one " +
				"the runtime maintainers chose to block for every container.",
			Fix:   "Remove them unless the workload needs them; compare with `seccompctl compare`.",
			check: checkMorePermissive,
		},
		{
			ID: "SC5004", Name: "default-kill-thread", Severity: Warning,
			Summary: "defaultAction kills only the calling thread.",
			Why: "SCMP_ACT_KILL (the same as SCMP_ACT_KILL_THREAD) ends the thread that made the call; the other " +
				"threads keep running, so a multi-threaded program can hang instead of failing.",
			Fix:   "Use SCMP_ACT_ERRNO (programs see EPERM and can report it) or SCMP_ACT_KILL_PROCESS.",
			check: checkDefaultKillThread,
		},
		{
			ID: "SC6001", Name: "containerd-drops-fields", Severity: Warning,
			Summary: "containerd ignores includes, excludes and archMap in a Localhost profile.",
			Why: "containerd decodes a Localhost profile straight into the OCI runtime-spec type, which has no " +
				"includes, excludes, archMap or comment: a rule meant only for containers with CAP_SYS_ADMIN then " +
				"applies to every container, and archMap's sub-architectures are not filtered as written. CRI-O " +
				"and Docker evaluate these fields.",
			Fix: "For containerd, resolve the profile first (seccompctl convert --to docker --caps ... --arch ...) " +
				"so that it only uses architectures and plain rules, or lint with --runtime cri-o if the nodes run CRI-O.",
			check: checkContainerdFields,
		},
		{
			ID: "SC6002", Name: "runtime-rejects", Severity: Error,
			Summary: "The runtime refuses a construct the profile uses: the container cannot start.",
			Why: "Runtimes differ in what they accept (measured, docs/runtime-syscalls.md): runc 1.1.5 refuses " +
				"every entry of \"flags\" and SCMP_ACT_NOTIFY without listenerPath; crun 1.8.1 refuses " +
				"SECCOMP_FILTER_FLAG_NEW_LISTENER and SECCOMP_FILTER_FLAG_TSYNC_ESRCH; neither accepts " +
				"SCMP_ACT_NOTIFY as defaultAction.",
			Fix:   "Drop the construct, or target a runtime that supports it (--runtime).",
			check: checkRuntimeRejects,
		},
		{
			ID: "SC6003", Name: "needs-newer-kernel", Severity: Warning,
			Summary: "An action or flag needs a newer kernel than the one given with --kernel.",
			Why: "SCMP_ACT_KILL_PROCESS and SCMP_ACT_LOG need Linux 4.14, SCMP_ACT_NOTIFY 5.0, " +
				"SECCOMP_FILTER_FLAG_LOG 4.14, SPEC_ALLOW 4.17, NEW_LISTENER 5.0, TSYNC_ESRCH 5.7, " +
				"WAIT_KILLABLE_RECV 5.19 (kernel's Documentation/userspace-api/seccomp_filter.rst and seccomp(2)).",
			Fix:   "Use an older equivalent (SCMP_ACT_KILL_THREAD, SCMP_ACT_ERRNO) or upgrade the nodes.",
			check: checkKernel,
		},
		{
			ID: "SC7001", Name: "duplicate-rule", Severity: Warning,
			Summary: "The same syscall appears twice with the same action and conditions.",
			Why:     "Duplicates make a profile harder to review and diff, and hide which rule was meant to be edited.",
			Fix:     "Keep one of them.",
			check:   nil, // reported by checkRuleSets
		},
		{
			ID: "SC7002", Name: "conflicting-actions", Severity: Warning,
			Summary: "The same syscall has rules with the same conditions (or none) and different actions.",
			Why: "Without conditions only the first rule takes effect (libseccomp keeps it and silently drops the " +
				"others), so reordering the file changes the behaviour. With identical conditions libseccomp " +
				"refuses the second rule with EEXIST and runc and crun fail to start the container: such findings " +
				"are reported as errors. Both measured with runc 1.1.5 and crun 1.8.1.",
			Fix:   "Decide which action the syscall gets and remove it from the other rule.",
			check: checkRuleSets,
		},
		{
			ID: "SC7003", Name: "rule-without-effect", Severity: Warning,
			Summary: "A rule's action equals defaultAction, so it changes nothing.",
			Why:     "runc drops such rules before building the filter; they only add noise and false confidence.",
			Fix:     "Remove the rule, or give it the action you meant.",
			check:   checkNoEffect,
		},
		{
			ID: "SC7004", Name: "allows-nothing", Severity: Error,
			Summary: "The profile allows no syscall at all.",
			Why:     "Not even the runtime can exec the workload: the container cannot start.",
			Fix:     "Record the workload and list what it needs with SCMP_ACT_ALLOW.",
			check:   checkAllowsNothing,
		},
	}
	sort.Slice(catalogue, func(i, j int) bool { return catalogue[i].ID < catalogue[j].ID })
	for _, r := range catalogue {
		if r.check == nil {
			r.check = func(*pass) {}
		}
	}
}

// ruleAs runs fn with the current rule switched to id, for checks that report several IDs.
func (ps *pass) ruleAs(id string, fn func()) {
	saved := ps.rule
	r, _ := Lookup(id)
	ps.rule = r
	fn()
	ps.rule = saved
}

// SC1001
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

// SC1002
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

// SC2001
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

// SC2002
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

// checkArgs reports SC3001-SC3006 for every argument condition.
func (ps *pass) argArches(rule *profile.Rule) []syscalls.Arch {
	var out []syscalls.Arch
	for _, c := range ps.ctxs {
		name := profile.FilterArchName(c.arch)
		if in := rule.Includes; in != nil && len(in.Arches) > 0 && !slices.Contains(in.Arches, name) {
			continue
		}
		if ex := rule.Excludes; ex != nil && slices.Contains(ex.Arches, name) {
			continue
		}
		out = append(out, c.arch)
	}
	return out
}

func checkArgs(ps *pass) {
	for i := range ps.p.Syscalls {
		rule := &ps.p.Syscalls[i]
		if len(rule.Args) == 0 {
			continue
		}
		archs := ps.argArches(rule)
		for j, a := range rule.Args {
			argPath := fmt.Sprintf("syscalls[%d].args[%d]", i, j)
			ps.checkValues(argPath, rule, j, a)
			for _, n := range rule.AllNames() {
				for _, arch := range archs {
					if syscalls.HasTable(arch) && !syscalls.Exists(arch, n) {
						continue
					}
					specs, ok := argsOf(n, arch)
					if !ok {
						continue
					}
					ps.checkArgKind(argPath, rule, n, specs, archs, a)
				}
			}
		}
	}
}

const maxU64 = ^uint64(0)

// checkValues reports conditions that never or always hold (SC3003, SC3004).
func (ps *pass) checkValues(path string, rule *profile.Rule, j int, a profile.Arg) {
	switch a.Op {
	case profile.OpMaskedEqual:
		if a.ValueTwo&^a.Value != 0 {
			ps.ruleAs("SC3003", func() {
				ps.report(path, "", "(arg%d & %#x) can never equal %#x: the expected value has bits outside the mask (value is the mask, valueTwo the expected result); runc drops those bits and tests (arg%d & %#x) == %#x instead",
					a.Index, a.Value, a.ValueTwo, a.Index, a.Value, a.ValueTwo&a.Value)
			})
		} else if a.Value == 0 {
			ps.ruleAs("SC3004", func() {
				ps.report(path, "", "(arg%d & 0) == 0 holds for every value: the mask is 0", a.Index)
			})
		}
	case profile.OpLessThan:
		if a.Value == 0 {
			ps.ruleAs("SC3003", func() { ps.report(path, "", "arg%d < 0 never holds: arguments are unsigned", a.Index) })
		}
	case profile.OpGreaterThan:
		if a.Value == maxU64 {
			ps.ruleAs("SC3003", func() { ps.report(path, "", "arg%d > 2^64-1 never holds", a.Index) })
		}
	case profile.OpGreaterEqual:
		if a.Value == 0 {
			ps.ruleAs("SC3004", func() { ps.report(path, "", "arg%d >= 0 holds for every value", a.Index) })
		}
	case profile.OpLessEqual:
		if a.Value == maxU64 {
			ps.ruleAs("SC3004", func() { ps.report(path, "", "arg%d <= 2^64-1 holds for every value", a.Index) })
		}
	}
	for k := 0; k < j; k++ {
		if b := rule.Args[k]; b.Index == a.Index {
			ps.ruleAs("SC3009", func() {
				ps.report(path, "", "args[%d] and args[%d] both test argument %d: runc and crun add them as separate rules, so the rule applies when either holds, not when both do",
					k, j, a.Index)
			})
			break
		}
	}
}

// checkArgKind reports conditions on the wrong kind of argument (SC3001, SC3002,
// SC3005, SC3006) for syscall name.
func (ps *pass) checkArgKind(path string, rule *profile.Rule, name string, specs []argSpec, archs []syscalls.Arch, a profile.Arg) {
	idx := int(a.Index)
	if idx >= len(specs) {
		ps.ruleAs("SC3006", func() {
			if len(specs) == 0 {
				ps.report(path, name, "%s takes no arguments: argument %d holds whatever the caller left in the register", name, idx)
			} else {
				ps.report(path, name, "%s has %d argument%s (%s): argument %d holds whatever the caller left in the register",
					name, len(specs), plural(len(specs) == 1, "", "s"), specNames(specs), idx)
			}
		})
		return
	}
	spec := specs[idx]
	if note, ok := argNotes[name]; ok && spec.kind == "ptr" {
		ps.ruleAs("SC3002", func() { ps.report(path, name, "%s", note) })
		return
	}
	fi := flagsIndex(specs)
	if spec.kind != "flags" && fi >= 0 && looksLikeFlagsTest(rule, name, idx, archs, a) {
		ps.ruleAs("SC3002", func() {
			ps.report(path, name, "argument %d of %s is %s (%s); its flags are argument %d", idx, name, spec.name, kindWord(spec.kind), fi)
		})
		return
	}
	if spec.kind == "ptr" {
		if (a.Op == profile.OpEqualTo || a.Op == profile.OpNotEqual) && a.Value == 0 {
			return // a NULL test means something
		}
		ps.ruleAs("SC3001", func() {
			ps.report(path, name, "argument %d of %s is %s, a pointer: the filter compares the address, not what it points to", idx, name, spec.name)
		})
		return
	}
	if spec.kind == "flags" && isOpenFlags(name, spec) && a.Op == profile.OpMaskedEqual {
		if m := a.Value & oAccMode; m != 0 && m != oAccMode {
			ps.ruleAs("SC3005", func() {
				ps.report(path, name, "(flags & %#x) == %#x on %s tests one bit of the access mode: it holds for %s; use mask 3 (O_ACCMODE)",
					a.Value, a.ValueTwo, name, accModesMatching(a))
			})
		}
	}
}

// looksLikeFlagsTest reports whether a condition on a non-flags argument was most
// likely written for flags: a bit test, or the same rule names a syscall whose flags
// are at this index.
func looksLikeFlagsTest(rule *profile.Rule, name string, idx int, archs []syscalls.Arch, a profile.Arg) bool {
	if a.Op == profile.OpMaskedEqual {
		return true
	}
	for _, other := range rule.AllNames() {
		if other == name {
			continue
		}
		for _, arch := range archs {
			if specs, ok := argsOf(other, arch); ok && idx < len(specs) && specs[idx].kind == "flags" {
				return true
			}
		}
	}
	return false
}

func isOpenFlags(name string, spec argSpec) bool {
	switch name {
	case "open", "openat", "open_by_handle_at":
		return spec.name == "flags"
	}
	return false
}

func accModesMatching(a profile.Arg) string {
	var out []string
	for _, m := range []struct {
		v    uint64
		name string
	}{{oRDONLY, "O_RDONLY"}, {oWRONLY, "O_WRONLY"}, {oRDWR, "O_RDWR"}} {
		if a.Holds(m.v) {
			out = append(out, m.name)
		}
	}
	if len(out) == 0 {
		return "no access mode"
	}
	return joinList(out)
}

func kindWord(kind string) string {
	switch kind {
	case "ptr":
		return "a pointer"
	case "fd":
		return "a file descriptor"
	case "mode":
		return "permission bits"
	case "enum":
		return "a selector"
	}
	return "a number"
}

func specNames(specs []argSpec) string {
	var s []string
	for _, sp := range specs {
		s = append(s, sp.name)
	}
	return strings.Join(s, ", ")
}

// SC3007
func checkShadowed(ps *pass) {
	for _, c := range ps.ctxs {
		for _, n := range c.names() {
			v := c.verdict(n)
			if v.uncond == nil || v.state == conditional {
				continue // the conditional rules do apply
			}
			for _, cr := range v.conds {
				ps.report(ps.namePath(cr.orig, n), n,
					"the unconditional rule syscalls[%d] (%s) decides every call of %s: this conditional %s rule never applies",
					v.uncond.orig, v.uncond.rule.Action, n, cr.rule.Action)
			}
		}
	}
}

// SC3008
func checkSocketFamilies(ps *pass) {
	for _, c := range ps.ctxs {
		if !c.has("socket") {
			continue
		}
		v := c.verdict("socket")
		if v.state != conditional || passes(c.def) {
			continue
		}
		var allowedF, deniedF []string
		for _, f := range socketFamilies {
			ok := false
			for _, cr := range v.conds {
				if !passes(cr.rule.Action) {
					continue
				}
				holds := true
				for _, a := range cr.rule.Args {
					if a.Index == 0 && !a.Holds(f.value) {
						holds = false
					}
				}
				ok = ok || holds
			}
			if ok {
				allowedF = append(allowedF, f.name)
			} else {
				deniedF = append(deniedF, f.name+" ("+f.users+")")
			}
		}
		if len(allowedF) == 0 || len(deniedF) == 0 {
			continue
		}
		ps.report(ps.namePath(v.conds[0].orig, "socket"), "socket",
			"socket is allowed only for %s: %s are denied", joinList(allowedF), joinList(deniedF))
	}
}

// SC4001
func checkDangerous(ps *pass) {
	for _, c := range ps.ctxs {
		for _, d := range dangerous {
			if !c.has(d.name) {
				continue
			}
			v := c.verdict(d.name)
			if v.state != allowed || v.uncond == nil {
				continue
			}
			ps.reportSev(d.severity, ps.namePath(v.uncond.orig, d.name), d.name, "%s is allowed without conditions: %s", d.name, d.reason)
		}
	}
}

// SC4002
func checkClone(ps *pass) {
	for _, c := range ps.ctxs {
		for _, n := range []string{"clone", "clone3"} {
			if !c.has(n) {
				continue
			}
			v := c.verdict(n)
			if v.state != allowed || v.uncond == nil {
				continue
			}
			if n == "clone" {
				ps.report(ps.namePath(v.uncond.orig, n), n,
					"clone is allowed with any flags, including CLONE_NEWUSER and the other namespace flags; allow it only when (flags & 0x7E020000) == 0 (argument 0; 1 on s390x)")
			} else {
				ps.report(ps.namePath(v.uncond.orig, n), n,
					"clone3 is allowed, and its flags (namespaces included) are in a struct seccomp cannot read; return ENOSYS (errnoRet 38) so libc falls back to clone")
			}
		}
	}
}

// SC5001
func checkDefaultAllow(ps *pass) {
	if ps.p.DefaultAction != profile.ActAllow {
		return
	}
	var open []string
	for _, c := range ps.ctxs {
		for _, d := range dangerous {
			if c.has(d.name) && c.verdict(d.name).state == allowed && !slices.Contains(open, d.name) {
				open = append(open, d.name)
			}
		}
	}
	msg := "defaultAction SCMP_ACT_ALLOW allows every syscall the rules do not name"
	if len(open) > 0 {
		msg += fmt.Sprintf(", including %d dangerous ones (%s)", len(open), clip(open, 8))
	}
	ps.report("defaultAction", "", "%s", msg)
}

// SC5002
func checkDefaultLog(ps *pass) {
	if ps.p.DefaultAction == profile.ActLog {
		ps.report("defaultAction", "", "defaultAction SCMP_ACT_LOG allows and logs every syscall the rules do not name: a recording mode, not a protection")
	}
}

// SC5003
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

// SC5004
func checkDefaultKillThread(ps *pass) {
	if a := ps.p.DefaultAction; a == profile.ActKill || a == profile.ActKillThread {
		ps.report("defaultAction", "", "defaultAction %s kills only the calling thread; other threads keep running", a)
	}
}

// SC6001
func checkContainerdFields(ps *pass) {
	if !slices.Contains(ps.runtimes, "containerd") {
		return
	}
	if len(ps.p.ArchMap) > 0 && len(ps.p.Architectures) == 0 {
		ps.report("archMap", "", "containerd ignores archMap: the filter covers only the node's native architecture, not the sub-architectures listed here")
	}
	for i := range ps.p.Syscalls {
		r := &ps.p.Syscalls[i]
		var effects []string
		if in := r.Includes; in != nil {
			if len(in.Caps) > 0 {
				effects = append(effects, "applies to every container, not only those with "+joinList(in.Caps))
			}
			if len(in.Arches) > 0 {
				effects = append(effects, "applies on every architecture, not only "+joinList(in.Arches))
			}
			if in.MinKernel != "" {
				effects = append(effects, "applies on every kernel, not only "+in.MinKernel+" and newer")
			}
		}
		if ex := r.Excludes; ex != nil {
			if len(ex.Caps) > 0 {
				effects = append(effects, "applies also to containers with "+joinList(ex.Caps))
			}
			if len(ex.Arches) > 0 {
				effects = append(effects, "applies also on "+joinList(ex.Arches))
			}
			if ex.MinKernel != "" {
				effects = append(effects, "applies also on kernels "+ex.MinKernel+" and newer")
			}
		}
		if len(effects) == 0 {
			continue
		}
		path := fmt.Sprintf("syscalls[%d].includes", i)
		if r.Includes == nil || (len(r.Includes.Caps) == 0 && len(r.Includes.Arches) == 0 && r.Includes.MinKernel == "") {
			path = fmt.Sprintf("syscalls[%d].excludes", i)
		}
		ps.report(path, "", "containerd ignores includes/excludes: this %s rule for %s %s",
			r.Action, clip(r.AllNames(), 4), strings.Join(effects, "; "))
	}
}

// SC6002
func checkRuntimeRejects(ps *pass) {
	seen := map[string]bool{}
	var rts []string
	for _, rt := range ps.runtimes {
		for _, oci := range ociRuntimes(rt) {
			if !seen[oci] {
				seen[oci] = true
				rts = append(rts, oci)
			}
		}
	}
	check := func(path, construct string) {
		for _, rt := range rts {
			f, known := ociruntime.Accepts(rt, construct)
			if !known || f.OK {
				continue
			}
			if construct == "action SCMP_ACT_NOTIFY" && ps.p.ListenerPath != "" && strings.Contains(f.Message, "listenerPath") {
				continue
			}
			msg := f.Message
			if msg == "" {
				msg = "it crashed"
			}
			ps.report(path, "", "%s %s refuses %s: %s", rt, shortVersion(f.Version), construct, msg)
		}
	}
	check("defaultAction", "defaultAction "+ps.p.DefaultAction.String())
	for i, f := range ps.p.Flags {
		check(fmt.Sprintf("flags[%d]", i), "flag "+f.String())
	}
	done := map[profile.Action]bool{}
	for i := range ps.p.Syscalls {
		a := ps.p.Syscalls[i].Action
		if done[a] {
			continue
		}
		done[a] = true
		check(fmt.Sprintf("syscalls[%d].action", i), "action "+a.String())
	}
}

// minKernel holds the first kernel with each action and flag (seccomp(2)).
var minKernel = map[string]string{
	"SCMP_ACT_KILL_PROCESS":                  "4.14",
	"SCMP_ACT_LOG":                           "4.14",
	"SCMP_ACT_NOTIFY":                        "5.0",
	"SECCOMP_FILTER_FLAG_TSYNC":              "3.17",
	"SECCOMP_FILTER_FLAG_LOG":                "4.14",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW":         "4.17",
	"SECCOMP_FILTER_FLAG_NEW_LISTENER":       "5.0",
	"SECCOMP_FILTER_FLAG_TSYNC_ESRCH":        "5.7",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": "5.19",
}

// SC6003
func checkKernel(ps *pass) {
	if ps.opts.Kernel == "" {
		return
	}
	k, err := profile.ParseKernelRelease(ps.opts.Kernel)
	if err != nil {
		return
	}
	check := func(path, what string) {
		min, ok := minKernel[what]
		if !ok {
			return
		}
		m, err := profile.ParseKernelVersion(min)
		if err == nil && k.Less(m) {
			ps.report(path, "", "%s needs Linux %s; the node runs %s", what, min, ps.opts.Kernel)
		}
	}
	check("defaultAction", ps.p.DefaultAction.String())
	for i, f := range ps.p.Flags {
		check(fmt.Sprintf("flags[%d]", i), f.String())
	}
	for i := range ps.p.Syscalls {
		check(fmt.Sprintf("syscalls[%d].action", i), ps.p.Syscalls[i].Action.String())
	}
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

func actionWithErrno(a profile.Action, errno int) string {
	if a == profile.ActErrno && errno >= 0 {
		return fmt.Sprintf("%s(%d)", a, errno)
	}
	return a.String()
}

// SC7003
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

// SC7004
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
