package record

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == HelperVerb {
		os.Exit(RunHelper())
	}
	switch os.Getenv(cgroupTestChildEnv) {
	case "1":
		cgroupTestChild()
		os.Exit(0)
	case "getpgid":
		// The forked child of cgroupTestChild's "fork".
		for range 3 {
			syscall.RawSyscall(syscall.SYS_GETPGID, 0, 0, 0)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// cgroupTestChildEnv makes the test binary the workload of the cgroup recorder's tests.
const cgroupTestChildEnv = "SECCOMPCTL_CGROUP_TEST_CHILD"

// cgroupTestChild makes one getppid for each line read from stdin and answers it with a
// line on stdout, so a test knows how many calls were made when; it returns at EOF. A
// line "fork" instead starts a child process (this binary again) that makes three
// getpgid and waits for it; a line "thread" makes one getpgid on a thread other than
// the process's leader, and answers with that thread's id and the process's; a line
// "exec-from-thread" executes, from a thread other than the leader, the program of
// "fork"'s child, which exits.
func cgroupTestChild() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "fork":
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), cgroupTestChildEnv+"=getpgid")
			if err := cmd.Run(); err != nil {
				fmt.Printf("fork: %v\n", err)
				continue
			}
			os.Stdout.Write([]byte("ok\n"))
		case "thread":
			done := make(chan int)
			go func() {
				// Locked, and never unlocked, a goroutine has a thread of its own,
				// which ends with it: the next "thread" gets a new one.
				runtime.LockOSThread()
				if syscall.Gettid() == os.Getpid() {
					done <- 0
					return
				}
				syscall.RawSyscall(syscall.SYS_GETPGID, 0, 0, 0)
				done <- syscall.Gettid()
			}()
			fmt.Printf("%d %d\n", <-done, os.Getpid())
		case "exec-from-thread":
			failed := make(chan string)
			go func() {
				runtime.LockOSThread()
				if syscall.Gettid() == os.Getpid() {
					failed <- "on the leader"
					return
				}
				// Unlike exec.Cmd, Exec keeps the first of two same names.
				env := []string{cgroupTestChildEnv + "=getpgid"}
				err := syscall.Exec(os.Args[0], os.Args[:1], env)
				failed <- fmt.Sprintf("exec: %v", err)
			}()
			fmt.Println(<-failed)
		default:
			syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
			os.Stdout.Write([]byte("ok\n"))
		}
	}
}
