package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// ResolveOptions describe the container and host a profile is resolved for: what
// includes/excludes are evaluated against.
type ResolveOptions struct {
	// Caps is the container's bounding capability set ("CAP_SYS_ADMIN"; "SYS_ADMIN" and
	// lower case are accepted). nil means no capabilities; DefaultCaps is what
	// containerd, moby and kubelet give a container that asks for nothing.
	Caps []string
	// Arch is the architecture the container runs on; the zero value means the
	// architecture this program was built for, as moby uses runtime.GOARCH.
	Arch syscalls.Arch
	// Kernel is the host kernel ("6.1" or a uname -r release such as "6.1.0-18-amd64").
	// Empty means a kernel new enough for every minKernel in the profile.
	Kernel string
}

// DefaultCaps returns the capabilities containerd and moby grant a container by default
// (CRI-O grants fewer: no CAP_MKNOD, CAP_NET_RAW, CAP_SETFCAP, CAP_SYS_CHROOT, CAP_AUDIT_WRITE).
func DefaultCaps() []string {
	return []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
		"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
		"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
}

// NormalizeCap turns "sys_admin" or "SYS_ADMIN" into "CAP_SYS_ADMIN"; it reports false for
// a name that is not a capability.
func NormalizeCap(s string) (string, bool) {
	up := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(up, "CAP_") {
		up = "CAP_" + up
	}
	return up, contains(Capabilities, up)
}

// Resolve evaluates includes/excludes and archMap for one container the way moby's
// setupSeccomp does (CRI-O and Podman follow the same rules), and returns a profile
// without them: Architectures set, ArchMap, Includes, Excludes and the deprecated
// Name removed. Rules keep their order. The result's Source maps rule paths to where
// each surviving rule sits in the original file, so positions stay right.
//
// The rules, per rule:
//   - excludes.arches contains the arch, or excludes.caps names any capability the
//     container has, or the kernel is at least excludes.minKernel: the rule is dropped;
//   - includes.arches is set and lacks the arch, or includes.caps names a capability the
//     container lacks (all are needed), or the kernel is older than includes.minKernel:
//     the rule is dropped.
//
// Architectures: an architectures list is kept as is; with archMap, the entry whose
// architecture is the arch gives the list (it and its sub-architectures) and the other
// entries are dropped; no matching entry gives an empty list (the runtime then filters
// the native architecture only).
func (p *Profile) Resolve(opt ResolveOptions) (*Profile, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	arch := opt.Arch
	if arch == syscalls.ArchInvalid {
		arch = syscalls.Native()
	}
	if !arch.Valid() {
		return nil, fmt.Errorf("resolving profile: unknown architecture %v", opt.Arch)
	}
	caps := map[string]bool{}
	for _, c := range opt.Caps {
		n, ok := NormalizeCap(c)
		if !ok {
			return nil, fmt.Errorf("resolving profile: unknown capability %q", c)
		}
		caps[n] = true
	}
	var kernel *KernelVersion
	if opt.Kernel != "" {
		k, err := ParseKernelRelease(opt.Kernel)
		if err != nil {
			return nil, fmt.Errorf("resolving profile: %w", err)
		}
		kernel = &k
	}
	out := &Profile{
		DefaultAction:    p.DefaultAction,
		DefaultErrnoRet:  clonePtr(p.DefaultErrnoRet),
		DefaultErrno:     p.DefaultErrno,
		Architectures:    slices.Clone(p.Architectures),
		Flags:            slices.Clone(p.Flags),
		ListenerPath:     p.ListenerPath,
		ListenerMetadata: p.ListenerMetadata,
		Resource:         p.Resource,
	}
	for _, m := range p.ArchMap {
		if m.Arch == arch {
			out.Architectures = append([]syscalls.Arch{m.Arch}, m.SubArches...)
			break
		}
	}
	var origin []int
	name := FilterArchName(arch)
	for i := range p.Syscalls {
		r := &p.Syscalls[i]
		if !r.applies(name, caps, kernel) {
			continue
		}
		nr := Rule{
			Names:    slices.Clone(r.AllNames()),
			Action:   r.Action,
			ErrnoRet: clonePtr(r.ErrnoRet),
			Errno:    r.Errno,
			Args:     slices.Clone(r.Args),
			Comment:  r.Comment,
		}
		out.Syscalls = append(out.Syscalls, nr)
		origin = append(origin, i)
	}
	if p.Source != nil {
		out.Source = remapSource(p.Source, origin)
	}
	return out, nil
}

// applies reports whether a rule survives for the given arch (moby's name), capability
// set and kernel (nil: newest).
func (r *Rule) applies(arch string, caps map[string]bool, kernel *KernelVersion) bool {
	atLeast := func(min string) bool {
		if kernel == nil {
			return true
		}
		k, err := ParseKernelVersion(min)
		return err == nil && !kernel.Less(k)
	}
	if e := r.Excludes; e != nil {
		if slices.Contains(e.Arches, arch) {
			return false
		}
		for _, c := range e.Caps {
			if caps[c] {
				return false
			}
		}
		if e.MinKernel != "" && atLeast(e.MinKernel) {
			return false
		}
	}
	if in := r.Includes; in != nil {
		if len(in.Arches) > 0 && !slices.Contains(in.Arches, arch) {
			return false
		}
		for _, c := range in.Caps {
			if !caps[c] {
				return false
			}
		}
		if in.MinKernel != "" && !atLeast(in.MinKernel) {
			return false
		}
	}
	return true
}

// remapSource looks positions up so that "syscalls[j]..." of the resolved profile points
// where rule origin[j] sat, and "name" positions serve as "names[0]".
func remapSource(src *Source, origin []int) *Source {
	out := &Source{File: src.File, Format: src.Format, Document: src.Document, Warnings: slices.Clone(src.Warnings)}
	base := src.lookup
	if base == nil {
		return out
	}
	origin = slices.Clone(origin)
	out.lookup = func(path string) (Position, bool) {
		if path == "architectures" {
			if pos, ok := base("archMap"); ok {
				return pos, true
			}
			return base(path)
		}
		if strings.HasPrefix(path, "archMap") {
			return Position{}, false
		}
		rest, ok := strings.CutPrefix(path, "syscalls[")
		if !ok {
			return base(path)
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Position{}, false
		}
		j, err := strconv.Atoi(rest[:end])
		if err != nil || j < 0 || j >= len(origin) {
			return Position{}, false
		}
		from := joinIndex("syscalls", origin[j])
		if tail := rest[end+1:]; tail == ".names[0]" || tail == ".names" {
			if pos, ok := base(from + ".name"); ok {
				return pos, true
			}
		}
		return base(from + rest[end+1:])
	}
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
