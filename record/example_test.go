package record_test

import (
	"os"

	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

func ExampleRecording_WriteTrace() {
	r := record.New("ptrace")
	r.Command = []string{"app"}
	x := syscalls.X86_64
	r.Add(record.Call{Arch: x, Name: "read", Exe: "/app"}, 12)
	r.Add(record.Call{Arch: x, Name: "socket", Exe: "/app", Args: record.ArgsOf(x, "socket", [6]uint64{1, 0o2000001})}, 1)
	r.WriteTrace(os.Stdout)
	// Output:
	// {"seccompctlTrace":1,"mode":"ptrace","command":["app"]}
	// {"arch":"SCMP_ARCH_X86_64","syscall":"read","count":12,"exe":"/app"}
	// {"arch":"SCMP_ARCH_X86_64","syscall":"socket","count":1,"exe":"/app","args":[{"index":0,"mask":4294967295,"value":1},{"index":1,"mask":15,"value":1}]}
}
