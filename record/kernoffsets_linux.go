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
	realParent, nsproxy uint32 // task_struct
	mntNS               uint32 // nsproxy
	mntNSInum           uint32 // mnt_namespace: ns.inum
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
		get(&o.mntNS, "nsproxy", "mnt_ns")
		get(&o.mntNSInum, "mnt_namespace", "ns", "inum")
		if err := errors.Join(errs...); err != nil {
			offsetsErr = fmt.Errorf("reading the kernel's BTF: %w", err)
			return
		}
		offsets = o
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
