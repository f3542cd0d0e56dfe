package record

import (
	"bufio"
	"os"
	"syscall"
	"testing"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == HelperVerb {
		os.Exit(RunHelper())
	}
	if os.Getenv(cgroupTestChildEnv) == "1" {
		cgroupTestChild()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// cgroupTestChildEnv makes the test binary the workload of the cgroup recorder's tests.
const cgroupTestChildEnv = "SECCOMPCTL_CGROUP_TEST_CHILD"

// cgroupTestChild makes one getppid for each line read from stdin and answers it with a
// line on stdout, so a test knows how many calls were made when; it returns at EOF.
func cgroupTestChild() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		os.Stdout.Write([]byte("ok\n"))
	}
}
