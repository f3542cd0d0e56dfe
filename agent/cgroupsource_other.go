//go:build !linux

package agent

import (
	"fmt"

	"github.com/seccompctl/seccompctl/syscalls"
)

func newCgroupSource(root string, maxCgroups int) (cgroupSource, string, error) {
	return nil, "", fmt.Errorf("recording pods needs Linux: %w", syscalls.ErrNotSupported)
}

func hybridCgroupRoot(dir string) string { return dir }
