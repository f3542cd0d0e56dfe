package filter

import (
	"math/rand/v2"
	"slices"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Architecture families whose members can share one program (same byte order), among
// those both seccompctl and libseccomp 2.5 have tables for.
var (
	littleEndian = []syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32, syscalls.AArch64, syscalls.ARM,
		syscalls.MIPSEL, syscalls.MIPSEL64, syscalls.PPC64LE, syscalls.RISCV64}
	bigEndian = []syscalls.Arch{syscalls.MIPS, syscalls.MIPS64, syscalls.PPC, syscalls.PPC64, syscalls.S390X}
)

// Names random profiles draw from first: the multiplexed calls, their multiplexers,
// x86-only and arm-only calls, calls with argument rules in real profiles.
var favouriteNames = []string{"read", "write", "close", "getpid", "socket", "connect", "accept", "accept4",
	"send", "recv", "sendto", "shmget", "semop", "semtimedop", "socketcall", "ipc", "clone", "clone3",
	"personality", "ioctl", "mmap", "mmap2", "futex", "exit_group", "prctl", "kill", "arch_prctl",
	"set_thread_area", "cacheflush", "set_tls", "setup", "open", "openat", "io_uring_setup", "close_range"}

// Values conditions and arguments draw from: the edges of 32 and 64-bit words.
var edgeValues = []uint64{0, 1, 2, 3, 40, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	0x1_00000000, 0x1_00000001, 0x7fffffff_ffffffff, 0x80000000_00000000, 0xffffffff_00000000,
	0xffffffff_80000000, 0xffffffff_fffffffe, 0xffffffff_ffffffff, 0x00020000, 0x7e020000}

var randomActions = []profile.Action{profile.ActAllow, profile.ActErrno, profile.ActKill, profile.ActKillProcess,
	profile.ActKillThread, profile.ActTrap, profile.ActTrace, profile.ActLog, profile.ActNotify}

// randomCase is a profile, the architectures of its program and the names it uses.
type randomCase struct {
	p      *profile.Profile
	arches []syscalls.Arch
}

// randomProfile builds a profile exercising what the compiler must get right: several
// rules per syscall, actions equal to the default, conditions on the same argument,
// every operator with edge values, multiplexed calls, listed and unlisted arches.
// usable says which names both compilers know the same way.
func randomProfile(rng *rand.Rand, usable func(syscalls.Arch, string) bool) randomCase {
	family := littleEndian
	if rng.IntN(5) == 0 {
		family = bigEndian
	}
	var arches []syscalls.Arch
	for range 1 + rng.IntN(3) {
		a := family[rng.IntN(len(family))]
		if !slices.Contains(arches, a) {
			arches = append(arches, a)
		}
	}
	p := &profile.Profile{DefaultAction: randomDefault(rng)}
	if p.DefaultAction == profile.ActErrno || p.DefaultAction == profile.ActTrace {
		p.DefaultErrnoRet = randomErrno(rng)
	}
	for _, a := range arches {
		if rng.IntN(3) > 0 {
			p.Architectures = append(p.Architectures, a)
		}
	}
	var pool []string
	for range 4 + rng.IntN(8) {
		var n string
		if rng.IntN(2) == 0 {
			n = favouriteNames[rng.IntN(len(favouriteNames))]
		} else {
			t := syscalls.Table(arches[rng.IntN(len(arches))])
			n = t[rng.IntN(len(t))].Name
		}
		ok := true
		for _, a := range arches {
			ok = ok && usable(a, n)
		}
		if ok && !slices.Contains(pool, n) {
			pool = append(pool, n)
		}
	}
	if len(pool) == 0 {
		pool = []string{"read"}
	}
	for range 1 + rng.IntN(10) {
		r := profile.Rule{Action: randomActions[rng.IntN(len(randomActions))]}
		if rng.IntN(4) == 0 {
			r.Action = p.DefaultAction
		}
		if r.Action == profile.ActErrno || r.Action == profile.ActTrace {
			if rng.IntN(3) > 0 {
				r.ErrnoRet = randomErrno(rng)
			}
		}
		for range 1 + rng.IntN(3) {
			n := pool[rng.IntN(len(pool))]
			if !slices.Contains(r.Names, n) {
				r.Names = append(r.Names, n)
			}
		}
		if rng.IntN(2) == 0 {
			last := uint(rng.IntN(6))
			for range 1 + rng.IntN(3) {
				a := profile.Arg{Index: last, Op: profile.Operators()[rng.IntN(7)], Value: randomValue(rng)}
				if rng.IntN(3) > 0 {
					a.Index = uint(rng.IntN(6))
				}
				last = a.Index
				if a.Op == profile.OpMaskedEqual {
					a.ValueTwo = randomValue(rng)
					if rng.IntN(2) == 0 {
						a.ValueTwo &= a.Value
					}
				}
				r.Args = append(r.Args, a)
			}
		}
		p.Syscalls = append(p.Syscalls, r)
	}
	return randomCase{p: p, arches: arches}
}

func randomDefault(rng *rand.Rand) profile.Action {
	for {
		a := randomActions[rng.IntN(len(randomActions))]
		if a != profile.ActNotify {
			return a
		}
	}
}

func randomErrno(rng *rand.Rand) *uint {
	v := []uint{0, 1, 13, 38, 4095, uint(rng.IntN(4096))}[rng.IntN(6)]
	return &v
}

func randomValue(rng *rand.Rand) uint64 {
	switch rng.IntN(4) {
	case 0:
		return rng.Uint64()
	case 1:
		return uint64(rng.IntN(64))
	}
	return edgeValues[rng.IntN(len(edgeValues))]
}

// pseudoLow and pseudoHigh bound libseccomp's internal pseudo-syscall numbers
// (-10000 and below for calls an arch lacks, -101 to -224 for multiplexed calls), for
// which it emits rules no real syscall can reach; seccompctl does not (docs/compiler.md).
const (
	pseudoLow  = -11000
	pseudoHigh = -100
)

func isPseudo(nr uint32) bool { return int32(nr) >= pseudoLow && int32(nr) <= pseudoHigh }

// interestingInputs returns seccomp_data values around everything the profile says:
// its syscalls on every architecture of the program, the multiplexers, the edges of
// the number space and of x32, -1, foreign architectures, and arguments at and around
// every value the conditions name, in both words.
func interestingInputs(rng *rand.Rand, p *profile.Profile, arches []syscalls.Arch, n int) []bpf.Data {
	var values []uint64
	var names []string
	for _, r := range p.Syscalls {
		names = append(names, r.AllNames()...)
		for _, a := range r.Args {
			for _, v := range []uint64{a.Value, a.ValueTwo, a.ValueTwo | ^a.Value, a.ValueTwo &^ 1} {
				values = append(values, v, v-1, v+1, v^1<<32, v&0xffffffff, v|0xffffffff<<32, uint64(int64(int32(v))))
			}
		}
	}
	values = append(values, edgeValues...)
	audits := []uint32{0, 0xffffffff, syscalls.AArch64.AuditArch(), syscalls.X86.AuditArch(), syscalls.S390X.AuditArch()}
	edges := []uint32{0, 1, 2, 0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xfffffffe, 0xffffffff}
	out := make([]bpf.Data, 0, n)
	for len(out) < n {
		a := arches[rng.IntN(len(arches))]
		d := bpf.Data{Arch: a.AuditArch()}
		if rng.IntN(20) == 0 {
			d.Arch = audits[rng.IntN(len(audits))]
		}
		var nr uint32
		switch k := rng.IntN(10); {
		case k < 5 && len(names) > 0:
			name := names[rng.IntN(len(names))]
			if x, ok := syscalls.Number(a, name); ok {
				nr = uint32(x)
			} else if mux, _, ok := semantics.Multiplexed(a, name); ok {
				nr = mux
			} else {
				nr = uint32(rng.IntN(600))
			}
			if rng.IntN(4) == 0 { // around it: the -ENOSYS bound is the highest plus one
				nr += uint32(rng.IntN(3)) - 1
			}
		case k < 7:
			t := syscalls.Table(a)
			nr = uint32(t[rng.IntN(len(t))].Nr)
			if rng.IntN(3) == 0 {
				nr += uint32(rng.IntN(3)) - 1
			}
		case k < 9:
			nr = edges[rng.IntN(len(edges))]
			if rng.IntN(3) == 0 {
				nr = uint32(syscalls.Max(a)) + uint32(rng.IntN(3)) - 1
			}
		default:
			nr = rng.Uint32()
		}
		if isPseudo(nr) {
			continue
		}
		d.Nr = int32(nr)
		for i := range d.Args {
			switch rng.IntN(4) {
			case 0:
				d.Args[i] = rng.Uint64()
			default:
				d.Args[i] = values[rng.IntN(len(values))]
			}
		}
		out = append(out, d)
	}
	return out
}
