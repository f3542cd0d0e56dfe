package record

import (
	"bytes"
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
// path every process of the cgroup execs, and the counting program at sys_enter sends
// the path of the file a process maps executable (a library or a dlopen'ed module),
// walked up from mmap's file descriptor, and the process's pid, so the scanner also
// reads that process's mappings at once.

// Event kinds, and the size of an event: pid (u32), kind (u32), path (NUL-terminated).
const (
	objEventExec = 1
	objEventMmap = 2
	objPathMax   = 256
	objEventSize = 8 + objPathMax
)

// An mmap event with the file's path (objEventMmapPath) is pid (u32), kind (u32), the
// number of slots written (u32), whether the walk reached the root (u32), then the
// path's components from the file up, one a slot, NUL-terminated; a slot that starts
// with '/' marks a mount crossed, and holds no component.
const (
	objEventMmapPath = 3
	mmapPathSlots    = 32
	mmapSlotSize     = 64
	mmapPathHeader   = 16
	mmapPathSize     = mmapPathHeader + mmapPathSlots*mmapSlotSize
)

// mapAnonymous is MAP_ANONYMOUS, the same on x86_64 and aarch64: such a mapping has no
// file to name.
const mapAnonymous = 0x20

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

// mmapFlagsFdOffsets are where mmap's fourth and fifth arguments (flags, fd) sit in
// pt_regs: r10 and r8 on x86_64, regs[3] and regs[4] on aarch64.
func mmapFlagsFdOffsets(native syscalls.Arch) (flags, fd int16, ok bool) {
	switch native {
	case syscalls.X86_64:
		return 56, 72, true
	case syscalls.AArch64:
		return 24, 32, true
	}
	return 0, 0, false
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
//
// Where the kernel's BTF gives the offsets (o.files), the event names the file itself,
// walked up from the file descriptor in the kernel (mmapPathInstructions), so a process
// that maps a module and exits at once is not missed; the plain event is what is sent
// when the walk cannot be made (the ring buffer is full).
func mmapEventInstructions(eventsFD int, native syscalls.Arch, regs regsSource, o kernelOffsets, next string) asm.Instructions {
	mmapNr, _ := syscalls.Number(native, "mmap")
	protOff, ok := mmapProtOffset(native)
	if !ok || mmapNr < 0 {
		return nil
	}
	insns := asm.Instructions{asm.JNE.Imm(asm.R7, int32(mmapNr), next)}
	insns = append(insns, readRegs(protOff, asm.DWord, "", regs)...)
	insns = append(insns,
		asm.And.Imm(asm.R1, protExec),
		asm.JEq.Imm(asm.R1, 0, next),
	)
	plain := asm.Instructions{
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
	}
	if flagsOff, fdOff, ok := mmapFlagsFdOffsets(native); ok && o.files {
		insns = append(insns, mmapPathInstructions(eventsFD, regs, o, flagsOff, fdOff, next)...)
		plain[0] = plain[0].WithSymbol("mp_plain")
	}
	return append(insns, plain...)
}

// Stack slots of mmapPathInstructions, below readRegs' scratch at r10-16.
const (
	mpFd     = -24 // mmap's fd argument
	mpPtr    = -32 // the pointer being followed
	mpMaxFds = -40 // fdtable.max_fds
	mpDentry = -48 // the dentry walked up
	mpMount  = -56 // its struct mount
	mpTmp    = -64
	mpName   = -72
)

// mmapPathInstructions reserves an objEventMmapPath event and fills it with the path
// of the file mmap's fd names, walking from its dentry up to the root of the task's
// mount namespace, crossing mounts. Registers r6 and r7 are left as they were; the
// event is submitted and the program goes on at next. In the spirit of:
//
//	if (flags & MAP_ANONYMOUS) goto next;
//	ev = bpf_ringbuf_reserve(&events, SIZE, 0); if (!ev) goto mp_plain;
//	ev->pid = pid; ev->kind = MMAP_PATH; ev->used = ev->complete = 0;
//	file = current->files->fdt->fd[fd]           // when 0 <= fd < max_fds
//	d = file->f_path.dentry; m = real_mount(file->f_path.mnt);
//	for (i = 0; i < SLOTS; i++) {
//		if (d == m->mnt.mnt_root) {
//			if (m->mnt_parent == m) { ev->complete = 1; break; }
//			d = m->mnt_mountpoint; m = m->mnt_parent; ev->slot[i][0] = '/';
//		} else {
//			bpf_probe_read_kernel_str(ev->slot[i], SLOT, d->d_name.name);
//			d = d->d_parent;
//		}
//		ev->used = i + 1;
//	}
//	bpf_ringbuf_submit(ev, 0); goto next;
func mmapPathInstructions(eventsFD int, regs regsSource, o kernelOffsets, flagsOff, fdOff int16, next string) asm.Instructions {
	// follow reads the pointer at (the pointer in slot from) + off into slot to.
	follow := func(from int16, off uint32, to int16) asm.Instructions {
		return asm.Instructions{
			asm.LoadMem(asm.R3, asm.R10, from, asm.DWord),
			asm.Add.Imm(asm.R3, int32(off)),
			asm.Mov.Reg(asm.R1, asm.R10),
			asm.Add.Imm(asm.R1, int32(to)),
			asm.Mov.Imm(asm.R2, 8),
			asm.FnProbeReadKernel.Call(),
		}
	}
	insns := readRegs(flagsOff, asm.DWord, "", regs)
	insns = append(insns,
		asm.And.Imm(asm.R1, mapAnonymous),
		asm.JNE.Imm(asm.R1, 0, next),
		asm.LoadMapPtr(asm.R1, eventsFD),
		asm.Mov.Imm(asm.R2, mmapPathSize),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, "mp_plain"),
		asm.Mov.Reg(asm.R9, asm.R0),
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.StoreMem(asm.R9, 0, asm.R0, asm.Word),
		asm.StoreImm(asm.R9, 4, objEventMmapPath, asm.Word),
		asm.StoreImm(asm.R9, 8, 0, asm.Word),
		asm.StoreImm(asm.R9, 12, 0, asm.Word),
	)
	insns = append(insns, readRegs(fdOff, asm.DWord, "", regs)...)
	insns = append(insns,
		asm.StoreMem(asm.R10, mpFd, asm.R1, asm.DWord),
		asm.FnGetCurrentTask.Call(),
		asm.StoreMem(asm.R10, mpPtr, asm.R0, asm.DWord),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R10, mpMaxFds, asm.R1, asm.DWord),
	)
	insns = append(insns, follow(mpPtr, o.taskFiles, mpPtr)...)
	insns = append(insns, follow(mpPtr, o.filesFdt, mpPtr)...)
	insns = append(insns,
		asm.LoadMem(asm.R3, asm.R10, mpPtr, asm.DWord),
		asm.Add.Imm(asm.R3, int32(o.fdtMaxFds)),
		asm.Mov.Reg(asm.R1, asm.R10),
		asm.Add.Imm(asm.R1, mpMaxFds),
		asm.Mov.Imm(asm.R2, 4),
		asm.FnProbeReadKernel.Call(),
	)
	insns = append(insns, follow(mpPtr, o.fdtFd, mpPtr)...)
	insns = append(insns,
		asm.LoadMem(asm.R1, asm.R10, mpFd, asm.DWord),
		asm.JSLT.Imm(asm.R1, 0, "mp_submit"),
		asm.LoadMem(asm.R2, asm.R10, mpMaxFds, asm.Word),
		asm.JGE.Reg(asm.R1, asm.R2, "mp_submit"),
		asm.LSh.Imm(asm.R1, 3),
		asm.LoadMem(asm.R3, asm.R10, mpPtr, asm.DWord),
		asm.Add.Reg(asm.R3, asm.R1),
		asm.Mov.Reg(asm.R1, asm.R10),
		asm.Add.Imm(asm.R1, mpPtr),
		asm.Mov.Imm(asm.R2, 8),
		asm.FnProbeReadKernel.Call(), // the struct file *
	)
	insns = append(insns, follow(mpPtr, o.fileDentry, mpDentry)...)
	insns = append(insns, follow(mpPtr, o.fileMnt, mpMount)...)
	insns = append(insns,
		asm.LoadMem(asm.R1, asm.R10, mpMount, asm.DWord),
		asm.Sub.Imm(asm.R1, int32(o.mountMnt)), // real_mount()
		asm.StoreMem(asm.R10, mpMount, asm.R1, asm.DWord),
	)
	for i := range mmapPathSlots {
		slot := int16(mmapPathHeader + i*mmapSlotSize)
		iter := fmt.Sprintf("mp_iter_%d", i)
		name := fmt.Sprintf("mp_name_%d", i)
		nextIter := fmt.Sprintf("mp_iter_%d", i+1)
		block := follow(mpMount, o.mountMnt+o.vfsmountRoot, mpTmp)
		block[0] = block[0].WithSymbol(iter)
		block = append(block,
			asm.LoadMem(asm.R1, asm.R10, mpDentry, asm.DWord),
			asm.JEq.Imm(asm.R1, 0, "mp_submit"),
			asm.LoadMem(asm.R2, asm.R10, mpTmp, asm.DWord),
			asm.JNE.Reg(asm.R1, asm.R2, name),
		)
		// The root of its mount: go on from where the mount is mounted.
		block = append(block, follow(mpMount, o.mountParent, mpTmp)...)
		block = append(block,
			asm.LoadMem(asm.R1, asm.R10, mpMount, asm.DWord),
			asm.LoadMem(asm.R2, asm.R10, mpTmp, asm.DWord),
			asm.JEq.Reg(asm.R1, asm.R2, "mp_complete"),
			asm.JEq.Imm(asm.R2, 0, "mp_submit"),
		)
		block = append(block, follow(mpMount, o.mountPoint, mpDentry)...)
		block = append(block,
			asm.LoadMem(asm.R1, asm.R10, mpTmp, asm.DWord),
			asm.StoreMem(asm.R10, mpMount, asm.R1, asm.DWord),
			asm.StoreImm(asm.R9, slot, '/', asm.Byte),
			asm.StoreImm(asm.R9, 8, int64(i+1), asm.Word),
			asm.Ja.Label(nextIter),
		)
		// A component: its name, then its parent.
		nameBlock := follow(mpDentry, o.dentryNamePtr, mpName)
		nameBlock[0] = nameBlock[0].WithSymbol(name)
		nameBlock = append(nameBlock,
			asm.Mov.Reg(asm.R1, asm.R9),
			asm.Add.Imm(asm.R1, int32(slot)),
			asm.Mov.Imm(asm.R2, mmapSlotSize),
			asm.LoadMem(asm.R3, asm.R10, mpName, asm.DWord),
			asm.FnProbeReadKernelStr.Call(),
			asm.StoreImm(asm.R9, 8, int64(i+1), asm.Word),
		)
		nameBlock = append(nameBlock, follow(mpDentry, o.dentryParent, mpDentry)...)
		insns = append(insns, block...)
		insns = append(insns, nameBlock...)
	}
	return append(insns,
		asm.Ja.Label("mp_submit").WithSymbol(fmt.Sprintf("mp_iter_%d", mmapPathSlots)),
		asm.StoreImm(asm.R9, 12, 1, asm.Word).WithSymbol("mp_complete"),
		asm.Mov.Reg(asm.R1, asm.R9).WithSymbol("mp_submit"),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRingbufSubmit.Call(),
		asm.Ja.Label(next),
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
	kind uint32 // objEventExec or objEventMmap
	// path is, for an exec, the path as the process named it, possibly relative; for
	// an mmap, the absolute path of the file mapped in the process's mount namespace,
	// or "" when the kernel could not name it.
	path string
}

// parseObjectEvent decodes a raw ring buffer sample.
func parseObjectEvent(raw []byte) (objectEvent, error) {
	if len(raw) < 8 {
		return objectEvent{}, fmt.Errorf("object event of %d bytes, want at least 8", len(raw))
	}
	ev := objectEvent{pid: int(binary.NativeEndian.Uint32(raw)), kind: binary.NativeEndian.Uint32(raw[4:])}
	if ev.kind == objEventMmapPath {
		if len(raw) < mmapPathSize {
			return objectEvent{}, fmt.Errorf("mmap path event of %d bytes, want %d", len(raw), mmapPathSize)
		}
		ev.kind, ev.path = objEventMmap, mmapPath(raw)
		return ev, nil
	}
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

// mmapPath joins the components of an objEventMmapPath event into an absolute path,
// or returns "" when the walk did not reach the root or a component may be cut short
// or could not be read.
func mmapPath(raw []byte) string {
	used := binary.NativeEndian.Uint32(raw[8:])
	complete := binary.NativeEndian.Uint32(raw[12:])
	if complete != 1 || used > mmapPathSlots {
		return ""
	}
	var parts []string
	for i := int(used) - 1; i >= 0; i-- {
		slot := raw[mmapPathHeader+i*mmapSlotSize:][:mmapSlotSize]
		end := bytes.IndexByte(slot, 0)
		switch {
		case slot[0] == '/':
			continue // a mount crossed
		case end <= 0:
			return "" // no NUL (cannot be: the kernel writes one) or nothing read
		case end == mmapSlotSize-1:
			return "" // as long as a slot holds: perhaps cut short
		}
		name := string(slot[:end])
		if name == "." || name == ".." || strings.Contains(name, "/") {
			return ""
		}
		parts = append(parts, name)
	}
	if len(parts) == 0 {
		return ""
	}
	return "/" + strings.Join(parts, "/")
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
