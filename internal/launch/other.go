//go:build !linux

package launch

import (
	"errors"
	"io"
	"os"
)

// ErrNotSupported is returned by Start outside Linux.
var ErrNotSupported = errors.New("seccomp filters need Linux")

// Cmd says what to start (Linux only).
type Cmd struct {
	Request
	Dir            string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Process is a started helper (Linux only).
type Process struct{}

// Result is how a launched command ended (Linux only).
type Result struct {
	Stage Stage
	State *os.ProcessState
}

// Start fails outside Linux.
func Start(c Cmd) (*Process, error) { return nil, ErrNotSupported }

// Main fails outside Linux.
func Main() int { return ExitLaunchFailed }
