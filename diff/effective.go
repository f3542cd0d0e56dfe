package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// view is a profile as a runtime applies it on one architecture: includes/excludes
// resolved, and for each syscall its treatment.
type view struct {
	arch  syscalls.Arch
	def   string // defaultAction with errno, "SCMP_ACT_ERRNO(1)"
	defOK bool   // the default lets calls through
	calls map[string]*treatment
}

// treatment is what a profile does with one syscall: an unconditional action, or
// conditional actions with the default for the rest. libseccomp's semantics: the first
// unconditional rule decides every call and conditional rules are then ignored.
type treatment struct {
	uncond string   // action of the deciding unconditional rule, "" when none
	conds  []string // "SCMP_ACT_ALLOW if arg0 == 2", in rule order
	// passes: every call gets through; some: some calls do (conditions); none: no call.
	passes string
}

func (t *treatment) String() string {
	if t.uncond != "" {
		return t.uncond
	}
	return strings.Join(t.conds, "; ")
}

func actionString(a profile.Action, errno *uint) string {
	if a == profile.ActErrno {
		e := uint(1) // runc's default errno is EPERM
		if errno != nil {
			e = *errno
		}
		return fmt.Sprintf("%s(%d)", a, e)
	}
	return a.String()
}

func passes(a profile.Action) bool { return a == profile.ActAllow || a == profile.ActLog }

func condString(args []profile.Arg) string {
	var s []string
	for _, a := range args {
		op := map[profile.Operator]string{
			profile.OpNotEqual: "!=", profile.OpLessThan: "<", profile.OpLessEqual: "<=",
			profile.OpEqualTo: "==", profile.OpGreaterEqual: ">=", profile.OpGreaterThan: ">",
		}[a.Op]
		if a.Op == profile.OpMaskedEqual {
			s = append(s, fmt.Sprintf("arg%d & %#x == %#x", a.Index, a.Value, a.ValueTwo))
		} else {
			s = append(s, fmt.Sprintf("arg%d %s %d", a.Index, op, a.Value))
		}
	}
	return strings.Join(s, " && ")
}

// newView resolves p for arch and a container with caps.
func newView(p *profile.Profile, arch syscalls.Arch, caps []string) (*view, error) {
	r, err := p.Resolve(profile.ResolveOptions{Arch: arch, Caps: caps})
	if err != nil {
		return nil, err
	}
	v := &view{arch: arch, def: actionString(r.DefaultAction, r.DefaultErrnoRet), defOK: passes(r.DefaultAction), calls: map[string]*treatment{}}
	for _, rule := range r.Syscalls {
		act := actionString(rule.Action, rule.ErrnoRet)
		for _, n := range rule.AllNames() {
			if !syscalls.Exists(arch, n) {
				continue
			}
			t := v.calls[n]
			if t == nil {
				t = &treatment{}
				v.calls[n] = t
			}
			if t.uncond != "" {
				continue
			}
			if len(rule.Args) == 0 {
				t.uncond, t.conds = act, nil
				continue
			}
			c := act + " if " + condString(rule.Args)
			if !slices.Contains(t.conds, c) {
				t.conds = append(t.conds, c)
			}
		}
	}
	// Conditional treatments need to know what the rest of the rules did.
	for _, rule := range r.Syscalls {
		for _, n := range rule.AllNames() {
			if t := v.calls[n]; t != nil && t.uncond == "" && len(rule.Args) > 0 && passes(rule.Action) != v.defOK {
				t.passes = "some"
			}
		}
	}
	for _, t := range v.calls {
		switch {
		case t.uncond != "":
			t.passes = map[bool]string{true: "all", false: "none"}[strings.HasPrefix(t.uncond, "SCMP_ACT_ALLOW") || strings.HasPrefix(t.uncond, "SCMP_ACT_LOG")]
		case t.passes == "":
			t.passes = map[bool]string{true: "all", false: "none"}[v.defOK]
		}
	}
	return v, nil
}

// get returns the treatment of name, the default's when no rule names it.
func (v *view) get(name string) *treatment {
	if t, ok := v.calls[name]; ok {
		return t
	}
	return &treatment{uncond: v.def, passes: map[bool]string{true: "all", false: "none"}[v.defOK]}
}

// nodeArches returns the node architectures a profile is for: archMap's, or the listed
// ones that are not sub-architectures of another listed one, or this machine's.
func nodeArches(p *profile.Profile) []syscalls.Arch {
	if len(p.ArchMap) > 0 {
		var out []syscalls.Arch
		for _, m := range p.ArchMap {
			out = append(out, m.Arch)
		}
		return out
	}
	sub := map[syscalls.Arch][]syscalls.Arch{
		syscalls.X86_64: {syscalls.X86, syscalls.X32}, syscalls.AArch64: {syscalls.ARM},
		syscalls.MIPS64: {syscalls.MIPS, syscalls.MIPS64N32}, syscalls.MIPSEL64: {syscalls.MIPSEL, syscalls.MIPSEL64N32},
		syscalls.PPC64: {syscalls.PPC}, syscalls.S390X: {syscalls.S390},
	}
	var out []syscalls.Arch
	for _, a := range p.Architectures {
		isSub := false
		for _, h := range p.Architectures {
			isSub = isSub || slices.Contains(sub[h], a)
		}
		if !isSub && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = []syscalls.Arch{syscalls.Native()}
	}
	return out
}

// archesOf returns the union of the node architectures of ps that have a syscall table.
func archesOf(ps ...*profile.Profile) []syscalls.Arch {
	var out []syscalls.Arch
	for _, p := range ps {
		for _, a := range nodeArches(p) {
			if syscalls.HasTable(a) && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}
