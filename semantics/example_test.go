package semantics_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

func ExampleMeaning_Syscall() {
	p, _ := profile.Parse("example.json", []byte(`{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [{"names": ["read", "openat"], "action": "SCMP_ACT_ALLOW"}]
}`))
	m, _ := semantics.ForNode(p, syscalls.X86_64, semantics.Options{})
	for _, name := range []string{"read", "close", "faccessat2"} {
		t, _ := m.Syscall(syscalls.X86_64, name)
		fmt.Printf("%s: %s by %s, permits %s\n", name, bpf.RetString(t.Ret), t.Reason, t.Permits)
	}
	// Output:
	// read: ALLOW by rule, permits all
	// close: ERRNO(1) by default, permits none
	// faccessat2: ERRNO(38) by enosys, permits none
}
