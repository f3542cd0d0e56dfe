package lint

// SC3xxx: argument conditions: pointers, flag positions, conditions that never or
// always hold, shadowed conditional rules, socket families.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

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

var sc3001 = &Rule{
	ID: "SC3001", Name: "pointer-argument", Severity: Error,
	Summary: "A condition tests an argument that is a pointer (a path, a buffer, a struct).",
	Why: "seccomp sees the six raw argument registers, never the memory they point to. A condition on " +
		"a path argument compares the address of the string, which changes from call to call: the " +
		"rule matches at random or never. Comparing a pointer with 0 (NULL) is the only meaningful test.",
	Fix: "Test a non-pointer argument (the message names the syscall's arguments), or enforce path " +
		"rules with a read-only root filesystem, mounts, or an LSM (AppArmor, SELinux, Landlock).",
	check: checkArgs,
}

var sc3002 = &Rule{
	ID: "SC3002", Name: "wrong-flags-argument", Severity: Error,
	Summary: "A condition meant for a syscall's flags tests another argument.",
	Why: "Flags sit at different positions: open(path, flags, mode) has them at index 1, openat(dirfd, " +
		"path, flags, mode) at index 2, and openat2 and clone3 have none: their flags are inside a struct " +
		"passed by pointer, which seccomp cannot read. A rule naming open and openat with one condition " +
		"on index 1 tests openat's path pointer.",
	Fix:   "Split the rule per syscall and put the condition on the index the message gives.",
	check: nil, // reported by checkArgs
}

var sc3003 = &Rule{
	ID: "SC3003", Name: "condition-never-matches", Severity: Error,
	Summary: "An argument condition can never hold, so the rule never applies.",
	Why: "In the OCI and Docker formats SCMP_CMP_MASKED_EQ means (arg & value) == valueTwo: value is the " +
		"mask and valueTwo the expected result. An expected result with bits outside the mask can never hold " +
		"as written; libseccomp (and so runc) silently drops those bits and tests (arg & value) == " +
		"(valueTwo & value), which is a different rule from the one in the file. SCMP_CMP_LT 0 never holds.",
	Fix:   "Swap value and valueTwo if they were written the libseccomp way round, or fix the values.",
	check: nil, // reported by checkArgs
}

var sc3004 = &Rule{
	ID: "SC3004", Name: "condition-always-matches", Severity: Warning,
	Summary: "An argument condition always holds, so the rule is unconditional in disguise.",
	Why:     "SCMP_CMP_MASKED_EQ with mask 0 and expected value 0, SCMP_CMP_GE 0 or SCMP_CMP_LE 2^64-1 match every value.",
	Fix:     "Write the condition you meant, or drop it and say so.",
	check:   nil, // reported by checkArgs
}

var sc3005 = &Rule{
	ID: "SC3005", Name: "partial-access-mode", Severity: Warning,
	Summary: "A read-only test on open flags checks only one bit of the access mode.",
	Why: "The access mode is the two low bits of the flags: O_RDONLY 0, O_WRONLY 1, O_RDWR 2. " +
		"(flags & 2) == 0 holds for O_RDONLY and for O_WRONLY, so a \"read-only\" rule written that way still " +
		"allows opening files for writing.",
	Fix:   `Test the whole access mode: {"op": "SCMP_CMP_MASKED_EQ", "value": 3, "valueTwo": 0} (O_ACCMODE, O_RDONLY).`,
	check: nil, // reported by checkArgs
}

var sc3006 = &Rule{
	ID: "SC3006", Name: "argument-index-out-of-range", Severity: Error,
	Summary: "A condition tests an argument index the syscall does not have.",
	Why: "The filter still reads that register: it holds whatever the caller left there, so the rule " +
		"matches at random.",
	Fix:   "Use an index below the syscall's argument count (the message lists its arguments).",
	check: nil, // reported by checkArgs
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
	if note := syscalls.ArgNote(name); note != "" && spec.Kind == "ptr" {
		ps.ruleAs("SC3002", func() { ps.report(path, name, "%s", note) })
		return
	}
	fi := flagsIndex(specs)
	if spec.Kind != "flags" && fi >= 0 && looksLikeFlagsTest(rule, name, idx, archs, a) {
		ps.ruleAs("SC3002", func() {
			ps.report(path, name, "argument %d of %s is %s (%s); its flags are argument %d", idx, name, spec.Name, kindWord(spec.Kind), fi)
		})
		return
	}
	if spec.Kind == "ptr" {
		if (a.Op == profile.OpEqualTo || a.Op == profile.OpNotEqual) && a.Value == 0 {
			return // a NULL test means something
		}
		ps.ruleAs("SC3001", func() {
			ps.report(path, name, "argument %d of %s is %s, a pointer: the filter compares the address, not what it points to", idx, name, spec.Name)
		})
		return
	}
	if spec.Kind == "flags" && isOpenFlags(name, spec) && a.Op == profile.OpMaskedEqual {
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
			if specs, ok := argsOf(other, arch); ok && idx < len(specs) && specs[idx].Kind == "flags" {
				return true
			}
		}
	}
	return false
}

func isOpenFlags(name string, spec argSpec) bool {
	switch name {
	case "open", "openat", "open_by_handle_at":
		return spec.Name == "flags"
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
		s = append(s, sp.Name)
	}
	return strings.Join(s, ", ")
}

var sc3007 = &Rule{
	ID: "SC3007", Name: "shadowed-conditional-rule", Severity: Warning,
	Summary: "A conditional rule can never decide because an unconditional rule names the same syscall.",
	Why: "libseccomp keeps the unconditional rule for a syscall and drops conditional ones, whatever the " +
		"order (measured with runc 1.1.5 and crun 1.8.1): the condition the author wrote has no effect.",
	Fix:   "Remove the syscall from the unconditional rule, or drop the conditional rule.",
	check: checkShadowed,
}

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

var sc3008 = &Rule{
	ID: "SC3008", Name: "socket-family-too-narrow", Severity: Warning,
	Summary: "socket is allowed only for some address families that common programs need.",
	Why: "Allowing only AF_INET denies AF_UNIX (local sockets: nscd, syslog, D-Bus), AF_INET6 and " +
		"AF_NETLINK, which glibc's getaddrinfo opens when AI_ADDRCONFIG is set: name resolution and " +
		"logging fail in ways that look like network problems.",
	Fix:   "Add the families the program uses (record it), typically AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK.",
	check: checkSocketFamilies,
}

var sc3009 = &Rule{
	ID: "SC3009", Name: "same-argument-ored", Severity: Warning,
	Summary: "Two conditions of one rule test the same argument: runtimes OR them.",
	Why: "A rule's conditions are meant to all hold, but runc and crun add each condition on an argument " +
		"that is already tested as a separate libseccomp rule, so they are OR'd (measured with runc 1.1.5 " +
		"and crun 1.8.1: [arg1 == 3, arg1 == 4] matches a call with arg1 == 3). A range written as " +
		"[arg >= 1, arg <= 10] matches every value.",
	Fix: "Use one condition per argument (SCMP_CMP_MASKED_EQ can test several bits at once), or split " +
		"the values into separate rules, which is what the runtime does anyway.",
	check: nil, // reported by checkArgs
}

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
