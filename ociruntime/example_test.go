package ociruntime_test

import (
	"fmt"
	"slices"

	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/syscalls"
)

func ExampleRequired() {
	need, err := ociruntime.Required("runc", syscalls.X86_64, false)
	if err != nil {
		panic(err)
	}
	// runc checks that /proc/self/fd is on procfs before exec'ing the workload.
	fmt.Println(slices.Contains(need, "fstatfs"), slices.Contains(need, "execve"))
	// Output: true true
}
