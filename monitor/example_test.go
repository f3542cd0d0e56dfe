package monitor_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/monitor"
)

func ExampleParseCgroup() {
	data := []byte("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b3e5f7a_9c2d_4e6f_8a0b_c2d4e6f8a0b2.slice/cri-containerd-4f9d1c0e6b2a8f7e5d3c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c.scope\n")
	info, ok := monitor.ParseCgroup(data)
	fmt.Println(ok, info.ContainerID[:12], info.PodUID)
	// Output: true 4f9d1c0e6b2a 1b3e5f7a-9c2d-4e6f-8a0b-c2d4e6f8a0b2
}
