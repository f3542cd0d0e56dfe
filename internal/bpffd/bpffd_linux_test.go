package bpffd

import (
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

func TestProgID(t *testing.T) {
	// As a 6.x kernel prints a bpf_link's fdinfo.
	info := "pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t2072\nlink_type:\traw_tracepoint\nlink_id:\t7\nprog_tag:\t4a3e7a4e4a1a5f0b\nprog_id:\t42\ntp_name:\tsys_enter\n"
	id, err := progID(info)
	if err != nil || id != 42 {
		t.Errorf("progID = %d, %v; want 42", id, err)
	}
	for _, bad := range []string{"pos:\t0\n", "prog_id:\tx\n"} {
		if _, err := progID(bad); err == nil {
			t.Errorf("progID(%q) succeeded", bad)
		}
	}
}

// A program this process loads is listed once, under its name, and no longer once its
// descriptor is closed.
func TestProgramIDsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("loading a BPF program needs root")
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "bpffd_test",
		Type:         ebpf.SocketFilter,
		Instructions: asm.Instructions{asm.LoadImm(asm.R0, 0, asm.DWord), asm.Return()},
		License:      "GPL",
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := prog.Info()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := info.ID()
	ids, err := ProgramIDs(Program, "bpffd_")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[want] != 1 {
		t.Errorf("ProgramIDs = %v, want {%d: 1}", ids, want)
	}
	if ids, _ := ProgramIDs(Link, "bpffd_"); len(ids) != 0 {
		t.Errorf("links %v, want none", ids)
	}
	prog.Close()
	if ids, _ := ProgramIDs(Program, "bpffd_"); len(ids) != 0 {
		t.Errorf("after Close: %v, want none", ids)
	}
}
