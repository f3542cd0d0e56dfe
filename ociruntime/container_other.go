//go:build !linux

package ociruntime

import "errors"

// RunContainer starts a container under a profile (Linux only).
func RunContainer(ContainerOptions) (*ContainerResult, error) {
	return nil, errors.New("running containers needs Linux")
}
