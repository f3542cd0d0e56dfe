//go:build !linux

package launch

import (
	"errors"
	"io"
	"os/exec"
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
type Process struct{ Cmd *exec.Cmd }

// Release fails outside Linux.
func (p *Process) Release() error { return ErrNotSupported }

// Wait fails outside Linux.
func (p *Process) Wait() (Result, error) { return Result{}, ErrNotSupported }

// Stage is StageNone outside Linux.
func (p *Process) Stage() Stage { return StageNone }

// Close does nothing outside Linux.
func (p *Process) Close() {}

// Start fails outside Linux.
func Start(c Cmd) (*Process, error) { return nil, ErrNotSupported }

// Main fails outside Linux.
func Main() int { return ExitLaunchFailed }
