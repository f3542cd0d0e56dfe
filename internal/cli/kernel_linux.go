package cli

import (
	"strings"
	"syscall"
)

// kernelRelease returns uname -r.
func kernelRelease() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return ""
	}
	var s strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		s.WriteByte(byte(c))
	}
	return s.String()
}
