package record

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// kernelOffsets are byte offsets of kernel struct fields the exec program follows with
// bpf_probe_read_kernel, read from the running kernel's BTF (they change between
// kernels and configurations).
type kernelOffsets struct {
	// For the mount namespace of a task and of its parent, and a task's id (the
	// fork program reads the child's); ns says they were found.
	ns                       bool
	realParent, nsproxy, pid uint32 // task_struct
	mntNS                    uint32 // nsproxy
	mntNSInum                uint32 // mnt_namespace: ns.inum

	// For the directory name of a task's cgroup v2 and of its parent; names says they
	// were found.
	names            bool
	cgroups          uint32 // task_struct (struct css_set *)
	dflCgrp          uint32 // css_set (struct cgroup *)
	kn               uint32 // cgroup (struct kernfs_node *)
	knName, knParent uint32 // kernfs_node: name, and __parent (parent before 6.15)

	// For the path of the file behind a file descriptor of the current task (what
	// mmap maps), walked up its dentries and mounts; files says they were found.
	files                             bool
	taskFiles, filesFdt               uint32 // task_struct.files, files_struct.fdt
	fdtMaxFds, fdtFd                  uint32 // fdtable.max_fds, fdtable.fd
	fileDentry, fileMnt               uint32 // file.f_path.dentry, file.f_path.mnt
	mountMnt, mountParent, mountPoint uint32 // mount.mnt, mnt_parent, mnt_mountpoint
	vfsmountRoot                      uint32 // vfsmount.mnt_root
	dentryNamePtr, dentryParent       uint32 // dentry.d_name.name, dentry.d_parent
}

var (
	offsetsOnce sync.Once
	offsets     kernelOffsets
	offsetsErr  error
)

// loadKernelOffsets reads the offsets from /sys/kernel/btf/vmlinux, once.
func loadKernelOffsets() (kernelOffsets, error) {
	offsetsOnce.Do(func() {
		spec, err := btf.LoadKernelSpec()
		if err != nil {
			offsetsErr = fmt.Errorf("reading the kernel's BTF: %w", err)
			return
		}
		var o kernelOffsets
		var errs []error
		get := func(dst *uint32, path ...string) {
			off, err := fieldOffset(spec, path[0], path[1:]...)
			errs = append(errs, err)
			*dst = off
		}
		get(&o.realParent, "task_struct", "real_parent")
		get(&o.nsproxy, "task_struct", "nsproxy")
		get(&o.pid, "task_struct", "pid")
		get(&o.mntNS, "nsproxy", "mnt_ns")
		get(&o.mntNSInum, "mnt_namespace", "ns", "inum")
		nsErr := errors.Join(errs...)
		o.ns = nsErr == nil
		errs = nil
		get(&o.cgroups, "task_struct", "cgroups")
		get(&o.dflCgrp, "css_set", "dfl_cgrp")
		get(&o.kn, "cgroup", "kn")
		get(&o.knName, "kernfs_node", "name")
		if _, err := fieldOffset(spec, "kernfs_node", "__parent"); err == nil {
			get(&o.knParent, "kernfs_node", "__parent")
		} else {
			get(&o.knParent, "kernfs_node", "parent")
		}
		o.names = errors.Join(errs...) == nil
		errs = nil
		get(&o.taskFiles, "task_struct", "files")
		get(&o.filesFdt, "files_struct", "fdt")
		get(&o.fdtMaxFds, "fdtable", "max_fds")
		get(&o.fdtFd, "fdtable", "fd")
		get(&o.fileDentry, "file", "f_path", "dentry")
		get(&o.fileMnt, "file", "f_path", "mnt")
		get(&o.mountMnt, "mount", "mnt")
		get(&o.mountParent, "mount", "mnt_parent")
		get(&o.mountPoint, "mount", "mnt_mountpoint")
		get(&o.vfsmountRoot, "vfsmount", "mnt_root")
		get(&o.dentryNamePtr, "dentry", "d_name", "name")
		get(&o.dentryParent, "dentry", "d_parent")
		o.files = errors.Join(errs...) == nil
		offsets = o
		if nsErr != nil {
			offsetsErr = fmt.Errorf("reading the kernel's BTF: %w", nsErr)
		}
	})
	return offsets, offsetsErr
}

// fieldOffset returns the byte offset of the field path (members of nested structs, by
// name) in struct typ; members of anonymous structs and unions are looked into.
func fieldOffset(spec *btf.Spec, typ string, path ...string) (uint32, error) {
	var s *btf.Struct
	if err := spec.TypeByName(typ, &s); err != nil {
		return 0, fmt.Errorf("struct %s: %w", typ, err)
	}
	var t btf.Type = s
	var off uint32
	for _, name := range path {
		m, at, ok := findMember(t, name)
		if !ok {
			return 0, fmt.Errorf("struct %s has no field %s", typ, name)
		}
		off += at + m.Offset.Bytes()
		t = btf.UnderlyingType(m.Type)
	}
	return off, nil
}

// findMember finds member name of a struct or union t, directly or in an anonymous
// member, and the offset of the anonymous member it was found in.
func findMember(t btf.Type, name string) (btf.Member, uint32, bool) {
	var members []btf.Member
	switch c := btf.UnderlyingType(t).(type) {
	case *btf.Struct:
		members = c.Members
	case *btf.Union:
		members = c.Members
	default:
		return btf.Member{}, 0, false
	}
	for _, m := range members {
		if m.Name == name {
			return m, 0, true
		}
	}
	for _, m := range members {
		if m.Name != "" {
			continue
		}
		if inner, at, ok := findMember(m.Type, name); ok {
			return inner, at + m.Offset.Bytes(), true
		}
	}
	return btf.Member{}, 0, false
}

// readKernel loads the value of the given size at r1+off in kernel memory into r1, with
// bpf_probe_read_kernel through the stack at r10-40; a failed read gives 0.
func readKernel(off uint32, size asm.Size) asm.Instructions {
	return asm.Instructions{
		asm.Mov.Reg(asm.R3, asm.R1),
		asm.Add.Imm(asm.R3, int32(off)),
		asm.Mov.Reg(asm.R1, asm.R10),
		asm.Add.Imm(asm.R1, -40),
		asm.Mov.Imm(asm.R2, int32(size.Sizeof())),
		asm.FnProbeReadKernel.Call(),
		asm.LoadMem(asm.R1, asm.R10, -40, size),
	}
}

// mountNSInum loads into r1 the inode number of the mount namespace of the task r1
// points to (0 when it cannot be read).
func (o kernelOffsets) mountNSInum() asm.Instructions {
	var insns asm.Instructions
	insns = append(insns, readKernel(o.nsproxy, asm.DWord)...)
	insns = append(insns, readKernel(o.mntNS, asm.DWord)...)
	return append(insns, readKernel(o.mntNSInum, asm.Word)...)
}

// cgroupNames copies the directory name of the current task's cgroup v2, and that of
// its parent, as NUL-terminated strings of at most nameBytes into the map value r8
// points to, at byte offsets at and parentAt. r6 and r7 are clobbered.
func (o kernelOffsets) cgroupNames(at, parentAt int32) asm.Instructions {
	insns := asm.Instructions{
		asm.FnGetCurrentTask.Call(),
		asm.Mov.Reg(asm.R1, asm.R0),
	}
	insns = append(insns, readKernel(o.cgroups, asm.DWord)...)
	insns = append(insns, readKernel(o.dflCgrp, asm.DWord)...)
	insns = append(insns, readKernel(o.kn, asm.DWord)...)
	insns = append(insns, asm.Mov.Reg(asm.R7, asm.R1))
	copyName := func(dst int32) asm.Instructions {
		is := readKernel(o.knName, asm.DWord)
		return append(is,
			asm.Mov.Reg(asm.R3, asm.R1),
			asm.Mov.Reg(asm.R1, asm.R8),
			asm.Add.Imm(asm.R1, dst),
			asm.Mov.Imm(asm.R2, nameBytes),
			asm.FnProbeReadKernelStr.Call(),
		)
	}
	insns = append(insns, asm.Mov.Reg(asm.R1, asm.R7))
	insns = append(insns, copyName(at)...)
	insns = append(insns, asm.Mov.Reg(asm.R1, asm.R7))
	insns = append(insns, readKernel(o.knParent, asm.DWord)...)
	return append(insns, copyName(parentAt)...)
}
