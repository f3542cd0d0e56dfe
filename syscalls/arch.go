package syscalls

import (
	"fmt"
	"runtime"
	"strings"
)

// Arch is a seccomp architecture as libseccomp and the OCI runtime spec name it
// (SCMP_ARCH_*). The zero value is ArchInvalid.
type Arch int

// The architectures libseccomp knows. Only some have a syscall table here; see HasTable.
const (
	ArchInvalid Arch = iota
	X86
	X86_64
	X32
	ARM
	AArch64
	LoongArch64
	M68K
	MIPS
	MIPS64
	MIPS64N32
	MIPSEL
	MIPSEL64
	MIPSEL64N32
	PPC
	PPC64
	PPC64LE
	S390
	S390X
	PARISC
	PARISC64
	RISCV64
	SH
	SHEB
)

type archInfo struct {
	scmp      string // SCMP_ARCH_ name without the prefix
	short     string // canonical lower-case name, as libseccomp's tools print it
	goarch    string // GOARCH, "" where Go has no port
	uname     string // uname -m
	auditArch uint32 // AUDIT_ARCH_* from linux/audit.h
	bits64    bool
	bigEndian bool
	aliases   []string
}

// Audit arch values are EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000)
// as linux/audit.h defines them.
var archInfos = map[Arch]archInfo{
	X86:         {"X86", "x86", "386", "i686", 0x40000003, false, false, []string{"i386", "i686", "ia32"}},
	X86_64:      {"X86_64", "x86_64", "amd64", "x86_64", 0xc000003e, true, false, []string{"amd64", "x86-64"}},
	X32:         {"X32", "x32", "", "x86_64", 0xc000003e, false, false, nil},
	ARM:         {"ARM", "arm", "arm", "armv7l", 0x40000028, false, false, []string{"armhf", "armel", "armv7l", "armv6l"}},
	AArch64:     {"AARCH64", "aarch64", "arm64", "aarch64", 0xc00000b7, true, false, []string{"arm64"}},
	LoongArch64: {"LOONGARCH64", "loongarch64", "loong64", "loongarch64", 0xc0000102, true, false, []string{"loong64"}},
	M68K:        {"M68K", "m68k", "", "m68k", 0x00000004, false, true, nil},
	MIPS:        {"MIPS", "mips", "mips", "mips", 0x00000008, false, true, nil},
	MIPS64:      {"MIPS64", "mips64", "mips64", "mips64", 0x80000008, true, true, nil},
	MIPS64N32:   {"MIPS64N32", "mips64n32", "", "mips64", 0xa0000008, false, true, nil},
	MIPSEL:      {"MIPSEL", "mipsel", "mipsle", "mips", 0x40000008, false, false, []string{"mipsle"}},
	MIPSEL64:    {"MIPSEL64", "mipsel64", "mips64le", "mips64", 0xc0000008, true, false, []string{"mips64le", "mips64el"}},
	MIPSEL64N32: {"MIPSEL64N32", "mipsel64n32", "", "mips64", 0xe0000008, false, false, []string{"mips64len32"}},
	PPC:         {"PPC", "ppc", "ppc", "ppc", 0x00000014, false, true, nil},
	PPC64:       {"PPC64", "ppc64", "ppc64", "ppc64", 0x80000015, true, true, nil},
	PPC64LE:     {"PPC64LE", "ppc64le", "ppc64le", "ppc64le", 0xc0000015, true, false, nil},
	S390:        {"S390", "s390", "", "s390", 0x00000016, false, true, nil},
	S390X:       {"S390X", "s390x", "s390x", "s390x", 0x80000016, true, true, nil},
	PARISC:      {"PARISC", "parisc", "", "parisc", 0x0000000f, false, true, nil},
	PARISC64:    {"PARISC64", "parisc64", "", "parisc64", 0x8000000f, true, true, nil},
	RISCV64:     {"RISCV64", "riscv64", "riscv64", "riscv64", 0xc00000f3, true, false, nil},
	SH:          {"SH", "sh", "", "sh", 0x4000002a, false, false, []string{"shel"}},
	SHEB:        {"SHEB", "sheb", "", "sh", 0x0000002a, false, true, nil},
}

// Arches returns every known architecture in a stable order.
func Arches() []Arch {
	out := make([]Arch, 0, len(archInfos))
	for a := X86; a <= SHEB; a++ {
		out = append(out, a)
	}
	return out
}

// String returns the SCMP_ARCH_* name, the spelling profiles use.
func (a Arch) String() string {
	if info, ok := archInfos[a]; ok {
		return "SCMP_ARCH_" + info.scmp
	}
	return fmt.Sprintf("Arch(%d)", int(a))
}

// Name returns the short lower-case name (x86_64, aarch64, x32 ...).
func (a Arch) Name() string { return archInfos[a].short }

// GOARCH returns the Go port for a, or "" when Go has none (x32, s390, ...).
func (a Arch) GOARCH() string { return archInfos[a].goarch }

// Uname returns what `uname -m` prints on a machine running a natively.
func (a Arch) Uname() string { return archInfos[a].uname }

// AuditArch returns the AUDIT_ARCH_* value the kernel puts in seccomp_data.arch.
// x32 shares AUDIT_ARCH_X86_64 and is told apart by bit 30 of the syscall number.
func (a Arch) AuditArch() uint32 { return archInfos[a].auditArch }

// Is64 reports whether syscall arguments are 64 bits wide on a.
func (a Arch) Is64() bool { return archInfos[a].bits64 }

// BigEndian reports whether a stores words big-endian.
func (a Arch) BigEndian() bool { return archInfos[a].bigEndian }

// Valid reports whether a is a known architecture.
func (a Arch) Valid() bool { _, ok := archInfos[a]; return ok }

// MarshalText implements encoding.TextMarshaler with the SCMP_ARCH_* name.
func (a Arch) MarshalText() ([]byte, error) {
	if !a.Valid() {
		return nil, fmt.Errorf("invalid architecture %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what ParseArch accepts.
func (a *Arch) UnmarshalText(b []byte) error {
	v, err := ParseArch(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseArch accepts an SCMP_ARCH_* name, the short name (x86_64), a GOARCH (amd64)
// or a uname -m spelling (aarch64, i686), case-insensitively.
func ParseArch(s string) (Arch, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	l = strings.TrimPrefix(l, "scmp_arch_")
	for _, a := range Arches() {
		info := archInfos[a]
		if l == strings.ToLower(info.scmp) || l == info.short || (info.goarch != "" && l == info.goarch) {
			return a, nil
		}
		for _, alias := range info.aliases {
			if l == alias {
				return a, nil
			}
		}
	}
	return ArchInvalid, fmt.Errorf("unknown architecture %q", s)
}

// ArchNames returns the SCMP_ARCH_* names of every known architecture, for suggestions.
func ArchNames() []string {
	var out []string
	for _, a := range Arches() {
		out = append(out, a.String())
	}
	return out
}

// Native returns the architecture this program was built for.
func Native() Arch {
	for _, a := range Arches() {
		if archInfos[a].goarch == runtime.GOARCH {
			return a
		}
	}
	return ArchInvalid
}

// FromAuditArch maps seccomp_data.arch (or an audit record's arch=) to an Arch. For
// AUDIT_ARCH_X86_64 the syscall number decides between x86_64 and x32.
func FromAuditArch(auditArch uint32, nr int) (Arch, bool) {
	if auditArch == X86_64.AuditArch() {
		if nr >= 0 && nr&X32SyscallBit != 0 {
			return X32, true
		}
		return X86_64, true
	}
	for _, a := range Arches() {
		if a != X32 && archInfos[a].auditArch == auditArch {
			return a, true
		}
	}
	return ArchInvalid, false
}

// X32SyscallBit marks x32 syscall numbers on x86_64 (__X32_SYSCALL_BIT).
const X32SyscallBit = 0x40000000

// compat are the architectures a kernel of each 64-bit architecture also runs programs
// of: its compat ABI (CONFIG_COMPAT, CONFIG_IA32_EMULATION) and n32/x32 ABIs
// (CONFIG_X86_X32_ABI, CONFIG_MIPS32_N32).
var compat = map[Arch][]Arch{
	X86_64:   {X86, X32},
	AArch64:  {ARM},
	MIPS64:   {MIPS, MIPS64N32},
	MIPSEL64: {MIPSEL, MIPSEL64N32},
	PPC64:    {PPC},
	S390X:    {S390},
}

// Compat returns the architectures a kernel of architecture a also runs programs of
// (x86 and x32 on x86_64, arm on aarch64, o32 and n32 on mips64, ppc on ppc64, s390 on
// s390x), nil for none. The result is the caller's to keep.
func (a Arch) Compat() []Arch { return append([]Arch(nil), compat[a]...) }
