package agent

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/syscalls"
)

// syscallChildEnv makes the test binary a workload for the recording tests: it makes
// the named syscalls (comma-separated, with zero arguments: harmless, and counted at
// entry whatever they return) at start and again for every line on stdin, answering
// each round with a line on stdout, and exits at EOF.
const syscallChildEnv = "SECCOMPCTL_TEST_SYSCALLS"

func syscallChild(spec string) int {
	var nrs []uintptr
	for _, name := range strings.Split(spec, ",") {
		nr, ok := syscalls.Number(syscalls.Native(), name)
		if !ok {
			fmt.Fprintf(os.Stderr, "no syscall %s on %s\n", name, syscalls.Native())
			return 2
		}
		nrs = append(nrs, uintptr(nr))
	}
	round := func() {
		for _, nr := range nrs {
			unix.Syscall(nr, 0, 0, 0)
		}
		fmt.Println("done")
	}
	round()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		round()
	}
	return 0
}
