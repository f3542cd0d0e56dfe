package lint

import (
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// NodeVerdicts is how lint judges a profile's syscalls on one node architecture.
type NodeVerdicts struct {
	Arch syscalls.Arch
	c    *archCtx
}

// Verdicts returns lint's judgement of p on each node architecture it checks with
// opts: the same verdicts its rules report from.
func Verdicts(p *profile.Profile, opts Options) ([]NodeVerdicts, error) {
	var out []NodeVerdicts
	for _, a := range nodeArches(p, opts) {
		c, err := resolveCtx(p, a, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, NodeVerdicts{Arch: a, c: c})
	}
	return out, nil
}

// Permits says how many calls of syscall name get through, as lint's rules see it;
// stub says runc's -ENOSYS stub answers them.
func (v NodeVerdicts) Permits(name string) (p semantics.Permit, stub bool) {
	vd := v.c.verdict(name)
	switch vd.state {
	case allowed:
		return semantics.PermitAll, vd.stub
	case conditional:
		return semantics.PermitSome, vd.stub
	}
	return semantics.PermitNone, vd.stub
}
