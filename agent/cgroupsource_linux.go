package agent

import (
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/record"
)

// ebpfSource is the eBPF recorder, counting the syscalls of every cgroup below the
// pod cgroups it watches.
type ebpfSource struct{ r *record.CgroupRecorder }

// newCgroupSource starts the recorder so that a container is counted from its
// entrypoint's exec, never from the runtime re-executing itself in the container's
// cgroup (runc init's set-up: mount, pivot_root, setns...). A kernel that cannot tell
// them apart (no BTF) gets a recorder counting from any first exec, and note says so.
func newCgroupSource(root string, maxCgroups int) (src cgroupSource, note string, err error) {
	opts := record.CgroupRecorderOptions{Root: root, MaxCgroups: maxCgroups, ContainerExecs: true}
	r, err := record.NewCgroupRecorder(opts)
	if err != nil {
		opts.ContainerExecs = false
		var plainErr error
		if r, plainErr = record.NewCgroupRecorder(opts); plainErr != nil {
			return nil, "", err
		}
		note = "this node cannot tell a container's first exec from its runtime's (" + err.Error() + "): containers are counted from their cgroup's first exec, which may include the runtime's set-up (mount, pivot_root, setns...)"
	}
	return ebpfSource{r}, note, nil
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
		out[i] = cgroupCount{ID: c.ID, Tree: c.Tree, Name: c.Name, StartedBefore: c.StartedBefore, AllTasks: c.AllTasks, Gone: c.Gone, Calls: c.Calls}
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
