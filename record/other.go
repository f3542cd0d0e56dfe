//go:build !linux

package record

import (
	"context"
	"fmt"
	"runtime"

	"github.com/seccompctl/seccompctl/internal/launch"
)

// HelperVerb is the hidden first argument that runs the launcher of ptrace mode.
const HelperVerb = launch.Verb

var errOS = fmt.Errorf("recording syscalls needs Linux, not %s: %w", runtime.GOOS, ErrNotSupported)

// RunHelper is the launcher of ptrace mode (Linux only).
func RunHelper() int { return launch.Main() }

// Command records a command (Linux only).
func Command(ctx context.Context, argv []string, opts Options) (*Result, error) { return nil, errOS }

// Existing records a running process or cgroup (Linux only).
func Existing(ctx context.Context, t Target, opts Options) (*Result, error) { return nil, errOS }

// FromAudit records from SECCOMP audit records (Linux only).
func FromAudit(ctx context.Context, opts AuditOptions) (*Recording, AuditStats, error) {
	return nil, AuditStats{}, errOS
}

// CgroupPath resolves a --cgroup argument (Linux only).
func CgroupPath(arg string) (string, error) { return "", errOS }
