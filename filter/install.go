package filter

import (
	"fmt"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// ErrNotSupported is returned (wrapped) where seccomp filters cannot be installed; it
// is syscalls.ErrNotSupported.
var ErrNotSupported = syscalls.ErrNotSupported

// errNoSeccomp says why outside Linux.
var errNoSeccomp = fmt.Errorf("installing seccomp filters needs Linux: %w", ErrNotSupported)

// InstallOptions say how to load a filter.
type InstallOptions struct {
	// NoNewPrivs sets no_new_privs first. The kernel requires it of callers without
	// CAP_SYS_ADMIN; with it, programs executed later cannot gain privileges through
	// setuid bits or file capabilities.
	NoNewPrivs bool
	// Flags are the seccomp(2) flags to load with; nil means the filter's own.
	// SECCOMP_FILTER_FLAG_TSYNC is never used: the filter applies to the calling thread
	// only, which a Go program must therefore lock (runtime.LockOSThread).
	Flags []profile.Flag
}

func flagBits(flags []profile.Flag) uint {
	var bits uint
	for _, f := range flags {
		if f == profile.FlagTSync || f == profile.FlagTSyncESRCH {
			continue
		}
		bits |= f.Kernel()
	}
	return bits
}
