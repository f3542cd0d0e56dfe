package syscalls_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/syscalls"
)

func ExampleNumber() {
	nr, _ := syscalls.Number(syscalls.AArch64, "openat")
	_, ok := syscalls.Number(syscalls.AArch64, "open")
	fmt.Println(nr, ok, syscalls.Suggest(syscalls.AArch64, "open")[0])
	// Output: 56 false openat
}
