package record_test

import (
	"fmt"
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

// A node agent counts the containers of a pod: the pod's cgroup is watched, each
// container below it is counted from its entrypoint's exec, and what was counted is
// read while it runs. (Needs root and a kernel with eBPF; not run as a test.)
func ExampleCgroupRecorder() {
	r, err := record.NewCgroupRecorder(record.CgroupRecorderOptions{ContainerExecs: true})
	if err != nil {
		fmt.Println("no eBPF recording here:", err)
		return
	}
	defer r.Close()
	if err := r.WatchTree("kubepods/besteffort/pod0b5c6d9e-0000-4000-8000-000000000000"); err != nil {
		fmt.Println(err)
		return
	}
	counts, err := r.Counts()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range counts {
		fmt.Println(c.Name, len(c.Calls), "syscalls", "gone:", c.Gone)
		if c.Gone {
			r.Forget(c.ID)
		}
	}
	if s := r.Stats(); s.NotCounted > 0 {
		fmt.Println(s.NotCounted, "containers were not counted: no free slot")
	}
}
