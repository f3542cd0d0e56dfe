package profile_test

import (
	"errors"
	"fmt"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

func ExampleLoad() {
	p, err := profile.Load("testdata/reference/seed-conditional.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	pos, _ := p.Pos("syscalls[1].args[0].op")
	fmt.Println(p.DefaultAction, len(p.Syscalls), "rules; syscalls[1].args[0].op at line", pos.Line)
	// Output: SCMP_ACT_ERRNO 2 rules; syscalls[1].args[0].op at line 24
}

func ExampleParse_errors() {
	_, err := profile.Parse("app.json", []byte(`{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [{"names": ["read", "read"], "action": "SCMP_ACT_ALOW"}]
}`))
	fmt.Println(err)
	var e *profile.Error
	if errors.As(err, &e) {
		fmt.Println("first problem:", e.Path, "line", e.Line)
	}
	// Output:
	// app.json:3:35: syscalls[0].names[1]: "read" is named twice in this rule (also names[0])
	// app.json:3:54: syscalls[0].action: unknown action "SCMP_ACT_ALOW" (did you mean SCMP_ACT_ALLOW?)
	// first problem: syscalls[0].names[1] line 3
}

func ExampleProfile_Resolve() {
	p, _ := profile.Parse("p.json", []byte(`{
  "defaultAction": "SCMP_ACT_ERRNO",
  "archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}}
  ]
}`))
	r, err := p.Resolve(profile.ResolveOptions{Arch: syscalls.AArch64, Caps: profile.DefaultCaps(), Kernel: "6.1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Architectures)
	for _, rule := range r.Syscalls {
		fmt.Println(rule.Names, rule.Action)
	}
	// Output:
	// [SCMP_ARCH_AARCH64 SCMP_ARCH_ARM]
	// [read write] SCMP_ACT_ALLOW
}

func ExampleProfile_ToOCI() {
	p, _ := profile.Parse("p.json", []byte(`{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "syscalls": [{"name": "personality", "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]
}`))
	s, err := p.ToOCI(profile.ResolveOptions{Arch: syscalls.X86_64})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.DefaultAction, *s.DefaultErrnoRet, s.Syscalls[0].Names, s.Syscalls[0].Args[0].Op, s.Syscalls[0].Args[0].Value)
	// Output: SCMP_ACT_ERRNO 38 [personality] SCMP_CMP_EQ 8
}

func ExampleRuntimeDefault() {
	s, err := profile.RuntimeDefault().ToOCI(profile.ResolveOptions{Arch: syscalls.X86_64, Caps: profile.DefaultCaps(), Kernel: "6.1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.DefaultAction, s.Architectures)
	// Output: SCMP_ACT_ERRNO [SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32]
}

func ExampleMarshalSPO() {
	p, _ := profile.Parse("web.json", []byte(`{"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}`))
	out, _ := profile.MarshalSPO(p)
	fmt.Print(string(out))
	// Output:
	// apiVersion: security-profiles-operator.x-k8s.io/v1beta1
	// kind: SeccompProfile
	// metadata:
	//   name: web
	// spec:
	//   defaultAction: SCMP_ACT_LOG
	//   syscalls:
	//     - names:
	//         - uname
	//       action: SCMP_ACT_ERRNO
	//       errnoRet: 38
}
