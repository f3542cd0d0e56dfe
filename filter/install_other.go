//go:build !linux

package filter

import (
	"os"

	"github.com/seccompctl/seccompctl/bpf"
)

// Install is not supported outside Linux.
func (f *Filter) Install(opts InstallOptions) (*os.File, error) { return nil, errNoSeccomp }

// SetNoNewPrivs is not supported outside Linux.
func SetNoNewPrivs() error { return errNoSeccomp }

// Load is not supported outside Linux.
func Load(prog bpf.Program, flags uint) (int, error) { return -1, errNoSeccomp }

// HasCapSysAdmin is false outside Linux.
func HasCapSysAdmin() bool { return false }
