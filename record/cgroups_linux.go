package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/syscalls"
)

// The many-cgroup recorder keeps one block of counters per counted cgroup as the value
// of a hash map keyed by cgroup id ("counted"):
//
//   - sys_enter: id = bpf_get_current_cgroup_id(); if filter[id % buckets] is clear,
//     return: that, an array lookup the verifier inlines, is all almost every other
//     task on the node pays; else block = counted[id], a miss returns, a hit adds one,
//     atomically, to the counter counterIndex picks in the block.
//   - sched_prepare_exec (or sched_process_exec): a task whose cgroup is not counted,
//     and whose cgroup is a child or grandchild of a watched tree ("trees", keyed by
//     the tree's cgroup id),
//     inserts its cgroup with a zero block (BPF_NOEXIST) and counts its execve, read
//     from the task's pt_regs. A full map refuses the insert: the cgroup goes into
//     "refused" and stats[0] counts the exec, so a shortage is never silent.
//
// A block as the map value, rather than a slot number into an array of counters taken
// from a queue of free slots, makes the counting path one map lookup instead of two and
// leaves no slot bookkeeping to get wrong: the hash map's own preallocated free list is
// the queue of free slots, and Forget is a delete (this was reasoned, not measured
// against the queue design). The counters are shared by all CPUs and added to
// atomically, so memory does not grow with the number of CPUs as a per-CPU map's would
// (MaxCgroups × 13 KB × CPUs on x86_64); per-CPU counters were not measured against
// them, and the whole counting path costs about 14 ns more than a miss
// (docs/benchmarks.md).

// cgroupLayout is the counters of one counted cgroup: 512 numbers per ABI (the tables
// end at 471; x32 numbers go to 547) and the out-of-range counter. Its block holds, after
// them, what the exec program knew of the cgroup (see the meta* indexes).
func cgroupLayout(native syscalls.Arch) counterLayout {
	switch native {
	case syscalls.X86_64:
		return counterLayout{native: region{0, 512}, compat: region{512, 512}, x32: region{1024, 576}, overflow: 1600}
	case syscalls.AArch64:
		return counterLayout{native: region{0, 512}, compat: region{512, 512}, overflow: 1024}
	}
	return counterLayout{native: region{0, 512}, overflow: 512}
}

// After the counters, a block holds (indexes in u64 from l.size()): the id of the tree
// the cgroup was found below, whether it is the tree's child (1) or grandchild (2), the
// directory names of the cgroup and of its parent as the exec program read them,
// NUL-terminated, so a cgroup whose directory is gone before user space saw it is still
// named, and which of its tasks are counted (metaAll).
const (
	metaTree   = 0
	metaUp     = 1
	metaName   = 2
	metaParent = metaName + nameBytes/8
	metaAll    = metaParent + nameBytes/8
	metaWords  = metaAll + 1
	nameBytes  = 128
)

// The values of a block's metaAll word. With ContainerExecs a cgroup counted from its
// entry exec counts only the tasks marked in the "entered" map (allMarked); one counted
// from now on counts every task (allFromNow), as does one where a task could not be
// marked for lack of room (allNoRoom): counting the runtime's calls too is better than
// missing the container's.
const (
	allMarked  = 0
	allFromNow = 1
	allNoRoom  = 2
)

// DefaultMaxTasks is how many tasks a CgroupRecorder with ContainerExecs can mark as
// the container's at once unless told.
const DefaultMaxTasks = 16384

// blockWords is the number of u64 in a block: the counters and the meta words.
func blockWords(l counterLayout) int { return l.size() + metaWords }

// CgroupSlotBytes is the kernel memory one slot of a CgroupRecorder takes (13,088
// bytes on x86_64, 8,480 on aarch64), besides the hash map's per-entry overhead.
func CgroupSlotBytes() int { return blockWords(cgroupLayout(syscalls.Native())) * 8 }

// maxCgroupDepth bounds how deep in the hierarchy the exec program looks for the
// execing task's cgroup: a cgroup deeper than this is never counted.
const maxCgroupDepth = 16

// filterBuckets is the size of the filter in front of the counted map: a bucket is set
// while a counted cgroup's id falls into it (id % filterBuckets). With 256 counted
// cgroups about 1.6 % of the others pay the hash lookup as well. A power of two; tests
// make it 1 to share one bucket between cgroups.
var filterBuckets uint32 = 16384

// maxTrees is how many trees may be watched at once.
const maxTrees = 1024

// CgroupRecorder counts, with one eBPF program attached to sys_enter, the syscalls of
// many cgroup v2 cgroups at once; what it counted can be read while it counts. Which
// cgroups it counts is chosen by WatchTree: those created below a watched directory,
// from their first exec. Its methods may be called from several goroutines.
type CgroupRecorder struct {
	root string
	max  int
	// offsets is set when only execs in a new mount namespace start counting;
	// nameOffsets when the exec program can read cgroup directory names.
	offsets, nameOffsets *kernelOffsets
	// execHook is the tracepoint the exec program is attached to.
	execHook string
	native   syscalls.Arch
	layout   counterLayout

	counted, filter, trees, zero, refused, stats *ebpf.Map
	// entered holds, with ContainerExecs, the tasks (by thread id) descended from an
	// entry exec, with the id of the cgroup they were marked in.
	entered  *ebpf.Map
	maxTasks int
	progs    []*ebpf.Program
	links    []link.Link

	mu      sync.Mutex
	closed  bool
	treesBy map[string]*watchedTree // by clean absolute path
	treeIDs map[uint64]*watchedTree // every tree ever watched, by cgroup id
	names   map[uint64]*cgroupName
	before  map[uint64]bool
	watcher *treeWatcher
	// refusedHere counts the running cgroups WatchTree found no slot for (the exec
	// program counts its refusals in the stats map).
	refusedHere uint64
}

// watchedTree is a WatchTree directory and the cgroups known below it.
type watchedTree struct {
	arg    string // as passed to WatchTree
	path   string // absolute
	id     uint64
	active bool
	rels   map[string]uint64 // path relative to the tree → cgroup id, for directories that exist
}

// cgroupName is what is known of a cgroup's directory.
type cgroupName struct {
	tree *watchedTree
	rel  string
	gone bool
}

// NewCgroupRecorder loads and attaches the counting programs. It counts nothing until
// WatchTree. The error says why eBPF is unusable here (it wraps ErrNotSupported then).
func NewCgroupRecorder(opts CgroupRecorderOptions) (*CgroupRecorder, error) {
	if opts.MaxCgroups < 0 {
		return nil, fmt.Errorf("MaxCgroups %d: want a positive number, or 0 for %d", opts.MaxCgroups, DefaultMaxCgroups)
	}
	if opts.MaxCgroups == 0 {
		opts.MaxCgroups = DefaultMaxCgroups
	}
	if opts.MaxTasks < 0 {
		return nil, fmt.Errorf("MaxTasks %d: want a positive number, or 0 for %d", opts.MaxTasks, DefaultMaxTasks)
	}
	if opts.MaxTasks == 0 {
		opts.MaxTasks = DefaultMaxTasks
	}
	root := opts.Root
	if root == "" {
		m, err := cgroup2Mount()
		if err != nil {
			return nil, unavailable(err)
		}
		root = m
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return nil, fmt.Errorf("cgroup root %s: %w", root, err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil, fmt.Errorf("cgroup root %s is not a cgroup v2 hierarchy (mount one, or pass its mount point)", root)
	}
	native := syscalls.Native()
	r := &CgroupRecorder{
		root: root, max: opts.MaxCgroups, maxTasks: opts.MaxTasks, native: native, layout: cgroupLayout(native),
		treesBy: map[string]*watchedTree{}, treeIDs: map[uint64]*watchedTree{},
		names: map[uint64]*cgroupName{}, before: map[uint64]bool{},
	}
	o, err := loadKernelOffsets()
	if opts.ContainerExecs {
		if !o.ns {
			return nil, unavailable(fmt.Errorf("telling a container's first exec from its runtime's: %w", err))
		}
		r.offsets = &o
	}
	if o.names {
		r.nameOffsets = &o
	}
	if err := r.load(); err != nil {
		r.closeKernel()
		return nil, unavailable(err)
	}
	w, err := newTreeWatcher(r)
	if err != nil {
		r.closeKernel()
		return nil, fmt.Errorf("watching cgroup directories: %w", err)
	}
	r.watcher = w
	return r, nil
}

// load creates the maps and attaches both programs.
func (r *CgroupRecorder) load() error {
	words := blockWords(r.layout)
	specs := []struct {
		m    **ebpf.Map
		spec ebpf.MapSpec
	}{
		{&r.counted, ebpf.MapSpec{Name: "sc_cg_counted", Type: ebpf.Hash, KeySize: 8, ValueSize: uint32(words * 8), MaxEntries: uint32(r.max)}},
		{&r.filter, ebpf.MapSpec{Name: "sc_cg_filter", Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: filterBuckets}},
		{&r.trees, ebpf.MapSpec{Name: "sc_cg_trees", Type: ebpf.Hash, KeySize: 8, ValueSize: 8, MaxEntries: maxTrees}},
		{&r.zero, ebpf.MapSpec{Name: "sc_cg_zero", Type: ebpf.Array, KeySize: 4, ValueSize: uint32(words * 8), MaxEntries: 1}},
		// Refused cgroups are few and only counted: an LRU map forgets the oldest
		// rather than failing.
		{&r.refused, ebpf.MapSpec{Name: "sc_cg_refused", Type: ebpf.LRUHash, KeySize: 8, ValueSize: 8, MaxEntries: 4096}},
		// Execs that found no slot, and tasks that found no room in entered.
		{&r.stats, ebpf.MapSpec{Name: "sc_cg_stats", Type: ebpf.Array, KeySize: 4, ValueSize: 16, MaxEntries: 1}},
	}
	if r.offsets != nil {
		specs = append(specs, struct {
			m    **ebpf.Map
			spec ebpf.MapSpec
		}{&r.entered, ebpf.MapSpec{Name: "sc_cg_entered", Type: ebpf.Hash, KeySize: 4, ValueSize: 8, MaxEntries: uint32(r.maxTasks)}})
	}
	for _, s := range specs {
		m, err := ebpf.NewMap(&s.spec)
		if err != nil {
			return fmt.Errorf("creating map %s: %w", s.spec.Name, err)
		}
		*s.m = m
	}
	if r.offsets == nil {
		// Every cgroup counts all its tasks: the block the exec program inserts says so.
		zero := make([]uint64, blockWords(r.layout))
		zero[r.layout.size()+metaAll] = allFromNow
		if err := r.zero.Update(uint32(0), zero, ebpf.UpdateAny); err != nil {
			return fmt.Errorf("writing map sc_cg_zero: %w", err)
		}
	}
	maps := cgroupExecMaps{
		counted: r.counted.FD(), filter: r.filter.FD(), trees: r.trees.FD(), zero: r.zero.FD(), refused: r.refused.FD(), stats: r.stats.FD(),
		entered: -1,
	}
	if r.entered != nil {
		maps.entered = r.entered.FD()
	}
	prog, l, err := attachRawTracepoint("sc_cg_count", "sys_enter", func(typed bool) asm.Instructions {
		return cgroupCountInstructions(r.layout, r.native, r.counted.FD(), r.filter.FD(), maps.entered, typed)
	})
	if err != nil {
		return err
	}
	r.progs, r.links = append(r.progs, prog), append(r.links, l)
	execve, _ := syscalls.Number(r.native, "execve")
	// sched_prepare_exec (Linux 6.10) fires once the exec cannot fail any more but
	// before the new image's ABI is set up: the pt_regs still say which ABI the execve
	// was made in. At sched_process_exec the kernel has already made them pretend the
	// execve came from the new image's ABI (and reset cs), so there an execve into or
	// out of a 32-bit program would be counted under the wrong architecture: there the
	// execve is counted as the native one, as the runtimes that start containers make it.
	for _, tp := range execTracepoints {
		prog, l, err = attachRawTracepoint("sc_cg_exec", tp, func(typed bool) asm.Instructions {
			regs := typed && tp == "sched_prepare_exec"
			return cgroupExecInstructions(r.layout, r.native, execve, maps, r.offsets, r.nameOffsets, regs)
		})
		if err == nil {
			r.execHook = tp
			break
		}
	}
	if err != nil {
		return err
	}
	r.progs, r.links = append(r.progs, prog), append(r.links, l)
	if r.offsets == nil {
		return nil
	}
	// A marked task's children and threads are the container's; a task that exits
	// leaves its id free for another; a thread other than the leader that executes
	// takes the leader's id.
	hooks := []struct {
		name, tp string
		insns    asm.Instructions
	}{
		{"sc_cg_fork", "sched_process_fork", cgroupForkInstructions(r.layout, maps, *r.offsets)},
		{"sc_cg_exit", "sched_process_exit", cgroupExitInstructions(maps)},
		{"sc_cg_exec_tid", "sched_process_exec", cgroupExecTidInstructions(r.layout, maps)},
	}
	for _, h := range hooks {
		prog, l, err := attachRawTracepoint(h.name, h.tp, func(bool) asm.Instructions { return h.insns })
		if err != nil {
			return err
		}
		r.progs, r.links = append(r.progs, prog), append(r.links, l)
	}
	return nil
}

// execTracepoints are where the exec program may be attached, the first the kernel
// has: sched_prepare_exec from Linux 6.10, sched_process_exec before.
var execTracepoints = []string{"sched_prepare_exec", "sched_process_exec"}

// cgroupCountInstructions is the sys_enter program, in the spirit of:
//
//	id = bpf_get_current_cgroup_id();
//	if (!filter[id % buckets]) return 0;
//	block = counted[id]; if (!block) return 0;
//	if (enteredFD >= 0 && block[all] == allMarked && !entered[current tid]) return 0;
//	__sync_fetch_and_add(&block[counterIndex(layout, regs, ctx->args[1])], 1);
//
// enteredFD is -1 without ContainerExecs: every block counts all its tasks then.
func cgroupCountInstructions(l counterLayout, native syscalls.Arch, countedFD, filterFD, enteredFD int, typed bool) asm.Instructions {
	regs := sysEnterRegs(typed)
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1), // ctx: struct bpf_raw_tracepoint_args
		asm.FnGetCurrentCgroupId.Call(),
		asm.StoreMem(asm.R10, -8, asm.R0, asm.DWord),
		asm.And.Imm(asm.R0, int32(filterBuckets-1)),
		asm.StoreMem(asm.R10, -12, asm.R0, asm.Word),
		asm.LoadMapPtr(asm.R1, filterFD),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -12),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.Word),
		asm.JEq.Imm(asm.R1, 0, "out"),
		asm.LoadMapPtr(asm.R1, countedFD),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R8, asm.R0),
	}
	count := asm.LoadMem(asm.R7, asm.R6, 8, asm.DWord) // args[1]: the syscall number
	if enteredFD >= 0 {
		count = count.WithSymbol("count")
		insns = append(insns,
			asm.LoadMem(asm.R1, asm.R8, int16((l.size()+metaAll)*8), asm.DWord),
			asm.JNE.Imm(asm.R1, allMarked, "count"),
			asm.FnGetCurrentPidTgid.Call(),
			asm.StoreMem(asm.R10, -16, asm.R0, asm.Word), // the thread id
			asm.LoadMapPtr(asm.R1, enteredFD),
			asm.Mov.Reg(asm.R2, asm.R10),
			asm.Add.Imm(asm.R2, -16),
			asm.FnMapLookupElem.Call(),
			asm.JEq.Imm(asm.R0, 0, "out"),
		)
	}
	insns = append(insns, count)
	insns = append(insns, counterIndex(l, native, regs)...)
	insns = append(insns, addOne()...)
	return append(insns,
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
}

// addOne adds one, atomically, to the u64 at index r1 of the block r8 points to.
func addOne() asm.Instructions {
	return asm.Instructions{
		asm.LSh.Imm(asm.R1, 3),
		asm.Add.Reg(asm.R8, asm.R1),
		asm.Mov.Imm(asm.R1, 1),
		asm.AddAtomic.Mem(asm.R8, asm.R1, asm.DWord, 0),
	}
}

// cgroupExecMaps are the file descriptors of the maps the exec program uses.
// entered is -1 without ContainerExecs.
type cgroupExecMaps struct{ counted, filter, trees, zero, refused, stats, entered int }

// cgroupExecInstructions is the exec program (see load), in the spirit of:
//
//	id = bpf_get_current_cgroup_id();
//	if (counted[id]) return 0;                  // sys_enter counted the execve
//	depth = the level d < 16 with bpf_get_current_ancestor_cgroup_id(d) == id;
//	tree = ancestor(depth-1) in trees ? it : ancestor(depth-2) in trees ? it : return 0;
//	if (ns && mnt_ns(current) == mnt_ns(current->real_parent)) return 0;
//	err = update(counted, id, zero, BPF_NOEXIST);
//	if (err && err != -EEXIST) { refused[id] = 1; stats[0]++; return 0; }
//	filter[id % buckets] = 1;                   // after the insert: see Forget
//	block = counted[id]; block[tree slot] = tree;
//	block[counterIndex(layout, task_pt_regs(current), orig_ax)]++;
//
// With regs false (no BTF, or a hook where the pt_regs no longer say the caller's ABI)
// the execve is counted as the native one, which is wrong only for an exec made by a
// 32-bit process.
func cgroupExecInstructions(l counterLayout, native syscalls.Arch, execve int, m cgroupExecMaps, ns, names *kernelOffsets, regs bool) asm.Instructions {
	lookup := func(fd int, keyOff int16) asm.Instructions {
		return asm.Instructions{
			asm.LoadMapPtr(asm.R1, fd),
			asm.Mov.Reg(asm.R2, asm.R10),
			asm.Add.Imm(asm.R2, int32(keyOff)),
			asm.FnMapLookupElem.Call(),
		}
	}
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.FnGetCurrentCgroupId.Call(),
		asm.Mov.Reg(asm.R9, asm.R0),
		asm.StoreMem(asm.R10, -8, asm.R0, asm.DWord),
	}
	insns = append(insns, lookup(m.counted, -8)...)
	if ns != nil {
		insns = append(insns, asm.JNE.Imm(asm.R0, 0, "counted"))
	} else {
		insns = append(insns, asm.JNE.Imm(asm.R0, 0, "out"))
	}
	// The cgroup's depth: the level whose ancestor is the cgroup itself.
	for d := range maxCgroupDepth {
		insns = append(insns,
			asm.Mov.Imm(asm.R7, int32(d)),
			asm.Mov.Imm(asm.R1, int32(d)),
			asm.FnGetCurrentAncestorCgroupId.Call(),
			asm.JEq.Reg(asm.R0, asm.R9, "depth"),
		)
	}
	insns = append(insns, asm.Ja.Label("out"))
	// A child of a tree, then a grandchild.
	for up := 1; up <= 2; up++ {
		check := asm.Instructions{
			asm.JLT.Imm(asm.R7, int32(up), "out"),
			asm.Mov.Reg(asm.R1, asm.R7),
			asm.Sub.Imm(asm.R1, int32(up)),
			asm.FnGetCurrentAncestorCgroupId.Call(),
			asm.StoreMem(asm.R10, -16, asm.R0, asm.DWord),
			asm.Mov.Imm(asm.R1, int32(up)),
			asm.StoreMem(asm.R10, -56, asm.R1, asm.DWord),
		}
		if up == 1 {
			check[0] = check[0].WithSymbol("depth")
		}
		insns = append(insns, check...)
		insns = append(insns, lookup(m.trees, -16)...)
		insns = append(insns, asm.JNE.Imm(asm.R0, 0, "insert"))
	}
	insns = append(insns, asm.Ja.Label("out"))

	insert := "insert"
	if ns != nil {
		// Only an exec in another mount namespace than the parent's: a container's
		// entrypoint, which its runtime executes in the container's namespaces, and not
		// the runtime re-executing itself in its own (runc 1.1's runc init does, at
		// times after it was moved into the container's cgroup).
		insert = "do_insert"
		insns = append(insns, entryExec(*ns, "insert", "out", insert)...)
	}
	insns = append(insns,
		asm.LoadMapPtr(asm.R1, m.counted).WithSymbol(insert),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.LoadMapValue(asm.R3, m.zero, 0),
		asm.Mov.Imm(asm.R4, int32(ebpf.UpdateNoExist)),
		asm.FnMapUpdateElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "added"),
		asm.JEq.Imm(asm.R0, -int32(unix.EEXIST), "added"),
		// No slot: say so.
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreMem(asm.R10, -24, asm.R1, asm.DWord),
		asm.LoadMapPtr(asm.R1, m.refused),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.Mov.Reg(asm.R3, asm.R10),
		asm.Add.Imm(asm.R3, -24),
		asm.Mov.Imm(asm.R4, int32(ebpf.UpdateAny)),
		asm.FnMapUpdateElem.Call(),
		asm.LoadMapValue(asm.R1, m.stats, 0),
		asm.Mov.Imm(asm.R2, 1),
		asm.AddAtomic.Mem(asm.R1, asm.R2, asm.DWord, 0),
		asm.Ja.Label("out"),
	)
	insns = append(insns,
		asm.Mov.Reg(asm.R1, asm.R9).WithSymbol("added"),
		asm.And.Imm(asm.R1, int32(filterBuckets-1)),
		asm.StoreMem(asm.R10, -28, asm.R1, asm.Word),
	)
	insns = append(insns, lookup(m.filter, -28)...)
	insns = append(insns,
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.Word),
	)
	insns = append(insns, lookup(m.counted, -8)...)
	insns = append(insns,
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R8, asm.R0),
		asm.LoadMem(asm.R1, asm.R10, -16, asm.DWord),
		asm.StoreMem(asm.R8, int16((l.size()+metaTree)*8), asm.R1, asm.DWord),
		asm.LoadMem(asm.R1, asm.R10, -56, asm.DWord),
		asm.StoreMem(asm.R8, int16((l.size()+metaUp)*8), asm.R1, asm.DWord),
	)
	if names != nil {
		insns = append(insns, names.cgroupNames(int32((l.size()+metaName)*8), int32((l.size()+metaParent)*8))...)
	}
	if ns != nil {
		// The execing task is the container's, and so is what it starts.
		insns = append(insns, markTask(l, m, "mark")...)
	}
	start := len(insns)
	if regs {
		nrOff, nrSize := int16(x86RegsOrigAX), asm.DWord
		if native == syscalls.AArch64 {
			nrOff, nrSize = arm64RegsNr, asm.Word
		}
		insns = append(insns,
			asm.FnGetCurrentTaskBtf.Call(),
			asm.Mov.Reg(asm.R1, asm.R0),
			asm.FnTaskPtRegs.Call(),
			asm.Mov.Reg(asm.R6, asm.R0),
		)
		insns = append(insns, readRegs(nrOff, nrSize, "", regsDirect)...)
		insns = append(insns, asm.Mov.Reg(asm.R7, asm.R1))
		insns = append(insns, counterIndex(l, native, regsDirect)...)
	} else {
		insns = append(insns, asm.Mov.Imm(asm.R1, int32(l.native.base+execve)))
	}
	insns[start] = insns[start].WithSymbol("count")
	insns = append(insns, addOne()...)
	insns = append(insns,
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
	if ns == nil {
		return insns
	}
	// A counted cgroup: an entry exec there (runc exec's command, after runc init's
	// set-up in the cgroup) marks its task, unless every task counts already or this
	// one is marked (then sys_enter counted the execve).
	insns = append(insns,
		asm.Mov.Reg(asm.R8, asm.R0).WithSymbol("counted"),
		asm.LoadMem(asm.R1, asm.R8, int16((l.size()+metaAll)*8), asm.DWord),
		asm.JNE.Imm(asm.R1, allMarked, "out"),
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.R10, -64, asm.R0, asm.Word),
	)
	insns = append(insns, lookup(m.entered, -64)...)
	insns = append(insns, asm.JNE.Imm(asm.R0, 0, "out"))
	insns = append(insns, entryExec(*ns, "", "out", "counted_entry")...)
	return append(insns, asm.Ja.Label("mark").WithSymbol("counted_entry"))
}

// entryExec falls through to entry when the current task's mount namespace is not its
// parent's (or cannot be read: better to count than to miss a container) and jumps to
// notEntry otherwise; its first instruction is labelled at, unless at is "". r6 is
// clobbered.
func entryExec(ns kernelOffsets, at, notEntry, entry string) asm.Instructions {
	first := asm.FnGetCurrentTask.Call()
	if at != "" {
		first = first.WithSymbol(at)
	}
	insns := asm.Instructions{
		first,
		asm.Mov.Reg(asm.R6, asm.R0),
		asm.Mov.Reg(asm.R1, asm.R6),
	}
	insns = append(insns, ns.mountNSInum()...)
	insns = append(insns,
		asm.JEq.Imm(asm.R1, 0, entry),
		asm.StoreMem(asm.R10, -48, asm.R1, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R6),
	)
	insns = append(insns, readKernel(ns.realParent, asm.DWord)...)
	insns = append(insns, ns.mountNSInum()...)
	return append(insns,
		asm.LoadMem(asm.R2, asm.R10, -48, asm.DWord),
		asm.JEq.Reg(asm.R1, asm.R2, notEntry),
	)
}

// markTask marks the current task (its thread id) in entered as one of cgroup r9's,
// the block r8 points to. When entered is full the block counts every task from then
// on and stats[1] says how often that happened: the runtime's calls in a recording
// are a smaller harm than the container's missing. The first instruction is labelled
// at.
func markTask(l counterLayout, m cgroupExecMaps, at string) asm.Instructions {
	insns := asm.Instructions{
		asm.FnGetCurrentPidTgid.Call().WithSymbol(at),
		asm.StoreMem(asm.R10, -64, asm.R0, asm.Word),
		asm.StoreMem(asm.R10, -72, asm.R9, asm.DWord),
		asm.LoadMapPtr(asm.R1, m.entered),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -64),
		asm.Mov.Reg(asm.R3, asm.R10),
		asm.Add.Imm(asm.R3, -72),
		asm.Mov.Imm(asm.R4, int32(ebpf.UpdateAny)),
		asm.FnMapUpdateElem.Call(),
		asm.JEq.Imm(asm.R0, 0, at+"_done"),
	}
	insns = append(insns, noRoom(l, m)...)
	return append(insns, asm.Mov.Imm(asm.R0, 0).WithSymbol(at+"_done"))
}

// noRoom makes the block r8 points to count every task and counts that in stats[1].
func noRoom(l counterLayout, m cgroupExecMaps) asm.Instructions {
	return asm.Instructions{
		asm.Mov.Imm(asm.R1, allNoRoom),
		asm.StoreMem(asm.R8, int16((l.size()+metaAll)*8), asm.R1, asm.DWord),
		asm.LoadMapValue(asm.R1, m.stats, 8),
		asm.Mov.Imm(asm.R2, 1),
		asm.AddAtomic.Mem(asm.R1, asm.R2, asm.DWord, 0),
	}
}

// cgroupForkInstructions is the sched_process_fork program (ctx->args: parent, child;
// it runs in the parent before the child can run), in the spirit of:
//
//	v = entered[current tid]; if (!v) return 0;
//	if (update(entered, child->pid, v)) { block = counted[current cgroup]; if (block) noRoom(block); }
//
// A thread is a task of its own and is marked as a child is.
func cgroupForkInstructions(l counterLayout, m cgroupExecMaps, o kernelOffsets) asm.Instructions {
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.R10, -8, asm.R0, asm.Word),
		asm.LoadMapPtr(asm.R1, m.entered),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R7, asm.R0, 0, asm.DWord),
		asm.StoreMem(asm.R10, -24, asm.R7, asm.DWord),
		asm.LoadMem(asm.R1, asm.R6, 8, asm.DWord), // args[1]: the child
	}
	insns = append(insns, readKernel(o.pid, asm.Word)...)
	insns = append(insns,
		asm.StoreMem(asm.R10, -16, asm.R1, asm.Word),
	)
	insns = append(insns, markFrom(l, m, -16, -24)...)
	return append(insns,
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
}

// markFrom sets entered[*(u32 *)(r10+key)] = *(u64 *)(r10+value); when entered is
// full, the current task's cgroup, if counted, counts every task from then on (see
// markTask). It ends by jumping to "out".
func markFrom(l counterLayout, m cgroupExecMaps, key, value int32) asm.Instructions {
	return append(asm.Instructions{
		asm.LoadMapPtr(asm.R1, m.entered),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, key),
		asm.Mov.Reg(asm.R3, asm.R10),
		asm.Add.Imm(asm.R3, value),
		asm.Mov.Imm(asm.R4, int32(ebpf.UpdateAny)),
		asm.FnMapUpdateElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.FnGetCurrentCgroupId.Call(),
		asm.StoreMem(asm.R10, -32, asm.R0, asm.DWord),
		asm.LoadMapPtr(asm.R1, m.counted),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -32),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R8, asm.R0),
	}, append(noRoom(l, m), asm.Ja.Label("out"))...)
}

// cgroupExitInstructions is the sched_process_exit program: an exiting task's mark
// goes with it, so its thread id can be reused by a task that is not the container's.
func cgroupExitInstructions(m cgroupExecMaps) asm.Instructions {
	return asm.Instructions{
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.R10, -8, asm.R0, asm.Word),
		asm.LoadMapPtr(asm.R1, m.entered),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapDeleteElem.Call(),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	}
}

// cgroupExecTidInstructions is the sched_process_exec program (ctx->args: task,
// old_pid, bprm) that keeps the mark of a thread that executes while it is not its
// process's leader: the exec gives it the leader's thread id (the leader's exit has
// deleted the leader's mark by then), in the spirit of:
//
//	if (old_pid == current tid) return 0;
//	v = entered[old_pid]; if (!v) return 0;
//	entered[current tid] = v; delete(entered, old_pid);
func cgroupExecTidInstructions(l counterLayout, m cgroupExecMaps) asm.Instructions {
	insns := asm.Instructions{
		asm.LoadMem(asm.R6, asm.R1, 8, asm.DWord), // args[1]: old_pid
		asm.StoreMem(asm.R10, -8, asm.R6, asm.Word),
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.R10, -16, asm.R0, asm.Word),
		asm.LoadMem(asm.R1, asm.R10, -16, asm.Word),
		asm.LoadMem(asm.R2, asm.R10, -8, asm.Word),
		asm.JEq.Reg(asm.R1, asm.R2, "out"),
		asm.LoadMapPtr(asm.R1, m.entered),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.StoreMem(asm.R10, -24, asm.R1, asm.DWord),
		asm.LoadMapPtr(asm.R1, m.entered),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapDeleteElem.Call(),
	}
	insns = append(insns, markFrom(l, m, -16, -24)...)
	return append(insns,
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
}

// closeKernel detaches the programs and frees the maps.
func (r *CgroupRecorder) closeKernel() {
	for _, l := range r.links {
		l.Close()
	}
	for _, p := range r.progs {
		p.Close()
	}
	for _, m := range []*ebpf.Map{r.counted, r.filter, r.trees, r.zero, r.refused, r.stats, r.entered} {
		if m != nil {
			m.Close()
		}
	}
	r.links, r.progs = nil, nil
}

var errRecorderClosed = errors.New("the cgroup recorder is closed")

// WatchTree counts every cgroup created below dir, its children and their children,
// from the first exec in it: what a runtime does in the cgroup before it executes the
// container's entrypoint is not counted; that execve is. Cgroups below dir that already
// have processes are counted from now on and reported with StartedBefore. dir is
// absolute, or relative to the recorder's root; it must be inside the root.
func (r *CgroupRecorder) WatchTree(dir string) error {
	path := dir
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.root, path)
	}
	path = filepath.Clean(path)
	if rel, err := filepath.Rel(r.root, path); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("watching %s: not below the cgroup root %s", dir, r.root)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errRecorderClosed
	}
	if t := r.treesBy[path]; t != nil && t.active {
		return nil
	}
	id, err := cgroupID(path)
	if err != nil {
		return fmt.Errorf("watching cgroup tree %s: %w", dir, err)
	}
	t := r.treeIDs[id]
	if t == nil {
		t = &watchedTree{arg: dir, path: path, id: id, rels: map[string]uint64{}}
		r.treeIDs[id] = t
	}
	t.active = true
	r.treesBy[path] = t
	// Names first, so a directory created from now on is named as it appears; then
	// the kernel side; then what already runs.
	if err := r.watcher.add(t, ""); err != nil {
		t.active = false
		delete(r.treesBy, path)
		return fmt.Errorf("watching cgroup tree %s: %w", dir, err)
	}
	if err := r.trees.Update(id, uint64(1), ebpf.UpdateAny); err != nil {
		r.watcher.removeTree(t)
		t.active = false
		delete(r.treesBy, path)
		return fmt.Errorf("watching cgroup tree %s: %w", dir, err)
	}
	// Every cgroup with processes now is counted from now and reported as started
	// before, even one whose first exec came a moment after the tree went into the
	// map: when it cannot be told whether calls were missed, it says they may have been.
	for _, c := range r.scanTree(t) {
		if !c.populated {
			continue
		}
		r.before[c.id] = true
		r.insertStarted(t, c.id)
	}
	return nil
}

// insertStarted counts an already running cgroup from now.
func (r *CgroupRecorder) insertStarted(t *watchedTree, id uint64) {
	block := make([]uint64, blockWords(r.layout))
	block[r.layout.size()+metaTree] = t.id
	// Its running tasks were not marked: every task counts. If the exec program
	// inserted it a moment ago, an entry exec is starting it and the block it wrote
	// stays: the container is that exec's task and its descendants.
	block[r.layout.size()+metaAll] = allFromNow
	err := r.counted.Update(id, block, ebpf.UpdateNoExist)
	if err != nil && !errors.Is(err, ebpf.ErrKeyExist) {
		// No slot: the same record the exec program keeps.
		r.refused.Update(id, uint64(1), ebpf.UpdateAny)
		r.refusedHere++
		return
	}
	r.filter.Update(r.bucket(id), uint32(1), ebpf.UpdateAny)
}

// bucket is the filter bucket of cgroup id.
func (r *CgroupRecorder) bucket(id uint64) uint32 { return uint32(id) & (filterBuckets - 1) }

// clearBucket clears the filter bucket of a cgroup that no longer holds a slot, unless
// another counted cgroup shares it. The exec program sets a bucket after inserting into
// the counted map, and this clears it before looking there: a cgroup inserted meanwhile
// is either seen here, or sets its bucket after the clear. r.mu is held.
func (r *CgroupRecorder) clearBucket(id uint64) {
	b := r.bucket(id)
	r.filter.Update(b, uint32(0), ebpf.UpdateAny)
	var key uint64
	block := make([]byte, blockWords(r.layout)*8)
	it := r.counted.Iterate()
	for it.Next(&key, &block) {
		if r.bucket(key) == b {
			r.filter.Update(b, uint32(1), ebpf.UpdateAny)
			return
		}
	}
}

// scanned is a cgroup directory found below a tree.
type scanned struct {
	id        uint64
	rel       string
	populated bool
}

// scanTree names every child and grandchild of t that exists now, marks the names
// whose directory is gone, and returns what it found. r.mu is held.
func (r *CgroupRecorder) scanTree(t *watchedTree) []scanned {
	var found []scanned
	seen := map[string]bool{}
	children, _ := os.ReadDir(t.path)
	for _, c := range children {
		if !c.IsDir() {
			continue
		}
		if t.active {
			r.watcher.add(t, c.Name())
		}
		rels := []string{c.Name()}
		grand, _ := os.ReadDir(filepath.Join(t.path, c.Name()))
		for _, g := range grand {
			if g.IsDir() {
				rels = append(rels, c.Name()+"/"+g.Name())
			}
		}
		for _, rel := range rels {
			id, ok := r.name(t, rel)
			if !ok {
				continue
			}
			seen[rel] = true
			found = append(found, scanned{id: id, rel: rel, populated: hasProcesses(filepath.Join(t.path, rel))})
		}
	}
	for rel := range t.rels {
		if !seen[rel] {
			r.markGone(t, rel)
		}
	}
	return found
}

// hasProcesses reports whether processes sit in the cgroup at dir itself.
func hasProcesses(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	return err == nil && len(strings.TrimSpace(string(b))) > 0
}

// name records the id of the directory rel below t. A name that now belongs to another
// directory (removed and made again) marks the old one gone. r.mu is held.
func (r *CgroupRecorder) name(t *watchedTree, rel string) (uint64, bool) {
	id, err := cgroupID(filepath.Join(t.path, rel))
	if err != nil {
		return 0, false
	}
	if old, ok := t.rels[rel]; ok && old != id {
		r.markGone(t, rel)
	}
	t.rels[rel] = id
	if n := r.names[id]; n == nil || n.tree != t || n.rel != rel {
		r.names[id] = &cgroupName{tree: t, rel: rel}
	} else {
		n.gone = false
	}
	return id, true
}

// markGone records that the directory rel below t was removed. A name nobody counted
// is dropped: it will not be asked for. r.mu is held.
func (r *CgroupRecorder) markGone(t *watchedTree, rel string) {
	id, ok := t.rels[rel]
	if !ok {
		return
	}
	delete(t.rels, rel)
	n := r.names[id]
	if n == nil {
		return
	}
	n.gone = true
	if !r.isCounted(id) {
		delete(r.names, id)
	}
}

// isCounted reports whether cgroup id holds a slot.
func (r *CgroupRecorder) isCounted(id uint64) bool {
	block := make([]byte, blockWords(r.layout)*8)
	return r.counted.Lookup(id, block) == nil
}

// UnwatchTree stops counting new cgroups below dir; those counted stay until Forget.
func (r *CgroupRecorder) UnwatchTree(dir string) error {
	path := dir
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.root, path)
	}
	path = filepath.Clean(path)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errRecorderClosed
	}
	t := r.treesBy[path]
	if t == nil || !t.active {
		return fmt.Errorf("cgroup tree %s is not watched", dir)
	}
	if err := r.trees.Delete(t.id); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("unwatching cgroup tree %s: %w", dir, err)
	}
	t.active = false
	delete(r.treesBy, path)
	r.watcher.removeTree(t)
	return nil
}

// Counts returns what every counted cgroup made so far, while counting goes on. Whether
// a cgroup is gone is checked against its directory now.
func (r *CgroupRecorder) Counts() ([]CgroupCount, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errRecorderClosed
	}
	type entry struct {
		id    uint64
		block []uint64
	}
	var entries []entry
	var id uint64
	block := make([]uint64, blockWords(r.layout))
	it := r.counted.Iterate()
	for it.Next(&id, &block) {
		entries = append(entries, entry{id, append([]uint64(nil), block...)})
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("reading the cgroup counters: %w", err)
	}
	rescanned := map[*watchedTree]bool{}
	out := make([]CgroupCount, 0, len(entries))
	for _, e := range entries {
		c := CgroupCount{ID: e.id, StartedBefore: r.before[e.id], AllTasks: e.block[r.layout.size()+metaAll] != allMarked}
		if !c.StartedBefore {
			var n uint64
			// A cgroup refused for lack of a slot and counted at a later exec.
			c.StartedBefore = r.refused.Lookup(e.id, &n) == nil
		}
		tree := r.treeIDs[e.block[r.layout.size()+metaTree]]
		n := r.names[e.id]
		if n == nil && tree != nil && !rescanned[tree] {
			// Counted before inotify told us its name: look now.
			rescanned[tree] = true
			r.scanTree(tree)
			n = r.names[e.id]
		}
		if n == nil && tree != nil {
			// Gone before user space saw it: the name the exec program read.
			if rel := r.execName(e.block); rel != "" {
				n = &cgroupName{tree: tree, rel: rel}
				r.names[e.id] = n
			}
		}
		switch {
		case n != nil:
			c.Tree, c.Name, c.Gone = n.tree.arg, n.rel, n.gone
			if !c.Gone {
				if now, err := cgroupID(filepath.Join(n.tree.path, n.rel)); err != nil || now != e.id {
					c.Gone = true
				}
			}
		case tree != nil:
			// Its directory was not found below its tree: it was removed before it
			// could be named.
			c.Tree, c.Gone = tree.arg, true
		default:
			// The exec program has not written the tree yet.
		}
		rec := New(string(ModeEBPF))
		r.layout.addTo(rec, e.block[:r.layout.size()], r.native)
		c.Calls = rec.Calls
		out = append(out, c)
	}
	return out, nil
}

// execName is the cgroup's path relative to its tree from the names the exec program
// wrote in its block, or "" when it wrote none or one was cut short.
func (r *CgroupRecorder) execName(block []uint64) string {
	base := r.layout.size()
	str := func(at int) string {
		b := make([]byte, nameBytes)
		for i := range nameBytes / 8 {
			binary.NativeEndian.PutUint64(b[i*8:], block[base+at+i])
		}
		s, _, ok := strings.Cut(string(b), "\x00")
		if !ok || len(s) == nameBytes-1 || strings.Contains(s, "/") {
			return ""
		}
		return s
	}
	name := str(metaName)
	if name == "" {
		return ""
	}
	switch block[base+metaUp] {
	case 1:
		return name
	case 2:
		if parent := str(metaParent); parent != "" {
			return parent + "/" + name
		}
	}
	return ""
}

// Forget frees the slot of cgroup id, once its counts were read. A cgroup forgotten
// while it still runs is counted again from its next exec, as not StartedBefore: forget
// only gone ones.
func (r *CgroupRecorder) Forget(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.counted.Delete(id) == nil {
		r.clearBucket(id)
	}
	delete(r.before, id)
	if n := r.names[id]; n != nil && n.gone {
		delete(r.names, id)
	}
}

// Stats says how many cgroups are counted, how many slots are free and how many
// cgroups found none.
func (r *CgroupRecorder) Stats() CgroupRecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s CgroupRecorderStats
	if r.closed {
		return s
	}
	counted := map[uint64]bool{}
	var id uint64
	it := r.counted.Iterate()
	block := make([]byte, blockWords(r.layout)*8)
	for it.Next(&id, &block) {
		counted[id] = true
	}
	s.Counted = len(counted)
	s.Free = r.max - s.Counted
	var n uint64
	it = r.refused.Iterate()
	for it.Next(&id, &n) {
		if !counted[id] {
			s.NotCounted++
		}
	}
	var st [2]uint64
	if r.stats.Lookup(uint32(0), &st) == nil {
		s.NotCountedExecs, s.UnmarkedTasks = st[0], st[1]
	}
	s.NotCountedExecs += r.refusedHere
	return s
}

// Close detaches the programs and frees everything; counts are gone with it.
func (r *CgroupRecorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	r.watcher.close()
	r.closeKernel()
	return nil
}

// treeWatcher names cgroup directories as they appear and notes when they go, with
// inotify on each tree and each of its children.
type treeWatcher struct {
	r    *CgroupRecorder
	fd   int
	stop int // eventfd
	wds  map[int32][]watchRef
	done chan struct{}
}

// watchRef is a directory under inotify: rel below tree ("" for the tree itself).
type watchRef struct {
	tree *watchedTree
	rel  string
}

func newTreeWatcher(r *CgroupRecorder) (*treeWatcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	stop, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	w := &treeWatcher{r: r, fd: fd, stop: stop, wds: map[int32][]watchRef{}, done: make(chan struct{})}
	go w.run()
	return w, nil
}

// add watches the directory rel below t. r.mu is held.
func (w *treeWatcher) add(t *watchedTree, rel string) error {
	wd, err := unix.InotifyAddWatch(w.fd, filepath.Join(t.path, rel), unix.IN_CREATE|unix.IN_DELETE|unix.IN_ONLYDIR)
	if err != nil {
		return err
	}
	for _, ref := range w.wds[int32(wd)] {
		if ref.tree == t && ref.rel == rel {
			return nil
		}
	}
	w.wds[int32(wd)] = append(w.wds[int32(wd)], watchRef{t, rel})
	return nil
}

// removeTree stops watching t's directories. r.mu is held.
func (w *treeWatcher) removeTree(t *watchedTree) {
	for wd, refs := range w.wds {
		kept := refs[:0]
		for _, ref := range refs {
			if ref.tree != t {
				kept = append(kept, ref)
			}
		}
		if len(kept) == 0 {
			unix.InotifyRmWatch(w.fd, uint32(wd))
			delete(w.wds, wd)
		} else {
			w.wds[wd] = kept
		}
	}
}

// rescanEvery is how often, in milliseconds, every tree is scanned again in case an
// event was missed.
const rescanEvery = 5000

func (w *treeWatcher) run() {
	defer close(w.done)
	buf := make([]byte, 64*1024)
	for {
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}, {Fd: int32(w.stop), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, rescanEvery)
		if err != nil && err != unix.EINTR {
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if n == 0 {
			w.rescan()
			continue
		}
		for {
			n, err := unix.Read(w.fd, buf)
			if err != nil || n <= 0 {
				break
			}
			w.handle(buf[:n])
		}
	}
}

// rescan scans every watched tree.
func (w *treeWatcher) rescan() {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	if w.r.closed {
		return
	}
	for _, t := range w.r.treesBy {
		w.r.scanTree(t)
	}
}

// handle applies a buffer of inotify events.
func (w *treeWatcher) handle(buf []byte) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	if w.r.closed {
		return
	}
	const header = unix.SizeofInotifyEvent
	for off := 0; off+header <= len(buf); {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		nameBytes := buf[off+header : off+header+int(ev.Len)]
		off += header + int(ev.Len)
		name := strings.TrimRight(string(nameBytes), "\x00")
		if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
			for _, t := range w.r.treesBy {
				w.r.scanTree(t)
			}
			continue
		}
		if ev.Mask&unix.IN_IGNORED != 0 {
			delete(w.wds, ev.Wd)
			continue
		}
		if ev.Mask&unix.IN_ISDIR == 0 || name == "" {
			continue
		}
		for _, ref := range w.wds[ev.Wd] {
			rel := name
			if ref.rel != "" {
				rel = ref.rel + "/" + name
			}
			switch {
			case ev.Mask&unix.IN_CREATE != 0:
				if _, ok := w.r.name(ref.tree, rel); !ok || ref.rel != "" {
					continue
				}
				// A child: watch it for grandchildren and name those made before.
				w.add(ref.tree, rel)
				grand, _ := os.ReadDir(filepath.Join(ref.tree.path, rel))
				for _, g := range grand {
					if g.IsDir() {
						w.r.name(ref.tree, rel+"/"+g.Name())
					}
				}
			case ev.Mask&unix.IN_DELETE != 0:
				w.r.markGone(ref.tree, rel)
			}
		}
	}
}

// close stops the goroutine and closes the descriptors.
func (w *treeWatcher) close() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	unix.Write(w.stop, one[:])
	<-w.done
	unix.Close(w.fd)
	unix.Close(w.stop)
}
