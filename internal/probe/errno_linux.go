package probe

import (
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrnoName returns the name of errno n on this machine ("EPERM"), or its number.
func ErrnoName(n int) string {
	if s := unix.ErrnoName(syscall.Errno(n)); s != "" {
		return s
	}
	return strconv.Itoa(n)
}

func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return s.String()
}
