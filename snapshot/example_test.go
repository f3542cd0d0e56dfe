package snapshot_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// The OCI runtime a node starts containers with follows from the container runtime
// its Node object reports; when it cannot be told, both runc and crun are named.
func ExampleOCIRuntimes() {
	for _, v := range []string{"containerd://1.7.24", "cri-o://1.27.4", "cri-o://1.29.1", "cri-o://1.31.0"} {
		rts, unsure := snapshot.OCIRuntimes(v)
		fmt.Println(v, rts, unsure != "")
	}
	// Output:
	// containerd://1.7.24 [runc] false
	// cri-o://1.27.4 [runc] false
	// cri-o://1.29.1 [crun runc] true
	// cri-o://1.31.0 [crun] false
}

// With Options.Static, what the agent's analysis found a container's executables can
// reach completes its profile: a syscall no replica made is allowed with a comment
// saying so, a dangerous one is only reported, and a replica without analysis makes
// the completion unsure.
func ExampleCollect_static() {
	reach := &snapshot.Static{Looks: 2, Executables: []snapshot.Executable{{Path: "/usr/bin/redis-server",
		Arches: []snapshot.StaticArches{{Arch: syscalls.X86_64, Syscalls: []string{"fsync", "ptrace", "read"}}}}}}
	snaps := []snapshot.Snapshot{{Node: "n1", Containers: []snapshot.Container{
		{Namespace: "shop", Pod: "kv-1", Container: "server", Arch: syscalls.X86_64, Syscalls: []snapshot.Seen{{Name: "read", Count: 3}}, Static: reach},
		{Namespace: "shop", Pod: "kv-2", Container: "server", Arch: syscalls.X86_64, Syscalls: []snapshot.Seen{{Name: "read", Count: 5}}},
	}}}
	cs, err := snapshot.Collect(snaps, snapshot.Options{Runtime: "none", Static: true})
	if err != nil {
		panic(err)
	}
	st := cs[0].Static
	for _, r := range cs[0].Profile.Syscalls {
		if r.Names[0] == "fsync" {
			fmt.Println(r.Comment)
		}
	}
	fmt.Println("added:", st.Added)
	fmt.Println("withheld:", st.Withheld[0].Name)
	fmt.Println("unsure:", st.Unsure, st.NotAnalyzed)
	// Output:
	// reachable in /usr/bin/redis-server (static analysis); not seen while recording
	// added: [fsync]
	// withheld: ptrace
	// unsure: true [n1/shop/kv-2: not analyzed: its node's agent never found the container running (it ended before it was looked at, as a short init container does, or has not been looked at yet)]
}
