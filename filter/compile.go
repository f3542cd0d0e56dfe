package filter

import (
	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Options say which machine and container a profile is compiled for.
type Options struct {
	// Arches, when set, are exactly the architectures the program accepts. When empty,
	// the program accepts the native architecture and those the profile lists (after
	// archMap), as runc does.
	Arches []syscalls.Arch
	// Native is the architecture of the machine that loads the program, used for
	// archMap and includes/excludes. Zero means Arches[0] if set, else the architecture
	// seccompctl was built for.
	Native syscalls.Arch
	// Caps is the container's capability set for includes/excludes; nil means none
	// (profile.DefaultCaps is what container runtimes grant by default).
	Caps []string
	// Kernel is the host kernel release for minKernel; empty means a new enough kernel.
	Kernel string
}

// Filter is a compiled profile.
type Filter struct {
	// Program is the BPF program to load.
	Program bpf.Program
	// Arches are the architectures the program accepts; syscalls from any other get
	// the bad-architecture action, SECCOMP_RET_KILL_THREAD.
	Arches []syscalls.Arch
	// BigEndian is the byte order of the machine the program is for.
	BigEndian bool
	// Flags are the seccomp(2) flags to install the program with: the profile's, plus
	// SECCOMP_FILTER_FLAG_NEW_LISTENER when a rule uses SCMP_ACT_NOTIFY.
	Flags []profile.Flag
	// Warnings are what the profile says that may not mean what its author meant.
	Warnings []Warning
	// Profile is the resolved profile the program was compiled from; RuleRef.Rule
	// indexes its Syscalls.
	Profile *profile.Profile

	m      *semantics.Meaning
	starts []int // where each group's code starts in Program
}

// ErrTooLong is returned when the program would exceed the kernel's 4096 instructions.
var ErrTooLong = bpf.ErrTooLong

// Compile resolves p for opts and compiles it.
func Compile(p *profile.Profile, opts Options) (*Filter, error) {
	native := opts.Native
	if native == syscalls.ArchInvalid {
		if len(opts.Arches) > 0 {
			native = opts.Arches[0]
		} else {
			native = syscalls.Native()
		}
	}
	if native == syscalls.X32 {
		native = syscalls.X86_64
	}
	r, err := p.Resolve(profile.ResolveOptions{Caps: opts.Caps, Arch: native, Kernel: opts.Kernel})
	if err != nil {
		return nil, err
	}
	f, err := build(r, native, opts.Arches)
	if err != nil {
		return nil, err
	}
	prog, err := f.generate()
	if err != nil {
		return nil, err
	}
	f.Program = prog
	return f, nil
}

func build(r *profile.Profile, native syscalls.Arch, arches []syscalls.Arch) (*Filter, error) {
	m, err := semantics.Build(r, native, arches)
	if err != nil {
		return nil, err
	}
	return &Filter{Profile: r, Arches: m.Arches, BigEndian: m.BigEndian, Flags: m.Flags, Warnings: m.Warnings, m: m}, nil
}

// FromMeaning compiles a meaning semantics.Build gave a resolved profile, for callers
// that already hold one (lint); Compile is the usual entry point.
func FromMeaning(m *semantics.Meaning) (*Filter, error) {
	f := &Filter{Profile: m.Profile, Arches: m.Arches, BigEndian: m.BigEndian, Flags: m.Flags, Warnings: m.Warnings, m: m}
	prog, err := f.generate()
	if err != nil {
		return nil, err
	}
	f.Program = prog
	return f, nil
}
