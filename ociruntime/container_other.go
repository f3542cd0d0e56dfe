//go:build !linux

package ociruntime

import (
	"fmt"

	"github.com/seccompctl/seccompctl/syscalls"
)

// RunContainer starts a container under a profile (Linux only).
func RunContainer(ContainerOptions) (*ContainerResult, error) {
	return nil, fmt.Errorf("running containers needs Linux: %w", syscalls.ErrNotSupported)
}
