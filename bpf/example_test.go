package bpf_test

import (
	"encoding/binary"
	"fmt"

	"github.com/seccompctl/seccompctl/bpf"
)

func ExampleBuilder() {
	b := bpf.NewBuilder()
	b.LoadAbs(bpf.OffsetArch)
	b.JumpIf(bpf.JmpJEQ, 0xc000003e, "", "bad") // AUDIT_ARCH_X86_64
	b.LoadAbs(bpf.OffsetNr)
	b.JumpIf(bpf.JmpJEQ, 39, "allow", "") // getpid
	b.Ret(bpf.RetErrno | 1)
	b.Label("allow")
	b.Ret(bpf.RetAllow)
	b.Label("bad")
	b.Ret(bpf.RetKillProcess)
	prog, err := b.Program()
	if err != nil {
		panic(err)
	}
	fmt.Print(bpf.Disassemble(prog, false, nil))
	ret, executed, err := prog.Run(&bpf.Data{Nr: 39, Arch: 0xc000003e}, binary.LittleEndian)
	fmt.Println(bpf.RetString(ret), executed, err)
	// Output:
	// 0000: ld [4]                               ; arch
	// 0001: jeq #0xc000003e, 0002, 0006
	// 0002: ld [0]                               ; nr
	// 0003: jeq #0x27, 0005, 0004
	// 0004: ret ERRNO(1)
	// 0005: ret ALLOW
	// 0006: ret KILL_PROCESS
	// ALLOW 5 <nil>
}

func ExampleAssemble() {
	prog, err := bpf.Assemble(`
		ld [0]                ; nr
		jge #0x40000000, x32  ; x32 numbers are refused
		ret ALLOW
		x32: ret KILL_PROCESS`)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(prog), prog.Validate())
	// Output: 4 <nil>
}
