package filter

import (
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// TestSemantics pins down, case by case, what a profile means: each case compiles a
// small profile and checks the program's return value (through the interpreter) and
// the reason Explain gives.
func TestSemantics(t *testing.T) {
	const (
		allow = bpf.RetAllow
		eperm = bpf.RetErrno | 1
		kill  = bpf.RetKillThread
	)
	x86_64, x86, x32 := syscalls.X86_64, syscalls.X86, syscalls.X32
	nr := func(a syscalls.Arch, name string) int {
		n, ok := syscalls.Number(a, name)
		if !ok {
			t.Fatalf("no %s on %v", name, a)
		}
		return n
	}
	type call struct {
		arch   syscalls.Arch
		audit  uint32 // overrides arch.AuditArch() when set
		nr     int
		args   [6]uint64
		want   uint32
		reason Reason
	}
	tests := []struct {
		name    string
		profile string
		arches  []syscalls.Arch
		calls   []call
	}{
		{
			name: "64-bit EQ compares both words; 32-bit arches the low word",
			profile: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
				"args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]}]}`,
			arches: []syscalls.Arch{x86_64, x86},
			calls: []call{
				{arch: x86_64, nr: nr(x86_64, "personality"), args: [6]uint64{0xffffffff}, want: allow, reason: ReasonRule},
				// -1 as a sign-extended int: the high word differs.
				{arch: x86_64, nr: nr(x86_64, "personality"), args: [6]uint64{0xffffffff_ffffffff}, want: eperm, reason: ReasonDefault},
				{arch: x86_64, nr: nr(x86_64, "personality"), args: [6]uint64{0x1_ffffffff}, want: eperm, reason: ReasonDefault},
				{arch: x86, nr: nr(x86, "personality"), args: [6]uint64{0xffffffff_ffffffff}, want: allow, reason: ReasonRule},
			},
		},
		{
			name: "ordered comparisons are lexicographic on (high, low)",
			profile: `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
				{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": 4294967296, "op": "SCMP_CMP_GE"}]},
				{"names": ["write"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": 8589934593, "op": "SCMP_CMP_LT"}]},
				{"names": ["close"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 4294967296, "op": "SCMP_CMP_LE"}]},
				{"names": ["openat"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 3, "value": 4294967295, "op": "SCMP_CMP_GT"}]}]}`,
			arches: []syscalls.Arch{x86_64},
			calls: []call{
				{arch: x86_64, nr: 0, args: [6]uint64{0, 0, 0xffffffff}, want: allow, reason: ReasonDefault},
				{arch: x86_64, nr: 0, args: [6]uint64{0, 0, 0x1_00000000}, want: eperm, reason: ReasonRule},
				{arch: x86_64, nr: 1, args: [6]uint64{0, 0, 0x2_00000000}, want: eperm, reason: ReasonRule},
				{arch: x86_64, nr: 1, args: [6]uint64{0, 0, 0x2_00000001}, want: allow, reason: ReasonDefault},
				{arch: x86_64, nr: 1, args: [6]uint64{0, 0, 0x1_ffffffff}, want: eperm, reason: ReasonRule},
				{arch: x86_64, nr: 3, args: [6]uint64{0x1_00000000}, want: eperm, reason: ReasonRule},
				{arch: x86_64, nr: 3, args: [6]uint64{0x1_00000001}, want: allow, reason: ReasonDefault},
				{arch: x86_64, nr: 257, args: [6]uint64{0, 0, 0, 0xffffffff}, want: allow, reason: ReasonDefault},
				{arch: x86_64, nr: 257, args: [6]uint64{0, 0, 0, 0x1_00000000}, want: eperm, reason: ReasonRule},
			},
		},
		{
			name: "MASKED_EQ masks both halves and the expected value",
			profile: `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["umask"], "action": "SCMP_ACT_ERRNO",
				"args": [{"index": 0, "value": 18446744069414584335, "valueTwo": 4294967298, "op": "SCMP_CMP_MASKED_EQ"}]}]}`,
			arches: []syscalls.Arch{x86_64, x86},
			calls: []call{
				// mask 0xffffffff_0000000f, expected 0x1_00000002
				{arch: x86_64, nr: nr(x86_64, "umask"), args: [6]uint64{0x1_000000f2}, want: eperm, reason: ReasonRule},
				{arch: x86_64, nr: nr(x86_64, "umask"), args: [6]uint64{0x3_00000002}, want: allow, reason: ReasonDefault},
				{arch: x86_64, nr: nr(x86_64, "umask"), args: [6]uint64{0x1_00000003}, want: allow, reason: ReasonDefault},
				// x86: mask 0xf, expected 2, high word ignored
				{arch: x86, nr: nr(x86, "umask"), args: [6]uint64{0x7_00000012}, want: eperm, reason: ReasonRule},
			},
		},
		{
			name: "values above 32 bits are cut on 32-bit arches",
			profile: `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
				{"names": ["dup"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 4294967297, "op": "SCMP_CMP_EQ"}]},
				{"names": ["dup2"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 4294967296, "op": "SCMP_CMP_LT"}]}]}`,
			arches: []syscalls.Arch{x86},
			calls: []call{
				{arch: x86, nr: nr(x86, "dup"), args: [6]uint64{1}, want: eperm, reason: ReasonRule},
				{arch: x86, nr: nr(x86, "dup2"), args: [6]uint64{0}, want: allow, reason: ReasonDefault}, // < 0: never
			},
		},
		{
			name: "x32 numbers under an x86_64-only profile get the bad-arch action, -1 does not",
			profile: `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
				"syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}]}`,
			arches: []syscalls.Arch{x86_64},
			calls: []call{
				{arch: x86_64, nr: 39, want: eperm, reason: ReasonRule},
				{arch: x32, nr: 39 | x32Bit, want: kill, reason: ReasonBadArch},
				{arch: x86_64, nr: 0x80000000, want: kill, reason: ReasonBadArch},
				{arch: x86_64, nr: -1, want: allow, reason: ReasonDefault},
				{arch: x86_64, audit: syscalls.AArch64.AuditArch(), nr: 39, want: kill, reason: ReasonBadArch},
			},
		},
		{
			name: "x32 rules apply to x32 numbers only",
			profile: `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
				"syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}]}`,
			arches: []syscalls.Arch{x86_64, x32},
			calls: []call{
				{arch: x32, nr: 39 | x32Bit, want: bpf.RetErrno | 5, reason: ReasonRule},
				{arch: x32, nr: 40 | x32Bit, want: allow, reason: ReasonDefault},
				{arch: x86_64, nr: -1, want: allow, reason: ReasonDefault},
			},
		},
		{
			name: "ENOSYS above the profile's highest syscall, per listed arch, as runc",
			profile: `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
				"syscalls": [{"names": ["getpid", "openat"], "action": "SCMP_ACT_ALLOW"},
				             {"names": ["clone3"], "action": "SCMP_ACT_ERRNO"}]}`,
			arches: []syscalls.Arch{x86_64, x32, x86},
			calls: []call{
				{arch: x86_64, nr: 435, want: eperm, reason: ReasonDefault}, // clone3: dropped (= default) but counts
				{arch: x86_64, nr: 436, want: semantics.RetENOSYS, reason: ReasonENOSYS},
				{arch: x86_64, nr: 0x3fffffff, want: semantics.RetENOSYS, reason: ReasonENOSYS},
				{arch: x32, nr: 435 | x32Bit, want: eperm, reason: ReasonDefault},
				{arch: x32, nr: 548 | x32Bit, want: semantics.RetENOSYS, reason: ReasonENOSYS},
				{arch: x86_64, nr: -1, want: semantics.RetENOSYS, reason: ReasonENOSYS},
				// x86 is not listed: no stub, the default action.
				{arch: x86, nr: 1000, want: eperm, reason: ReasonDefault},
			},
		},
		{
			name:    "no ENOSYS without listed architectures or with a permissive default",
			profile: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}`,
			arches:  []syscalls.Arch{x86_64},
			calls:   []call{{arch: x86_64, nr: 400, want: eperm, reason: ReasonDefault}},
		},
		{
			name: "s390x: setup (0) gets ENOSYS too",
			profile: `{"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_S390X"],
				"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
			arches: []syscalls.Arch{syscalls.S390X},
			calls: []call{
				{arch: syscalls.S390X, nr: 0, want: semantics.RetENOSYS, reason: ReasonENOSYS},
				{arch: syscalls.S390X, nr: 1, want: bpf.RetKillProcess, reason: ReasonDefault},
				{arch: syscalls.S390X, nr: 3, want: allow, reason: ReasonRule},
			},
		},
		{
			name: "the first unconditional rule wins over conditional rules before and after it",
			profile: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
				{"names": ["ioctl"], "action": "SCMP_ACT_LOG", "args": [{"index": 1, "value": 5, "op": "SCMP_CMP_EQ"}]},
				{"names": ["ioctl"], "action": "SCMP_ACT_TRAP"},
				{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW"},
				{"names": ["fcntl"], "action": "SCMP_ACT_LOG", "args": [{"index": 1, "value": 5, "op": "SCMP_CMP_EQ"}]},
				{"names": ["fcntl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 4, "op": "SCMP_CMP_GE"}]}]}`,
			arches: []syscalls.Arch{x86_64},
			calls: []call{
				{arch: x86_64, nr: 16, args: [6]uint64{0, 5}, want: bpf.RetTrap, reason: ReasonRule},
				{arch: x86_64, nr: 72, args: [6]uint64{0, 5}, want: bpf.RetLog, reason: ReasonRule}, // first match
				{arch: x86_64, nr: 72, args: [6]uint64{0, 6}, want: allow, reason: ReasonRule},
				{arch: x86_64, nr: 72, args: [6]uint64{0, 3}, want: eperm, reason: ReasonDefault},
			},
		},
		{
			name: "conditions on the same argument are OR'd, all of them, as runc splits the rule",
			profile: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [
				{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"},
				{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}]}`,
			arches: []syscalls.Arch{x86_64},
			calls: []call{
				{arch: x86_64, nr: 62, args: [6]uint64{2, 0}, want: allow, reason: ReasonRule},
				{arch: x86_64, nr: 62, args: [6]uint64{7, 9}, want: allow, reason: ReasonRule},
				{arch: x86_64, nr: 62, args: [6]uint64{7, 8}, want: eperm, reason: ReasonDefault},
			},
		},
		{
			name: "rules equal to the default are dropped; errno and trace default to 1",
			profile: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
				{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
				{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
				{"names": ["write"], "action": "SCMP_ACT_TRACE"},
				{"names": ["close"], "action": "SCMP_ACT_KILL"},
				{"names": ["stat"], "action": "SCMP_ACT_NOTIFY"}]}`,
			arches: []syscalls.Arch{x86_64},
			calls: []call{
				{arch: x86_64, nr: 0, want: allow, reason: ReasonRule},
				{arch: x86_64, nr: 1, want: bpf.RetTrace | 1, reason: ReasonRule},
				{arch: x86_64, nr: 3, want: kill, reason: ReasonRule},
				{arch: x86_64, nr: 4, want: bpf.RetUserNotif, reason: ReasonRule},
			},
		},
		{
			name: "socket calls also through socketcall on x86, without the argument 0 condition",
			profile: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW",
				"args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 0, "op": "SCMP_CMP_EQ"}]}]}`,
			arches: []syscalls.Arch{x86},
			calls: []call{
				{arch: x86, nr: nr(x86, "socket"), args: [6]uint64{2, 1, 0}, want: allow, reason: ReasonRule},
				{arch: x86, nr: nr(x86, "socket"), args: [6]uint64{10, 1, 0}, want: eperm, reason: ReasonDefault},
				{arch: x86, nr: nr(x86, "socketcall"), args: [6]uint64{1, 0xbadc0de, 0}, want: allow, reason: ReasonRule},
				{arch: x86, nr: nr(x86, "socketcall"), args: [6]uint64{1, 0xbadc0de, 1}, want: eperm, reason: ReasonDefault},
				{arch: x86, nr: nr(x86, "socketcall"), args: [6]uint64{3}, want: eperm, reason: ReasonDefault},
			},
		},
		{
			name:    "unknown names are ignored",
			profile: `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_call", "getpid"], "action": "SCMP_ACT_KILL_PROCESS"}]}`,
			arches:  []syscalls.Arch{x86_64},
			calls:   []call{{arch: x86_64, nr: 39, want: bpf.RetKillProcess, reason: ReasonRule}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := profile.Parse("test.json", []byte(tt.profile))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Compile(p, Options{Arches: tt.arches})
			if err != nil {
				t.Fatal(err)
			}
			vm, err := bpf.NewVM(f.Program, f.Order())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.calls {
				audit := c.arch.AuditArch()
				if c.audit != 0 {
					audit = c.audit
				}
				d := bpf.Data{Nr: int32(c.nr), Arch: audit, Args: c.args}
				got, _ := vm.Run(&d)
				_, reason, _ := f.Decide(&d)
				if got != c.want || reason != c.reason {
					t.Errorf("%v nr %#x args %#x: %s (%s), want %s (%s)\n%s", c.arch, uint32(c.nr), c.args,
						bpf.RetString(got), reason, bpf.RetString(c.want), c.reason, f.Disassemble())
				}
			}
		})
	}
}
