package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Polling /proc every objectScanInterval misses what a short process runs: a wrapper
// (a shell, env, nice) that execs the real program lets the recording end with only
// the wrapper analyzed, and completion then adds the wrapper's syscalls, not the
// program's. The kernel tells us instead: one program at sched_process_exec sends the
// path every process of the cgroup execs, another at sys_enter sends the pid of a
// process that maps a file executable (a library or a dlopen'ed module), so the
// scanner reads that process's mappings at once.

// Event kinds, and the size of an event: pid (u32), kind (u32), path (NUL-terminated).
const (
	objEventExec = 1
	objEventMmap = 2
	objPathMax   = 256
	objEventSize = 8 + objPathMax
)

// protExec is PROT_EXEC, the same on x86_64 and aarch64.
const protExec = 4

// objectEvents is the programs and the ring buffer they write to.
type objectEvents struct {
	events *ebpf.Map
	progs  []*ebpf.Program
	links  []link.Link
	reader *ringbuf.Reader
}

// loadObjectEvents creates the ring buffer and attaches the exec program for cgroup
// cgid; loadCounter adds the mmap events to the counting program. An error means the
// scanner polls only (kernels before 5.8 have no ring buffer).
func loadObjectEvents(cgid uint64) (*objectEvents, error) {
	events, err := ebpf.NewMap(&ebpf.MapSpec{Name: "sc_objevents", Type: ebpf.RingBuf, MaxEntries: 1 << 20})
	if err != nil {
		return nil, fmt.Errorf("creating the object event ring buffer: %w", err)
	}
	oe := &objectEvents{events: events}
	filenameOff, offErr := binprmFilenameOffset()
	execProg, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "sc_obj_exec", Type: ebpf.RawTracepoint, License: "GPL",
		Instructions: execEventInstructions(cgid, events.FD(), filenameOff, offErr == nil),
	})
	if err != nil {
		oe.close()
		return nil, fmt.Errorf("loading the exec event program: %w", err)
	}
	oe.progs = append(oe.progs, execProg)
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sched_process_exec", Program: execProg})
	if err != nil {
		oe.close()
		return nil, fmt.Errorf("attaching to sched_process_exec: %w", err)
	}
	oe.links = append(oe.links, l)
	oe.reader, err = ringbuf.NewReader(events)
	if err != nil {
		oe.close()
		return nil, fmt.Errorf("reading the object event ring buffer: %w", err)
	}
	return oe, nil
}

var (
	binprmOnce sync.Once
	binprmOff  uint32
	binprmErr  error
)

// binprmFilenameOffset is the offset of linux_binprm.filename, from the kernel's BTF
// (read once: it takes some 20 ms).
func binprmFilenameOffset() (uint32, error) {
	binprmOnce.Do(func() {
		spec, err := btf.LoadKernelSpec()
		if err != nil {
			binprmErr = err
			return
		}
		binprmOff, binprmErr = fieldOffset(spec, "linux_binprm", "filename")
	})
	return binprmOff, binprmErr
}

// execEventInstructions is the sched_process_exec program (ctx->args: task, old_pid,
// bprm), in the spirit of:
//
//	if (bpf_get_current_cgroup_id() != CGID) return 0;
//	ev.pid = bpf_get_current_pid_tgid() >> 32; ev.kind = EXEC;
//	bpf_probe_read_kernel(&p, 8, &bprm->filename);   // if the offset is known
//	bpf_probe_read_kernel_str(ev.path, 256, p);
//	bpf_ringbuf_output(&events, &ev, sizeof ev, 0);
func execEventInstructions(cgid uint64, eventsFD int, filenameOff uint32, withPath bool) asm.Instructions {
	const ev = -objEventSize // the event at r10-264, a scratch pointer at r10-272
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.FnGetCurrentCgroupId.Call(),
		asm.LoadImm(asm.R1, int64(cgid), asm.DWord),
		asm.JNE.Reg(asm.R0, asm.R1, "out"),
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.StoreMem(asm.R10, ev, asm.R0, asm.Word),
		asm.Mov.Imm(asm.R1, objEventExec),
		asm.StoreMem(asm.R10, ev+4, asm.R1, asm.Word),
	}
	size := int32(8)
	if withPath {
		size = objEventSize
		insns = append(insns,
			asm.Mov.Imm(asm.R1, 0),
			asm.StoreMem(asm.R10, ev-8, asm.R1, asm.DWord),
			asm.Mov.Reg(asm.R1, asm.R10),
			asm.Add.Imm(asm.R1, ev-8),
			asm.Mov.Imm(asm.R2, 8),
			asm.LoadMem(asm.R3, asm.R6, 16, asm.DWord), // args[2]: struct linux_binprm *
			asm.Add.Imm(asm.R3, int32(filenameOff)),
			asm.FnProbeReadKernel.Call(),
			// On failure the pointer stays 0, the read below fails and zeroes the path.
			asm.Mov.Reg(asm.R1, asm.R10),
			asm.Add.Imm(asm.R1, ev+8),
			asm.Mov.Imm(asm.R2, objPathMax),
			asm.LoadMem(asm.R3, asm.R10, ev-8, asm.DWord),
			asm.FnProbeReadKernelStr.Call(),
		)
	}
	return append(insns, emitEvent(eventsFD, ev, size)...)
}

// mmapProtOffset is where mmap's third argument (prot) sits in pt_regs: rdx on x86_64,
// regs[2] on aarch64.
func mmapProtOffset(native syscalls.Arch) (int16, bool) {
	switch native {
	case syscalls.X86_64:
		return 96, true
	case syscalls.AArch64:
		return 16, true
	}
	return 0, false
}

// mmapEventInstructions is inserted in the counting program, which runs at every
// syscall of the cgroup with the number in r7 and the context in r6 (both kept): it
// reports a process that maps something executable, then falls through to the label
// next. The mapping is not there yet when the event is sent: the scanner reads the
// process's mappings at once and again a moment later (objectScanner.handle). A
// separate program would cost every syscall of the machine a second dispatch.
//
//	if (nr == MMAP && (regs->PROT & PROT_EXEC)) {
//		ev.pid = bpf_get_current_pid_tgid() >> 32; ev.kind = MMAP;
//		bpf_ringbuf_output(&events, &ev, 8, 0);
//	}
func mmapEventInstructions(eventsFD int, native syscalls.Arch, regs regsSource, next string) asm.Instructions {
	mmapNr, _ := syscalls.Number(native, "mmap")
	protOff, ok := mmapProtOffset(native)
	if !ok || mmapNr < 0 {
		return nil
	}
	insns := asm.Instructions{asm.JNE.Imm(asm.R7, int32(mmapNr), next)}
	insns = append(insns, readRegs(protOff, asm.DWord, "", regs)...)
	return append(insns,
		asm.And.Imm(asm.R1, protExec),
		asm.JEq.Imm(asm.R1, 0, next),
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.StoreMem(asm.R10, -8, asm.R0, asm.Word),
		asm.Mov.Imm(asm.R1, objEventMmap),
		asm.StoreMem(asm.R10, -4, asm.R1, asm.Word),
		asm.LoadMapPtr(asm.R1, eventsFD),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.Mov.Imm(asm.R3, 8),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
	)
}

// emitEvent writes size bytes at r10+off to the ring buffer, and ends the program at
// the label "out".
func emitEvent(eventsFD int, off int16, size int32) asm.Instructions {
	return asm.Instructions{
		asm.LoadMapPtr(asm.R1, eventsFD),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, int32(off)),
		asm.Mov.Imm(asm.R3, size),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}

// objectEvent is one decoded event.
type objectEvent struct {
	pid  int
	kind uint32
	path string // the exec'd path as the process named it, possibly relative
}

// parseObjectEvent decodes a raw ring buffer sample.
func parseObjectEvent(raw []byte) (objectEvent, error) {
	if len(raw) < 8 {
		return objectEvent{}, fmt.Errorf("object event of %d bytes, want at least 8", len(raw))
	}
	ev := objectEvent{pid: int(binary.NativeEndian.Uint32(raw)), kind: binary.NativeEndian.Uint32(raw[4:])}
	if ev.kind != objEventExec && ev.kind != objEventMmap {
		return objectEvent{}, fmt.Errorf("object event of unknown kind %d", ev.kind)
	}
	path := raw[8:]
	for i, b := range path {
		if b == 0 {
			path = path[:i]
			break
		}
	}
	ev.path = string(path)
	return ev, nil
}

// run hands each event to handle until flush or close.
func (oe *objectEvents) run(handle func(objectEvent)) {
	for {
		rec, err := oe.reader.Read()
		if err != nil {
			if errors.Is(err, ringbuf.ErrFlushed) || errors.Is(err, ringbuf.ErrClosed) {
				return
			}
			continue
		}
		if ev, err := parseObjectEvent(rec.RawSample); err == nil {
			handle(ev)
		}
	}
}

// flush makes run handle the events queued so far and then return.
func (oe *objectEvents) flush() { oe.reader.Flush() }

// ring is the ring buffer the counting program writes mmap events to; nil for none.
func (oe *objectEvents) ring() *ebpf.Map {
	if oe == nil {
		return nil
	}
	return oe.events
}

func (oe *objectEvents) close() {
	if oe == nil {
		return
	}
	if oe.reader != nil {
		oe.reader.Close()
	}
	for _, l := range oe.links {
		l.Close()
	}
	for _, p := range oe.progs {
		p.Close()
	}
	oe.events.Close()
}

// execPath resolves the path a process exec'd, as the recorder sees the filesystem:
// a relative path against the process's working directory while it still runs, an
// absolute one when the process has our root (or is gone). Scripts (#!) are not ELF
// and are left out: the interpreter is what runs, and the scan reads it from
// /proc/PID/exe. It returns "" when the path cannot be placed.
func execPath(pid int, p string) string {
	if p == "" || strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/dev/fd/") {
		// /proc/self/exe (busybox runs its applets so), /proc/PID/fd/N and /dev/fd/N
		// (fexecve) name the file through a process: ours here, not the one that
		// exec'd. /proc/PID/exe, which the scan reads, names it.
		return ""
	}
	proc := "/proc/" + strconv.Itoa(pid)
	if root, err := os.Readlink(proc + "/root"); err == nil && root != "/" {
		return "" // another root (a container): /proc/PID/exe names it, not this path
	}
	if !filepath.IsAbs(p) {
		cwd, err := os.Readlink(proc + "/cwd")
		if err != nil {
			return ""
		}
		p = filepath.Join(cwd, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return ""
	}
	f, err := os.Open(real)
	if err != nil {
		return ""
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != "\x7fELF" {
		return ""
	}
	return real
}
