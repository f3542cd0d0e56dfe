package profile

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccompctl/seccompctl/syscalls"
)

// ToOCI resolves p for one container (see Resolve) and returns the runtime-spec
// seccomp section a runtime such as runc or crun receives in config.json.
//
// The containers/common errno names (errno, defaultErrno) are used only when the
// number is absent, and only for names whose number is the same on every
// architecture (EPERM ... ERANGE); otherwise ToOCI reports an error.
func (p *Profile) ToOCI(opt ResolveOptions) (*specs.LinuxSeccomp, error) {
	r, err := p.Resolve(opt)
	if err != nil {
		return nil, err
	}
	out := &specs.LinuxSeccomp{
		DefaultAction:    specs.LinuxSeccompAction(r.DefaultAction.String()),
		ListenerPath:     r.ListenerPath,
		ListenerMetadata: r.ListenerMetadata,
	}
	if out.DefaultErrnoRet, err = errnoFor(r.DefaultErrnoRet, r.DefaultErrno, "defaultErrno"); err != nil {
		return nil, err
	}
	for _, a := range r.Architectures {
		out.Architectures = append(out.Architectures, specs.Arch(a.String()))
	}
	for _, f := range r.Flags {
		out.Flags = append(out.Flags, specs.LinuxSeccompFlag(f.String()))
	}
	for i, rule := range r.Syscalls {
		sc := specs.LinuxSyscall{
			Names:  slices.Clone(rule.Names),
			Action: specs.LinuxSeccompAction(rule.Action.String()),
		}
		if sc.ErrnoRet, err = errnoFor(rule.ErrnoRet, rule.Errno, fmt.Sprintf("syscalls[%d].errno", i)); err != nil {
			return nil, err
		}
		for _, a := range rule.Args {
			sc.Args = append(sc.Args, specs.LinuxSeccompArg{
				Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo,
				Op: specs.LinuxSeccompOperator(a.Op.String()),
			})
		}
		out.Syscalls = append(out.Syscalls, sc)
	}
	return out, nil
}

func errnoFor(num *uint, name, path string) (*uint, error) {
	if num != nil || name == "" {
		return clonePtr(num), nil
	}
	if v, ok := ErrnoNumber(name); ok {
		return &v, nil
	}
	return nil, fmt.Errorf("%s: %s has no architecture-independent number; set the number (errnoRet) too", path, name)
}

// FromOCI converts a runtime-spec seccomp section to a profile, validating it.
func FromOCI(s *specs.LinuxSeccomp) (*Profile, error) {
	if s == nil {
		return nil, fmt.Errorf("no seccomp section")
	}
	r := newReporter("", nil)
	p := &Profile{
		DefaultErrnoRet:  clonePtr(s.DefaultErrnoRet),
		ListenerPath:     s.ListenerPath,
		ListenerMetadata: s.ListenerMetadata,
	}
	p.DefaultAction = ociAction(r, "defaultAction", string(s.DefaultAction))
	for i, a := range s.Architectures {
		arch, err := syscalls.ParseArch(string(a))
		if err != nil || arch.String() != string(a) {
			r.at(joinIndex("architectures", i), "", "unknown architecture %q", a)
		}
		p.Architectures = append(p.Architectures, arch)
	}
	for i, f := range s.Flags {
		v, err := ParseFlag(string(f))
		if err != nil {
			r.at(joinIndex("flags", i), "", "%v", err)
		}
		p.Flags = append(p.Flags, v)
	}
	for i, sc := range s.Syscalls {
		path := joinIndex("syscalls", i)
		rule := Rule{
			Names:    slices.Clone(sc.Names),
			Action:   ociAction(r, joinKey(path, "action"), string(sc.Action)),
			ErrnoRet: clonePtr(sc.ErrnoRet),
		}
		for j, a := range sc.Args {
			op, err := ParseOperator(string(a.Op))
			if err != nil {
				r.at(joinKey(joinIndex(joinKey(path, "args"), j), "op"), "", "%v", err)
			}
			rule.Args = append(rule.Args, Arg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: op})
		}
		p.Syscalls = append(p.Syscalls, rule)
	}
	p.validate(r)
	if err := r.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func ociAction(r *reporter, path, s string) Action {
	a, err := ParseAction(s)
	if err != nil {
		r.at(path, "", "%v", err)
	}
	return a
}
