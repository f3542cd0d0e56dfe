package snapshot_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/snapshot"
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
