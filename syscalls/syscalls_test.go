package syscalls

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Numbers checked by hand against the kernel's syscall tables (arch/*/entry/syscalls,
// include/uapi/asm-generic/unistd.h) for each architecture.
func TestKnownNumbers(t *testing.T) {
	tests := []struct {
		arch Arch
		name string
		nr   int
	}{
		{X86_64, "read", 0}, {X86_64, "write", 1}, {X86_64, "open", 2}, {X86_64, "mmap", 9},
		{X86_64, "ioctl", 16}, {X86_64, "execve", 59}, {X86_64, "ptrace", 101}, {X86_64, "arch_prctl", 158},
		{X86_64, "newfstatat", 262}, {X86_64, "bpf", 321}, {X86_64, "clone3", 435}, {X86_64, "openat2", 437},
		{X86, "restart_syscall", 0}, {X86, "exit", 1}, {X86, "read", 3}, {X86, "open", 5},
		{X86, "socketcall", 102}, {X86, "ipc", 117}, {X86, "mmap2", 192}, {X86, "socket", 359}, {X86, "clone3", 435},
		{X32, "read", 0x40000000}, {X32, "open", 0x40000002}, {X32, "rt_sigaction", 0x40000200},
		{X32, "execve", 0x40000208}, {X32, "ptrace", 0x40000209}, {X32, "pwritev2", 0x40000223},
		{AArch64, "io_setup", 0}, {AArch64, "openat", 56}, {AArch64, "read", 63}, {AArch64, "newfstatat", 79},
		{AArch64, "exit_group", 94}, {AArch64, "clone", 220}, {AArch64, "execve", 221}, {AArch64, "clone3", 435},
		{ARM, "exit", 1}, {ARM, "read", 3}, {ARM, "socket", 281}, {ARM, "clone3", 435}, {ARM, "set_tls", 0x0f0005},
		{RISCV64, "openat", 56}, {RISCV64, "read", 63}, {RISCV64, "riscv_flush_icache", 259}, {RISCV64, "execve", 221},
		{PPC64LE, "read", 3}, {PPC64LE, "open", 5}, {PPC64LE, "socket", 326}, {PPC64LE, "newfstatat", 291},
		{S390X, "exit", 1}, {S390X, "read", 3}, {S390X, "socket", 359}, {S390X, "newfstatat", 293},
		{MIPSEL64, "read", 5000}, {MIPSEL64, "write", 5001}, {MIPSEL64, "open", 5002}, {MIPSEL64, "execve", 5057},
		{MIPS, "exit", 4001}, {MIPS, "read", 4003},
		{LoongArch64, "openat", 56}, {LoongArch64, "read", 63}, {LoongArch64, "execve", 221}, {LoongArch64, "clone3", 435},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.arch.Name(), tt.name), func(t *testing.T) {
			nr, ok := Number(tt.arch, tt.name)
			if !ok || nr != tt.nr {
				t.Fatalf("Number(%s, %s) = %d, %v; want %d", tt.arch, tt.name, nr, ok, tt.nr)
			}
			name, ok := Name(tt.arch, tt.nr)
			if !ok || name != tt.name {
				t.Fatalf("Name(%s, %d) = %q, %v; want %q", tt.arch, tt.nr, name, ok, tt.name)
			}
		})
	}
}

func TestMissingOnArch(t *testing.T) {
	for _, tt := range []struct {
		arch Arch
		name string
	}{
		{AArch64, "open"}, {AArch64, "stat"}, {AArch64, "epoll_wait"}, {RISCV64, "fork"},
		{X32, "uselib"}, {X32, "kexec_load" + "_nonexistent"}, {X86_64, "socketcall"}, {LoongArch64, "open"},
	} {
		if Exists(tt.arch, tt.name) {
			t.Errorf("%s exists on %s, want missing", tt.name, tt.arch)
		}
	}
	// x32 has no 64-bit-ABI execve at 59: only the x32 one at 520.
	if name, ok := Name(X32, 59|X32SyscallBit); ok {
		t.Errorf("x32 nr 59 resolves to %q, want nothing", name)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		arch Arch
		name string
		want string
	}{
		{AArch64, "open", "openat"},
		{AArch64, "epoll_wait", "epoll_pwait"},
		{X86_64, "opne", "open"},
		{X86_64, "exit_grop", "exit_group"},
		{RISCV64, "getdents", "getdents64"},
	}
	for _, tt := range tests {
		got := Suggest(tt.arch, tt.name)
		if len(got) == 0 || got[0] != tt.want {
			t.Errorf("Suggest(%s, %q) = %v, want %q first", tt.arch, tt.name, got, tt.want)
		}
	}
}

func TestParseArch(t *testing.T) {
	tests := []struct {
		in   string
		want Arch
	}{
		{"SCMP_ARCH_X86_64", X86_64}, {"x86_64", X86_64}, {"amd64", X86_64},
		{"SCMP_ARCH_AARCH64", AArch64}, {"arm64", AArch64}, {"aarch64", AArch64},
		{"SCMP_ARCH_X32", X32}, {"x32", X32}, {"i686", X86}, {"386", X86},
		{"SCMP_ARCH_MIPSEL64", MIPSEL64}, {"mips64le", MIPSEL64}, {"loong64", LoongArch64},
		{"scmp_arch_riscv64", RISCV64}, {"SCMP_ARCH_PPC64LE", PPC64LE}, {"s390x", S390X},
	}
	for _, tt := range tests {
		got, err := ParseArch(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseArch(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "SCMP_ARCH_X86_65", "sparc", "x86-32"} {
		if _, err := ParseArch(bad); err == nil {
			t.Errorf("ParseArch(%q) succeeded, want error", bad)
		}
	}
	for _, a := range Arches() {
		back, err := ParseArch(a.String())
		if err != nil || back != a {
			t.Errorf("ParseArch(%s) = %v, %v", a, back, err)
		}
	}
}

func TestFromAuditArch(t *testing.T) {
	tests := []struct {
		audit uint32
		nr    int
		want  Arch
	}{
		{0xc000003e, 59, X86_64},
		{0xc000003e, 0x40000208, X32},
		{0xc000003e, -1, X86_64},
		{0x40000003, 11, X86},
		{0xc00000b7, 221, AArch64},
		{0xc00000f3, 221, RISCV64},
		{0x80000016, 11, S390X},
	}
	for _, tt := range tests {
		got, ok := FromAuditArch(tt.audit, tt.nr)
		if !ok || got != tt.want {
			t.Errorf("FromAuditArch(%#x, %d) = %v, %v; want %v", tt.audit, tt.nr, got, ok, tt.want)
		}
	}
	if _, ok := FromAuditArch(0x12345678, 0); ok {
		t.Error("unknown audit arch resolved")
	}
}

// TestAgainstLibseccomp compares every entry with libseccomp's own tables through
// Debian's python3-seccomp. libseccomp resolves the socketcall and ipc multiplexed calls
// on x86, ppc, s390 and mips o32 to the multiplexer (102/117) and does not know calls
// newer than its release; those are the only differences allowed.
func TestAgainstLibseccomp(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import seccomp").Run(); err != nil {
		t.Skipf("libseccomp python bindings unavailable (%v): apt-get install python3-seccomp", err)
	}
	var in bytes.Buffer
	for _, a := range TableArches() {
		if a == LoongArch64 { // python3-seccomp 2.5.4 has no loongarch64
			continue
		}
		for _, e := range Table(a) {
			fmt.Fprintf(&in, "%s %s %d\n", strings.ToUpper(a.Name()), e.Name, e.Nr)
		}
	}
	script := `
import sys, seccomp
for line in sys.stdin:
    a, n, nr = line.split()
    try:
        r = seccomp.resolve_syscall(getattr(seccomp.Arch, a), n)
    except Exception:
        r = -1
    print(a, n, nr, r)
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-seccomp: %v", err)
	}
	checked, unknown := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		ours, _ := strconv.Atoi(f[2])
		theirs, _ := strconv.Atoi(f[3])
		base := ours % 1000 // MIPS o32 multiplexers are 4102/4117
		switch {
		case theirs == ours:
			checked++
		case theirs < 0:
			unknown++
		case theirs == 102 || theirs == 117 || (theirs-base == 4000 && (base == 102 || base == 117)) || theirs == 4102 || theirs == 4117:
			checked++
		default:
			t.Errorf("%s %s: ours %d, libseccomp %d", f[0], f[1], ours, theirs)
		}
	}
	if checked < 4000 {
		t.Fatalf("only %d entries agreed with libseccomp; want the bulk of the tables", checked)
	}
	t.Logf("%d entries agree with libseccomp, %d unknown to it (newer syscalls)", checked, unknown)
}
