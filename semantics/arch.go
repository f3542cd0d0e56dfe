package semantics

import (
	"slices"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// SubArches returns the architectures a node of architecture a also runs programs of;
// syscalls.Arch.Compat holds the facts.
func SubArches(a syscalls.Arch) []syscalls.Arch { return a.Compat() }

// IsSubArch reports whether a is a sub-architecture of one of of.
func IsSubArch(a syscalls.Arch, of []syscalls.Arch) bool {
	for _, h := range of {
		if slices.Contains(h.Compat(), a) {
			return true
		}
	}
	return false
}

// WithSubArches returns arches followed by each one's sub-architectures, sorted and
// without duplicates.
func WithSubArches(arches []syscalls.Arch) []syscalls.Arch {
	var all []syscalls.Arch
	for _, a := range arches {
		all = append(all, a)
		all = append(all, a.Compat()...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// NodeArches returns the node architectures a profile is for: archMap's, else the
// listed ones that are not sub-architectures of another listed one, else this
// machine's.
func NodeArches(p *profile.Profile) []syscalls.Arch {
	var out []syscalls.Arch
	if len(p.ArchMap) > 0 {
		for _, m := range p.ArchMap {
			out = append(out, m.Arch)
		}
		return out
	}
	for _, a := range p.Architectures {
		if !IsSubArch(a, p.Architectures) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = []syscalls.Arch{syscalls.Native()}
	}
	return out
}

// Family returns the architectures a filter for a node of architecture node covers
// in the resolved profile r: the node's own, then the listed ones it runs. With an
// archMap every listed architecture belongs to the node (resolution kept only the
// node's entry); a plain list says nothing about nodes, so only the known
// sub-architectures of node are kept. withArchMap says the original profile had one.
func Family(node syscalls.Arch, r *profile.Profile, withArchMap bool) []syscalls.Arch {
	out := []syscalls.Arch{node}
	for _, a := range r.Architectures {
		sub := withArchMap || slices.Contains(node.Compat(), a)
		if sub && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
