//go:build !linux

package record

// CgroupRecorder counts the syscalls of many cgroups at once (Linux only).
type CgroupRecorder struct{}

// CgroupSlotBytes is the kernel memory of one slot (Linux only).
func CgroupSlotBytes() int { return 0 }

// NewCgroupRecorder starts a recorder of many cgroups (Linux only).
func NewCgroupRecorder(opts CgroupRecorderOptions) (*CgroupRecorder, error) { return nil, errOS }

// WatchTree counts the cgroups below dir (Linux only).
func (r *CgroupRecorder) WatchTree(dir string) error { return errOS }

// UnwatchTree stops counting new cgroups below dir (Linux only).
func (r *CgroupRecorder) UnwatchTree(dir string) error { return errOS }

// Counts returns what was counted (Linux only).
func (r *CgroupRecorder) Counts() ([]CgroupCount, error) { return nil, errOS }

// Forget frees the slot of a cgroup (Linux only).
func (r *CgroupRecorder) Forget(id uint64) {}

// Stats says how full the recorder is (Linux only).
func (r *CgroupRecorder) Stats() CgroupRecorderStats { return CgroupRecorderStats{} }

// Close stops the recorder (Linux only).
func (r *CgroupRecorder) Close() error { return nil }
