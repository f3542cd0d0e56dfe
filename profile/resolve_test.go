package profile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/syscalls"
)

// conditional has one rule per kind of condition, named after it.
const conditional = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    {"architecture": "SCMP_ARCH_RISCV64"}
  ],
  "syscalls": [
    {"names": ["always"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["inc_amd64"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["exc_amd64"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
    {"names": ["inc_admin"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["inc_admin_and_boot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_BOOT"]}},
    {"names": ["exc_admin_or_boot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_BOOT"]}},
    {"names": ["inc_5_8"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.8"}},
    {"names": ["exc_5_8"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "5.8"}},
    {"names": ["both"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"], "caps": ["CAP_BPF"]}, "excludes": {"minKernel": "6.0"}}
  ]
}`

func TestResolve(t *testing.T) {
	p, err := Parse("conditional.json", []byte(conditional))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		opt        ResolveOptions
		wantArches []syscalls.Arch
		wantRules  string
	}{
		{"amd64 no caps old kernel", ResolveOptions{Arch: syscalls.X86_64, Kernel: "4.19.0-1-amd64"},
			[]syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32},
			"always inc_amd64 exc_admin_or_boot exc_5_8"},
		{"amd64 admin new kernel", ResolveOptions{Arch: syscalls.X86_64, Caps: []string{"CAP_SYS_ADMIN"}, Kernel: "5.8"},
			[]syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32},
			"always inc_amd64 inc_admin inc_5_8"},
		{"caps are all needed for includes", ResolveOptions{Arch: syscalls.X86_64, Caps: []string{"sys_admin", "SYS_BOOT"}, Kernel: "6.1"},
			[]syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32},
			"always inc_amd64 inc_admin inc_admin_and_boot inc_5_8"},
		{"one cap is enough for excludes", ResolveOptions{Arch: syscalls.X86_64, Caps: []string{"CAP_SYS_BOOT"}, Kernel: "6.1"},
			[]syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32},
			"always inc_amd64 inc_5_8"},
		{"x32 matches its own filter name", ResolveOptions{Arch: syscalls.X32, Kernel: "6.1"},
			nil,
			"always inc_amd64 exc_amd64 exc_admin_or_boot inc_5_8"},
		{"arm64 with BPF before 6.0", ResolveOptions{Arch: syscalls.AArch64, Caps: []string{"CAP_BPF"}, Kernel: "5.15"},
			[]syscalls.Arch{syscalls.AArch64, syscalls.ARM},
			"always exc_amd64 exc_admin_or_boot inc_5_8 both"},
		{"arm64 with BPF on 6.0", ResolveOptions{Arch: syscalls.AArch64, Caps: []string{"CAP_BPF"}, Kernel: "6.0"},
			[]syscalls.Arch{syscalls.AArch64, syscalls.ARM},
			"always exc_amd64 exc_admin_or_boot inc_5_8"},
		{"no kernel means newest", ResolveOptions{Arch: syscalls.RISCV64},
			[]syscalls.Arch{syscalls.RISCV64},
			"always exc_amd64 exc_admin_or_boot inc_5_8"},
		{"arch without an archMap entry", ResolveOptions{Arch: syscalls.S390X, Kernel: "3.10"},
			nil,
			"always exc_amd64 exc_admin_or_boot exc_5_8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.Resolve(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, rule := range r.Syscalls {
				names = append(names, rule.Names...)
				if rule.Includes != nil || rule.Excludes != nil || rule.Name != "" {
					t.Errorf("rule %v still has conditions or a name", rule.Names)
				}
			}
			if got := strings.Join(names, " "); got != tt.wantRules {
				t.Errorf("rules = %s\nwant    %s", got, tt.wantRules)
			}
			if !reflect.DeepEqual(r.Architectures, tt.wantArches) || r.ArchMap != nil {
				t.Errorf("architectures = %v (archMap %v), want %v", r.Architectures, r.ArchMap, tt.wantArches)
			}
			// Positions follow the rules to where they sat in the file.
			last := len(r.Syscalls) - 1
			pos, _ := r.Pos(joinIndex("syscalls", last) + ".names[0]")
			orig := strings.Index(conditional, `"`+r.Syscalls[last].Names[0]+`"`)
			if wantLine := strings.Count(conditional[:orig], "\n") + 1; pos.Line != wantLine {
				t.Errorf("resolved position of %s: line %d, want %d", r.Syscalls[last].Names[0], pos.Line, wantLine)
			}
		})
	}
	// Resolve does not change its input.
	if p.ArchMap == nil || p.Syscalls[1].Includes == nil {
		t.Errorf("Resolve modified the original profile")
	}
}

func TestResolveErrors(t *testing.T) {
	p, err := Parse("c.json", []byte(conditional))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		opt  ResolveOptions
		want string
	}{
		{ResolveOptions{Caps: []string{"CAP_NOPE"}}, `resolving profile: unknown capability "CAP_NOPE"`},
		{ResolveOptions{Kernel: "latest"}, `resolving profile: invalid kernel release "latest" (want e.g. 6.1 or 6.1.0-18-amd64)`},
		{ResolveOptions{Arch: syscalls.Arch(999)}, `resolving profile: unknown architecture Arch(999)`},
	} {
		if _, err := p.Resolve(tt.opt); err == nil || err.Error() != tt.want {
			t.Errorf("Resolve(%+v) = %v, want %s", tt.opt, err, tt.want)
		}
	}
	bad := &Profile{DefaultAction: ActAllow, Syscalls: []Rule{{Name: "a", Names: []string{"b"}, Action: ActLog}}}
	if _, err := bad.Resolve(ResolveOptions{}); err == nil || !strings.Contains(err.Error(), `"name" and "names" are both set`) {
		t.Errorf("Resolve of an invalid profile: %v", err)
	}
}

func TestFilterArchName(t *testing.T) {
	for a, want := range map[syscalls.Arch]string{
		syscalls.X86_64: "amd64", syscalls.X86: "x86", syscalls.X32: "x32", syscalls.AArch64: "arm64",
		syscalls.ARM: "arm", syscalls.S390X: "s390x", syscalls.PPC64LE: "ppc64le", syscalls.RISCV64: "riscv64",
		syscalls.MIPSEL64: "mipsel64", syscalls.MIPSEL64N32: "mips3l64n32", syscalls.LoongArch64: "loongarch64",
	} {
		if got := FilterArchName(a); got != want {
			t.Errorf("FilterArchName(%v) = %q, want %q", a, got, want)
		}
	}
}
