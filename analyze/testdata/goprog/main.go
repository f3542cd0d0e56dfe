// Command goprog is the Go program the analyzer's tests build for x86_64 and aarch64:
// ordinary file, network and process calls, and one raw syscall with a constant number.
package main

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

func main() {
	b, err := os.ReadFile("/etc/hostname")
	fmt.Println(len(b), err)
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	pid, _, _ := syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
	fmt.Println(pid > 0)
	if fi, err := os.Stat("/"); err == nil {
		fmt.Println(fi.IsDir())
	}
}
