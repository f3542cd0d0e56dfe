package diff

import (
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// view is a profile as a runtime applies it on one architecture: its meaning, and the
// syscalls its rules name there.
type view struct {
	arch  syscalls.Arch
	m     *semantics.Meaning
	named []string // syscalls some rule names that exist on arch, sorted
}

// treatment is what a profile does with one syscall, in words: an unconditional
// action, or conditional actions with the default for the rest.
type treatment struct {
	uncond string   // the action every call gets, "" when it depends on arguments
	conds  []string // "SCMP_ACT_ALLOW if arg0 == 2", in the order they are tried
	// passes: every call gets through ("all"), some do (conditions) or none.
	passes string
}

func (t *treatment) String() string {
	if t.uncond != "" {
		return t.uncond
	}
	return strings.Join(t.conds, "; ")
}

// stubText is how a call answered by runc's -ENOSYS stub is shown.
const stubText = "SCMP_ACT_ERRNO(38) (runc's stub: newer than the profile)"

// newView resolves p for arch and a container with caps.
func newView(p *profile.Profile, arch syscalls.Arch, caps []string) (*view, error) {
	m, err := semantics.ForNode(p, arch, semantics.Options{Caps: caps})
	if err != nil {
		return nil, err
	}
	v := &view{arch: arch, m: m}
	for _, rule := range m.Profile.Syscalls {
		for _, n := range rule.AllNames() {
			if syscalls.Exists(arch, n) {
				v.named = append(v.named, n)
			}
		}
	}
	slices.Sort(v.named)
	v.named = slices.Compact(v.named)
	return v, nil
}

// get returns the treatment of name.
func (v *view) get(name string) *treatment {
	r := v.m.Profile
	t, ok := v.m.Syscall(v.arch, name)
	if !ok {
		return &treatment{uncond: semantics.ActionString(r.DefaultAction, r.DefaultErrnoRet), passes: semantics.PermitNone.String()}
	}
	out := &treatment{passes: t.Permits.String()}
	switch {
	case t.Reason == semantics.ReasonENOSYS:
		out.uncond = stubText
	case t.Rule != nil:
		rule := &r.Syscalls[t.Rule.Rule]
		out.uncond = semantics.ActionString(rule.Action, rule.ErrnoRet)
	case len(t.Rules) == 0:
		out.uncond = semantics.ActionString(r.DefaultAction, r.DefaultErrnoRet)
	default:
		for _, cr := range t.Rules {
			rule := &r.Syscalls[cr.Ref.Rule]
			c := semantics.ActionString(rule.Action, rule.ErrnoRet) + " if " + semantics.CondString(rule.Args)
			if !slices.Contains(out.conds, c) {
				out.conds = append(out.conds, c)
			}
		}
	}
	return out
}

// archesOf returns the union of the node architectures of ps that have a syscall table.
func archesOf(ps ...*profile.Profile) []syscalls.Arch {
	var out []syscalls.Arch
	for _, p := range ps {
		for _, a := range semantics.NodeArches(p) {
			if syscalls.HasTable(a) && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// Treatment is how diff and compare describe what a profile does with one syscall.
type Treatment struct {
	// Action is the action every call gets ("SCMP_ACT_ERRNO(1)"), or the conditional
	// actions in the order they are tried.
	Action  string
	Permits semantics.Permit
}

// Treatments returns, for every syscall of arch's table, how p treats it on a node of
// architecture arch for a container with caps, as Diff and Compare see it.
func Treatments(p *profile.Profile, arch syscalls.Arch, caps []string) (map[string]Treatment, error) {
	v, err := newView(p, arch, caps)
	if err != nil {
		return nil, err
	}
	out := map[string]Treatment{}
	for _, e := range syscalls.Table(arch) {
		t := v.get(e.Name)
		var pm semantics.Permit
		switch t.passes {
		case "all":
			pm = semantics.PermitAll
		case "some":
			pm = semantics.PermitSome
		}
		out[e.Name] = Treatment{Action: t.String(), Permits: pm}
	}
	return out, nil
}
