package filter_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

func ExampleCompile() {
	p, err := profile.Parse("example.json", []byte(`{
		"defaultAction": "SCMP_ACT_ERRNO",
		"architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [
			{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
		]}`))
	if err != nil {
		panic(err)
	}
	f, err := filter.Compile(p, filter.Options{Arches: []syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(f.Program), "instructions")
	for _, call := range []struct {
		name string
		arg  uint64
	}{{"write", 0}, {"personality", 8}, {"personality", 0x1_00000008}, {"getpid", 0}} {
		nr, _ := syscalls.Number(syscalls.X86_64, call.name)
		d, err := f.Explain(syscalls.X86_64, nr, [6]uint64{call.arg})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s(%#x): %s (%s)\n", call.name, call.arg, d.Action, d.Reason)
	}
	nr, _ := syscalls.Number(syscalls.X86_64, "clone3")
	d, _ := f.Explain(syscalls.X86_64, nr, [6]uint64{})
	fmt.Printf("clone3: %s (%s)\n", d.Action, d.Reason)
	// Output:
	// 21 instructions
	// write(0x0): ALLOW (rule)
	// personality(0x8): ALLOW (rule)
	// personality(0x100000008): ERRNO(1) (default)
	// getpid(0x0): ERRNO(1) (default)
	// clone3: ERRNO(38) (enosys)
}
