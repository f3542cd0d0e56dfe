package syscalls

import "errors"

// ErrNotSupported is the one error every package of seccompctl wraps when the system
// lacks what an operation needs (not Linux, no BPF, no cgroup v2, no audit netlink):
// callers test for it with errors.Is whichever package returned it, and tests turn it
// into a skip. record.ErrNotSupported and filter.ErrNotSupported are this value.
var ErrNotSupported = errors.New("not supported")
