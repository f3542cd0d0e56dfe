package agent

import (
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/record"
)

// ebpfSource is the eBPF recorder, counting the syscalls of every cgroup below the
// pod cgroups it watches.
type ebpfSource struct{ r *record.CgroupRecorder }

func newCgroupSource(root string, maxCgroups int) (cgroupSource, error) {
	r, err := record.NewCgroupRecorder(record.CgroupRecorderOptions{Root: root, MaxCgroups: maxCgroups})
	if err != nil {
		return nil, err
	}
	return ebpfSource{r}, nil
}

func (s ebpfSource) WatchTree(dir string) error   { return s.r.WatchTree(dir) }
func (s ebpfSource) UnwatchTree(dir string) error { return s.r.UnwatchTree(dir) }
func (s ebpfSource) Forget(id uint64)             { s.r.Forget(id) }
func (s ebpfSource) Close() error                 { return s.r.Close() }
func (s ebpfSource) NotCounted() uint64           { return uint64(s.r.Stats().NotCounted) }

func (s ebpfSource) Counts() ([]cgroupCount, error) {
	cs, err := s.r.Counts()
	if err != nil {
		return nil, err
	}
	out := make([]cgroupCount, len(cs))
	for i, c := range cs {
		out[i] = cgroupCount{ID: c.ID, Tree: c.Tree, Name: c.Name, StartedBefore: c.StartedBefore, Gone: c.Gone, Calls: c.Calls}
	}
	return out, nil
}

// hybridCgroupRoot is dir, or, when dir is not a cgroup v2 hierarchy but its "unified"
// directory is (a hybrid host's /sys/fs/cgroup mounted whole), that directory.
func hybridCgroupRoot(dir string) string {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return dir
	}
	u := filepath.Join(dir, "unified")
	if unix.Statfs(u, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return u
	}
	return dir
}
