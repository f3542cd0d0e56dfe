package record

// DefaultMaxCgroups is how many cgroups a CgroupRecorder counts at once unless told.
const DefaultMaxCgroups = 256

// CgroupRecorderOptions configure a CgroupRecorder; zero fields take the defaults given.
type CgroupRecorderOptions struct {
	// Root is the cgroup v2 hierarchy as this process sees it; "" finds its mount in
	// /proc/self/mountinfo. The node agent passes a hostPath mount of the host's
	// hierarchy. WatchTree paths that are not absolute are taken relative to it.
	Root string
	// MaxCgroups is how many cgroups are counted at once (DefaultMaxCgroups). The
	// kernel memory is fixed by it when the recorder starts: MaxCgroups slots of
	// CgroupSlotBytes() each, whatever is counted.
	MaxCgroups int
	// ContainerExecs starts counting a new cgroup only at an exec made in another
	// mount namespace than the execing task's parent's: a container's entrypoint,
	// which the runtime executes inside the container's namespaces, and not the runtime
	// re-executing itself (runc 1.1's `runc init` does, at times after it was moved
	// into the container's cgroup, which would count the runtime's set-up: mount,
	// pivot_root, setns...). Without it any first exec starts the count, which is what
	// plain processes started in a cgroup need. It needs the kernel's BTF.
	//
	// With it, a cgroup counted from such an exec counts only the calls of the task
	// that made it and of the tasks (processes and threads) it starts, not those of
	// other tasks in the cgroup: a runtime's `runc exec` joins the container's cgroup
	// and sets itself up there before it executes the command, which is counted from
	// that exec on, as an entrypoint is.
	ContainerExecs bool
	// MaxTasks is, with ContainerExecs, how many tasks can be marked as a container's at
	// once (DefaultMaxTasks). A task that finds no room makes its cgroup count every
	// task from then on (CgroupCount.AllTasks, CgroupRecorderStats.UnmarkedTasks):
	// calls are never dropped for lack of room.
	MaxTasks int
}

// CgroupCount is what a CgroupRecorder counted for one cgroup.
type CgroupCount struct {
	// ID is the cgroup id: the inode number of its directory.
	ID uint64
	// Tree is the WatchTree directory the cgroup is below, as it was passed.
	Tree string
	// Name is the cgroup's path relative to Tree ("<id>", "pod<uid>/<id>",
	// "cri-containerd-<id>.scope"); "" when its directory was gone before it could be
	// named.
	Name string
	// StartedBefore is set when the cgroup already had processes when its tree was
	// watched, or when it could not be counted from its first exec for lack of a slot:
	// it is counted from later on, and calls made before then are missing.
	StartedBefore bool
	// AllTasks is set when every task in the cgroup is counted, not only those started
	// by an entry exec: a cgroup counted from its first exec without ContainerExecs, one
	// StartedBefore, or one where a task could not be marked for lack of room (then
	// the calls a runtime makes in the cgroup, such as those of `runc exec`, may be
	// counted too).
	AllTasks bool
	// Gone is set once the cgroup's directory has been removed (the container exited).
	Gone bool
	// Calls counts the calls by architecture and name (Exe and Args are not known);
	// numbers the tables lack are named syscall_N, numbers out of every range
	// syscall_out_of_range.
	Calls map[Call]uint64
}

// CgroupRecorderStats says how full a CgroupRecorder is.
type CgroupRecorderStats struct {
	// Counted is how many cgroups hold a slot now, gone ones not yet forgotten included.
	Counted int
	// Free is how many slots are left.
	Free int
	// NotCounted is how many cgroups below a watched tree started while every slot was
	// taken and are not counted; NotCountedExecs is how many execs in such cgroups
	// found no slot. Either being non-zero means recordings are missing.
	NotCounted      int
	NotCountedExecs uint64
	// UnmarkedTasks is how many times, with ContainerExecs, a task of a counted cgroup
	// found no room to be marked (MaxTasks) and its cgroup was made to count every task.
	UnmarkedTasks uint64
}
