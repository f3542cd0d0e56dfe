//go:build !linux

package cli

import (
	"fmt"
	"io"
)

func kernelRelease() string { return "" }

func runHelper(errOut io.Writer, fdEnv string, argv []string) int {
	fmt.Fprintln(errOut, "seccompctl run: seccomp filters are only supported on Linux")
	return exitRunFailed
}
