package semantics_test

import (
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

func mustParse(t testing.TB, src string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("test.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const small = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    {"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]},
    {"names": ["openat"], "action": "SCMP_ACT_NOTIFY"},
    {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
    {"names": ["getpid"], "action": "SCMP_ACT_LOG"},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW"}
  ]
}`

func TestSyscallTreatment(t *testing.T) {
	m, err := semantics.ForNode(mustParse(t, small), syscalls.X86_64, semantics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eperm := bpf.RetErrno | 1
	tests := []struct {
		arch    syscalls.Arch
		name    string
		reason  semantics.Reason
		ret     uint32
		rules   int
		permits semantics.Permit
		rule    int // deciding rule, -1 for none
	}{
		{syscalls.X86_64, "read", semantics.ReasonRule, bpf.RetAllow, 0, semantics.PermitAll, 0},
		{syscalls.X86, "write", semantics.ReasonRule, bpf.RetAllow, 0, semantics.PermitAll, 0},
		{syscalls.X86_64, "personality", semantics.ReasonRule, eperm, 1, semantics.PermitSome, -1},
		// The ERRNO(1) rule repeats the default: runc drops it, so the conditional ALLOW
		// is what decides kill.
		{syscalls.X86_64, "kill", semantics.ReasonRule, eperm, 1, semantics.PermitSome, -1},
		{syscalls.X86_64, "openat", semantics.ReasonRule, bpf.RetUserNotif, 0, semantics.PermitSome, 4},
		// The unconditional LOG replaces the conditional ALLOW before it.
		{syscalls.X86_64, "getpid", semantics.ReasonRule, bpf.RetLog, 0, semantics.PermitAll, 6},
		{syscalls.X86_64, "close", semantics.ReasonDefault, eperm, 0, semantics.PermitNone, -1},
		// Above every number the profile names on x86_64 (socket is 41, openat 257).
		{syscalls.X86_64, "faccessat2", semantics.ReasonENOSYS, semantics.RetENOSYS, 0, semantics.PermitNone, -1},
		// On x86 socket goes also through socketcall, which the rule for socket reaches.
		{syscalls.X86, "socketcall", semantics.ReasonRule, eperm, 1, semantics.PermitSome, -1},
	}
	for _, tt := range tests {
		t.Run(tt.arch.Name()+"/"+tt.name, func(t *testing.T) {
			got, ok := m.Syscall(tt.arch, tt.name)
			if !ok {
				t.Fatal("no treatment")
			}
			if got.Reason != tt.reason || got.Ret != tt.ret || len(got.Rules) != tt.rules || got.Permits != tt.permits {
				t.Errorf("got reason %s ret %s, %d conditional rules, permits %s; want %s %s, %d, %s",
					got.Reason, bpf.RetString(got.Ret), len(got.Rules), got.Permits, tt.reason, bpf.RetString(tt.ret), tt.rules, tt.permits)
			}
			switch {
			case tt.rule < 0 && got.Rule != nil:
				t.Errorf("deciding rule %d, want none", got.Rule.Rule)
			case tt.rule >= 0 && (got.Rule == nil || got.Rule.Rule != tt.rule):
				t.Errorf("deciding rule %v, want %d", got.Rule, tt.rule)
			}
		})
	}
	if tr, _ := m.Syscall(syscalls.X86_64, "read"); m.Rule(*tr.Rule) == nil || m.Rule(*tr.Rule).Action != profile.ActAllow {
		t.Errorf("read's deciding rule: %+v", m.Rule(*tr.Rule))
	}
	if _, ok := m.Syscall(syscalls.AArch64, "read"); ok {
		t.Error("aarch64 is not in an x86_64 node's family, yet has a treatment")
	}
	if _, ok := m.Syscall(syscalls.X86_64, "socketcall"); ok {
		t.Error("x86_64 has no socketcall, yet it has a treatment")
	}
}

// Docker 19.03's default predates faccessat2: runc's stub answers it ENOSYS, and glibc
// and Go fall back to faccessat.
func TestDocker1903Faccessat2ENOSYS(t *testing.T) {
	p, err := profile.Load("testdata/docker-default-19.03.15.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := semantics.ForNode(p, syscalls.X86_64, semantics.Options{Caps: profile.DefaultCaps()})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := m.Syscall(syscalls.X86_64, "faccessat2")
	if !ok || got.Reason != semantics.ReasonENOSYS || got.Ret != semantics.RetENOSYS {
		t.Fatalf("faccessat2: %+v, want ENOSYS from the stub", got)
	}
	if got, _ := m.Syscall(syscalls.X86_64, "faccessat"); got.Permits != semantics.PermitAll {
		t.Errorf("faccessat: permits %s, want all", got.Permits)
	}
}

func TestSubArches(t *testing.T) {
	tests := []struct {
		node syscalls.Arch
		want []syscalls.Arch
	}{
		{syscalls.X86_64, []syscalls.Arch{syscalls.X86, syscalls.X32}},
		{syscalls.MIPSEL64, []syscalls.Arch{syscalls.MIPSEL, syscalls.MIPSEL64N32}},
		{syscalls.RISCV64, nil},
	}
	for _, tt := range tests {
		got := semantics.SubArches(tt.node)
		if len(got) != len(tt.want) {
			t.Fatalf("%v: %v, want %v", tt.node, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%v: %v, want %v", tt.node, got, tt.want)
			}
		}
	}
	p := &profile.Profile{Architectures: []syscalls.Arch{syscalls.MIPS64, syscalls.MIPS, syscalls.MIPS64N32, syscalls.AArch64, syscalls.ARM}}
	if got := semantics.NodeArches(p); len(got) != 2 || got[0] != syscalls.MIPS64 || got[1] != syscalls.AArch64 {
		t.Errorf("NodeArches = %v, want mips64 and aarch64", got)
	}
}

// The kernel refuses SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without NEW_LISTENER, which
// runc adds only for NOTIFY rules: the meaning leaves it out and says so (it kept it).
func TestWaitKillableNeedsListener(t *testing.T) {
	for _, tt := range []struct {
		name, rules string
		keep        bool
	}{
		{"no notify rule", `[{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]`, false},
		{"notify rule", `[{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["openat"], "action": "SCMP_ACT_NOTIFY"}]`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, `{"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/l.sock", "architectures": ["SCMP_ARCH_X86_64"],
				"flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"], "syscalls": `+tt.rules+`}`)
			m, err := semantics.ForNode(p, syscalls.X86_64, semantics.Options{})
			if err != nil {
				t.Fatal(err)
			}
			kept := false
			for _, f := range m.Flags {
				kept = kept || f == profile.FlagWaitKillableRecv
			}
			warned := false
			for _, w := range m.Warnings {
				warned = warned || w.Kind == semantics.WarnKillableWithoutListener
			}
			if kept != tt.keep || warned == tt.keep {
				t.Errorf("flags %v, warned %v; want the flag kept %v and a warning %v", m.Flags, warned, tt.keep, !tt.keep)
			}
		})
	}
}
