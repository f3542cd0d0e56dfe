package profile

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of p. Source and Resource are copied too, so the copy can be
// changed freely.
func (p *Profile) Clone() *Profile {
	if p == nil {
		return nil
	}
	out := *p
	out.DefaultErrnoRet = clonePtr(p.DefaultErrnoRet)
	out.Architectures = slices.Clone(p.Architectures)
	out.Flags = slices.Clone(p.Flags)
	out.ArchMap = nil
	for _, m := range p.ArchMap {
		out.ArchMap = append(out.ArchMap, ArchMap{Arch: m.Arch, SubArches: slices.Clone(m.SubArches)})
	}
	out.Syscalls = nil
	for _, r := range p.Syscalls {
		out.Syscalls = append(out.Syscalls, r.clone())
	}
	if p.Source != nil {
		s := *p.Source
		// The position look-up reads the parsed document, which nothing changes.
		s.Warnings = slices.Clone(p.Source.Warnings)
		out.Source = &s
	}
	if p.Resource != nil {
		res := *p.Resource
		res.Labels = maps.Clone(p.Resource.Labels)
		res.Annotations = maps.Clone(p.Resource.Annotations)
		out.Resource = &res
	}
	return &out
}

func (r Rule) clone() Rule {
	r.Names = slices.Clone(r.Names)
	r.ErrnoRet = clonePtr(r.ErrnoRet)
	r.Args = slices.Clone(r.Args)
	if r.Includes != nil {
		f := r.Includes.clone()
		r.Includes = &f
	}
	if r.Excludes != nil {
		f := r.Excludes.clone()
		r.Excludes = &f
	}
	return r
}

func (f *Filter) clone() Filter {
	return Filter{Caps: slices.Clone(f.Caps), Arches: slices.Clone(f.Arches), MinKernel: f.MinKernel}
}
