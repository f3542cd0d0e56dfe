package record

import (
	"fmt"
	"os"
	"strconv"

	"github.com/cilium/ebpf"
)

// MarkThreadsForBench makes counted cgroup id count only marked tasks, as one counted
// from an entry exec does, and marks every thread of this process in it, so a
// benchmark can time sys_enter's marked path in its own loop. Nothing else may count
// in the cgroup meanwhile: the block is written whole.
func MarkThreadsForBench(r *CgroupRecorder, id uint64) error {
	if r.entered == nil {
		return fmt.Errorf("the recorder was made without ContainerExecs")
	}
	block := make([]uint64, blockWords(r.layout))
	if err := r.counted.Lookup(id, block); err != nil {
		return fmt.Errorf("cgroup %d: %w", id, err)
	}
	block[r.layout.size()+metaAll] = allMarked
	if err := r.counted.Update(id, block, ebpf.UpdateExist); err != nil {
		return err
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, task := range tasks {
		tid, err := strconv.ParseUint(task.Name(), 10, 32)
		if err != nil {
			return err
		}
		if err := r.entered.Update(uint32(tid), id, ebpf.UpdateAny); err != nil {
			return fmt.Errorf("marking thread %d: %w", tid, err)
		}
	}
	return nil
}

// UseOnlyProcessExecForTest makes the recorders made until restore is called attach
// their exec program where a kernel before 6.10 has to, at sched_process_exec.
func UseOnlyProcessExecForTest() (restore func()) {
	saved := execTracepoints
	execTracepoints = []string{"sched_process_exec"}
	return func() { execTracepoints = saved }
}

// ExecHook is the tracepoint r's exec program is attached to.
func ExecHook(r *CgroupRecorder) string { return r.execHook }

// KernelNamesMappedFiles says whether eBPF mode's mmap events carry the path of the
// file mapped: the kernel's BTF gives the offsets of the walk.
func KernelNamesMappedFiles() bool {
	o, _ := loadKernelOffsets()
	return o.files
}
