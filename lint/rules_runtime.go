package lint

// SC6xxx: runtime compatibility: fields containerd drops, constructs runtimes refuse,
// kernel versions.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
)

var sc6001 = &Rule{
	ID: "SC6001", Name: "containerd-drops-fields", Severity: Warning,
	Summary: "containerd ignores includes, excludes and archMap in a Localhost profile.",
	Why: "containerd decodes a Localhost profile straight into the OCI runtime-spec type, which has no " +
		"includes, excludes, archMap or comment: a rule meant only for containers with CAP_SYS_ADMIN then " +
		"applies to every container, and archMap's sub-architectures are not filtered as written. CRI-O " +
		"and Docker evaluate these fields.",
	Fix: "For containerd, resolve the profile first (seccompctl convert --to docker --caps ... --arch ...) " +
		"so that it only uses architectures and plain rules, or lint with --runtime cri-o if the nodes run CRI-O.",
	check: checkContainerdFields,
}

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

var sc6002 = &Rule{
	ID: "SC6002", Name: "runtime-rejects", Severity: Error,
	Summary: "The runtime refuses a construct the profile uses: the container cannot start.",
	Why: "Runtimes differ in what they accept (measured, docs/runtime-syscalls.md): runc 1.1.5 refuses " +
		"every entry of \"flags\" and SCMP_ACT_NOTIFY without listenerPath; crun 1.8.1 refuses " +
		"SECCOMP_FILTER_FLAG_NEW_LISTENER and SECCOMP_FILTER_FLAG_TSYNC_ESRCH; neither accepts " +
		"SCMP_ACT_NOTIFY as defaultAction.",
	Fix:   "Drop the construct, or target a runtime that supports it (--runtime).",
	check: checkRuntimeRejects,
}

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

var sc6003 = &Rule{
	ID: "SC6003", Name: "needs-newer-kernel", Severity: Warning,
	Summary: "An action or flag needs a newer kernel than the one given with --kernel.",
	Why: "SCMP_ACT_KILL_PROCESS and SCMP_ACT_LOG need Linux 4.14, SCMP_ACT_NOTIFY 5.0, " +
		"SECCOMP_FILTER_FLAG_LOG 4.14, SPEC_ALLOW 4.17, NEW_LISTENER 5.0, TSYNC_ESRCH 5.7, " +
		"WAIT_KILLABLE_RECV 5.19 (kernel's Documentation/userspace-api/seccomp_filter.rst and seccomp(2)).",
	Fix:   "Use an older equivalent (SCMP_ACT_KILL_THREAD, SCMP_ACT_ERRNO) or upgrade the nodes.",
	check: checkKernel,
}

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

var sc6004 = &Rule{
	ID: "SC6004", Name: "program-too-long", Severity: Error,
	Summary: "The compiled filter is longer than the kernel's 4096 instructions: the container cannot start.",
	Why: "seccomp(2) refuses a filter longer than BPF_MAXINSNS (4096 instructions) with EINVAL. " +
		"seccompctl compile, run and test refuse such a profile; runc builds its own program with " +
		"libseccomp, whose layout differs but grows the same way with the number of rules and conditions.",
	Fix: "Merge rules that share an action into one rule listing several names, drop conditions " +
		"that add nothing, or split the workload into containers that need less.",
	check: checkProgramLength,
}

func checkProgramLength(ps *pass) {
	caps := ps.opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	for _, c := range ps.ctxs {
		var err error
		if c.meaning != nil && slices.Equal(c.meaning.Arches, c.programArches) {
			_, err = filter.FromMeaning(c.meaning) // the program runc's node would load
		} else {
			_, err = filter.Compile(ps.p, filter.Options{Native: c.arch, Caps: caps, Kernel: ps.opts.Kernel})
		}
		if errors.Is(err, filter.ErrTooLong) {
			ps.report("syscalls", "", "compiled for %s the filter is too long (%v): the kernel refuses it and the container cannot start", c.arch, errors.Unwrap(err))
		}
	}
}

var sc6005 = &Rule{
	ID: "SC6005", Name: "killable-without-listener", Severity: Error,
	Summary: "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without a SCMP_ACT_NOTIFY rule: the container cannot start.",
	Why: "The flag changes how a process waits for its user-space supervisor, so the kernel accepts it " +
		"only with SECCOMP_FILTER_FLAG_NEW_LISTENER and refuses the filter otherwise (EINVAL; checked on " +
		"Linux 6.18). runc passes the flag on as written and adds NEW_LISTENER only when a rule uses " +
		"SCMP_ACT_NOTIFY (libcontainer/seccomp/patchbpf). seccompctl compile leaves the flag out and warns.",
	Fix:   "Drop the flag, or add the SCMP_ACT_NOTIFY rules (and listenerPath) it is meant for.",
	check: checkKillableWithoutListener,
}

func checkKillableWithoutListener(ps *pass) {
	i := slices.Index(ps.p.Flags, profile.FlagWaitKillableRecv)
	if i < 0 || slices.Contains(ps.p.Flags, profile.FlagNewListener) {
		return
	}
	for _, r := range ps.p.Syscalls {
		if r.Action == profile.ActNotify {
			return
		}
	}
	ps.report(fmt.Sprintf("flags[%d]", i), "",
		"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without a SCMP_ACT_NOTIFY rule: the kernel refuses it without SECCOMP_FILTER_FLAG_NEW_LISTENER, which runc adds only for NOTIFY rules, so the container cannot start")
}

var sc6006 = &Rule{
	ID: "SC6006", Name: "libseccomp-range-merge", Severity: Warning,
	Summary: "Two range conditions on one argument, one above 32 bits: runc's libseccomp compiles them wrongly.",
	Why: "libseccomp 2.5.4 (what runc 1.1.5 links on Debian 12) merges range comparisons (<, <=, >, >=) on " +
		"the same argument of a syscall wrongly when one value does not fit in 32 bits: with LOG for " +
		"fchmodat when arg3 <= 0x100000001 and, in the same rule or another, arg3 < 3, runc's filter " +
		"returns the default action for arg3 = 0x7ffffffe. seccompctl compile, run and test follow the " +
		"profile as written, so they and runc disagree.",
	Fix: "Express the range with one condition, or with values that fit in 32 bits, or with " +
		"SCMP_CMP_MASKED_EQ; test the result under runc (seccompctl test --runtime runc).",
	check: checkLibseccompRanges,
}

func checkLibseccompRanges(ps *pass) {
	for _, c := range ps.ctxs {
		if c.meaning == nil {
			continue
		}
		for _, w := range c.meaning.Warnings {
			if w.Kind != semantics.WarnLibseccompRanges || w.Rule >= len(c.rules) {
				continue
			}
			orig := c.rules[w.Rule].orig
			// w.Message counts rules in the resolved profile; say it without indexes.
			who := "this rule and an earlier one put"
			if rangesOnOneArg(ps.p.Syscalls[orig].Args) {
				who = "this rule puts"
			}
			ps.report(ps.namePath(orig, w.Syscall), w.Syscall,
				"%s range conditions on the same argument of %s, one above 32 bits: on %s libseccomp 2.5.4 compiles them wrongly, so runc returns the default action for some values the profile allows; seccompctl follows the profile",
				who, w.Syscall, w.Arch.Name())
		}
	}
}

// rangesOnOneArg reports two range conditions on the same argument in one rule.
func rangesOnOneArg(args []profile.Arg) bool {
	seen := map[uint]bool{}
	for _, a := range args {
		switch a.Op {
		case profile.OpLessThan, profile.OpLessEqual, profile.OpGreaterThan, profile.OpGreaterEqual:
			if seen[a.Index] {
				return true
			}
			seen[a.Index] = true
		}
	}
	return false
}
