package record

import (
	"sync"

	"github.com/seccompctl/seccompctl/syscalls"
)

// ArgSpec says which argument of a syscall carries a meaning worth a rule, and which of
// its bits: the recorder keeps arg & Mask, generate emits (arg & Mask) == value.
type ArgSpec struct {
	Index uint8
	Mask  uint64
	// What names the argument in comments ("family", "flags").
	What string
}

// Masks of the argument specs.
const (
	// int32Mask keeps the low 32 bits: the kernel reads int and unsigned int arguments
	// from the low half of the register and ignores the rest, so a rule on the full
	// 64-bit value could deny a call the kernel treats as identical.
	int32Mask = 0xffffffff
	// sockTypeMask is SOCK_TYPE_MASK: socket(2)'s type without SOCK_NONBLOCK/CLOEXEC.
	sockTypeMask = 0xf
	// cloneNamespaces is CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: the
	// flags that create namespaces. Other clone flags differ between fork and thread
	// creation and between libc versions, so they are not worth a rule.
	cloneNamespaces = 0x7e020000
	// protMask is PROT_READ|PROT_WRITE|PROT_EXEC.
	protMask = 0x7
	// openModeMask is O_ACCMODE|O_CREAT|O_TRUNC (same values on x86, arm, aarch64,
	// riscv64, ppc64le, s390x): whether a file is opened for reading or writing,
	// created or truncated. O_CLOEXEC, O_NONBLOCK and friends vary with the caller.
	openModeMask = 0x3 | 0o100 | 0o1000
)

// ArgSpecs lists the syscalls whose arguments record --args keeps, by name. The index is
// where the argument sits on most architectures; SpecsFor handles the exceptions.
var ArgSpecs = map[string][]ArgSpec{
	"socket":        {{0, int32Mask, "family"}, {1, sockTypeMask, "type"}},
	"socketpair":    {{0, int32Mask, "family"}, {1, sockTypeMask, "type"}},
	"clone":         {{0, cloneNamespaces, "namespace flags"}},
	"unshare":       {{0, int32Mask, "flags"}},
	"setns":         {{1, int32Mask, "nstype"}},
	"personality":   {{0, int32Mask, "persona"}},
	"prctl":         {{0, int32Mask, "option"}},
	"arch_prctl":    {{0, int32Mask, "code"}},
	"ioctl":         {{1, int32Mask, "request"}},
	"fcntl":         {{1, int32Mask, "cmd"}},
	"fcntl64":       {{1, int32Mask, "cmd"}},
	"mprotect":      {{2, protMask, "prot"}},
	"pkey_mprotect": {{2, protMask, "prot"}},
	"mmap":          {{2, protMask, "prot"}},
	"mmap2":         {{2, protMask, "prot"}},
	"open":          {{1, openModeMask, "access mode"}},
	"openat":        {{2, openModeMask, "access mode"}},
	"setsockopt":    {{1, int32Mask, "level"}, {2, int32Mask, "optname"}},
	"getsockopt":    {{1, int32Mask, "level"}, {2, int32Mask, "optname"}},
	"bpf":           {{0, int32Mask, "cmd"}},
}

// SpecsFor returns the argument specs of name on arch, with indexes for that arch
// (syscalls.ArgIndex: clone's flags are second on s390, old_mmap passes none).
func SpecsFor(arch syscalls.Arch, name string) []ArgSpec {
	var out []ArgSpec
	for _, s := range ArgSpecs[name] {
		i, ok := syscalls.ArgIndex(arch, name, int(s.Index))
		if !ok {
			continue
		}
		s.Index = uint8(i)
		out = append(out, s)
	}
	return out
}

// ArgsOf returns the ArgSet of a call of name on arch with the given raw arguments, the
// zero ArgSet for a syscall without specs.
func ArgsOf(arch syscalls.Arch, name string, args [6]uint64) ArgSet {
	return argsFromSpecs(SpecsFor(arch, name), args)
}

func argsFromSpecs(specs []ArgSpec, args [6]uint64) ArgSet {
	var s ArgSet
	for _, sp := range specs {
		s.A[s.N] = ArgValue{Index: sp.Index, Mask: sp.Mask, Value: args[sp.Index] & sp.Mask}
		s.N++
	}
	return s
}

// specTable maps syscall numbers to specs per arch, for the recorders' hot path.
type specTable map[uint64][]ArgSpec

var (
	specTablesMu sync.Mutex
	specTables   = map[syscalls.Arch]specTable{}
)

func specsByNumber(arch syscalls.Arch) specTable {
	specTablesMu.Lock()
	defer specTablesMu.Unlock()
	if t, ok := specTables[arch]; ok {
		return t
	}
	t := specTable{}
	for name := range ArgSpecs {
		if nr, ok := syscalls.Number(arch, name); ok {
			t[uint64(nr)] = SpecsFor(arch, name)
		}
	}
	specTables[arch] = t
	return t
}
