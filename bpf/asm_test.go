package bpf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAssembleErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"jeq #1, nowhere\nret #0", `undefined label "nowhere"`},
		{"a: ret #0\nja a", "backwards"},
		{"a: ret #0\na: ret #1", "defined twice"},
		{"frob #1", "unknown instruction"},
		{"ld foo", "bad operand"},
		{"ret BOGUS", "unknown return value"},
		{"ret ERRNO(70000)", "16 bits"},
		{"jeq 1, +0", "#constant or x"},
		{"tax 1", "no operand"},
	}
	for _, tt := range tests {
		_, err := Assemble(tt.src)
		var se *SyntaxError
		if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Assemble(%q) = %v, want a syntax error containing %q", tt.src, err, tt.want)
		}
	}
	var b strings.Builder
	b.WriteString("ld [0]\njeq #1, far\n")
	for range 256 {
		b.WriteString("ret #0\n")
	}
	b.WriteString("far: ret #1\n")
	if _, err := Assemble(b.String()); err == nil || !strings.Contains(err.Error(), "at most 255") {
		t.Errorf("a 256-instruction conditional jump assembled: %v", err)
	}
}

// TestDisassembleRoundTrip checks that the disassembler's output, comments and all,
// assembles back to the same program, for every opcode.
func TestDisassembleRoundTrip(t *testing.T) {
	var p Program
	for op := range 0x10000 {
		ins := Instruction{Op: uint16(op), Jt: 1, Jf: 2, K: 3}
		if classicCodes[ins.Op] {
			p = append(p, ins)
		}
	}
	p = append(p, Instruction{Op: 0xffff, Jt: 9, Jf: 8, K: 7}) // not BPF: .raw
	for range 300 {
		p = append(p, Ret(RetErrno|1))
	}
	text := Disassemble(p, false, func(pc int, ins Instruction) string { return fmt.Sprint("note ", pc) })
	q, err := Assemble(text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if len(q) != len(p) {
		t.Fatalf("%d instructions back, want %d", len(q), len(p))
	}
	for i := range p {
		if p[i] != q[i] {
			t.Errorf("instruction %d: %+v came back as %+v (%s)", i, p[i], q[i], FormatInstruction(p[i], i))
		}
	}
	if !strings.Contains(Disassemble(Program{LoadAbs(20)}, false, nil), "args[0].hi") ||
		!strings.Contains(Disassemble(Program{LoadAbs(20)}, true, nil), "args[0].lo") {
		t.Error("argument loads are not named by the target's word order")
	}
}

func TestBuilder(t *testing.T) {
	b := NewBuilder()
	b.LoadAbs(OffsetNr)
	b.JumpIf(JmpJEQ, 1, "one", "")
	b.JumpIf(JmpJGT, 100, "big", "other")
	b.Label("one")
	b.Ret(1)
	b.Label("big")
	b.Ret(2)
	b.Label("other")
	b.Ret(3)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	vm, err := NewVM(p, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	for nr, want := range map[int32]uint32{1: 1, 200: 2, 50: 3} {
		if got, _ := vm.Run(&Data{Nr: nr}); got != want {
			t.Errorf("nr %d: got %d, want %d", nr, got, want)
		}
	}
	bad := []func(*Builder){
		func(b *Builder) { b.Goto("x"); b.Ret(0) },
		func(b *Builder) { b.Label("x"); b.Ret(0); b.Goto("x"); b.Ret(0) },
		func(b *Builder) { b.Label("x"); b.Label("x"); b.Ret(0) },
		func(b *Builder) { b.Goto("x"); b.Label("x") },
	}
	for i, f := range bad {
		b := NewBuilder()
		f(b)
		if _, err := b.Program(); err == nil {
			t.Errorf("bad program %d built", i)
		}
	}
}

// TestBuilderLongJumps builds programs whose conditional jumps span up to thousands of
// instructions and checks that every path still reaches its label.
func TestBuilderLongJumps(t *testing.T) {
	for _, gap := range []int{254, 255, 256, 257, 600, 3000} {
		b := NewBuilder()
		b.LoadAbs(OffsetNr)
		// Three far targets from one jump chain, one of them through a ja so that
		// trampolines to jumps and to returns are both exercised.
		b.JumpIf(JmpJEQ, 1, "far1", "")
		b.JumpIf(JmpJEQ, 2, "far2", "near")
		b.Label("near")
		b.JumpIf(JmpJEQ, 3, "", "far3")
		for range gap {
			b.Ret(100)
		}
		b.Label("far1")
		b.Ret(1)
		b.Label("far2")
		b.Goto("far2b")
		b.Ret(0)
		b.Label("far2b")
		b.Ret(2)
		b.Label("far3")
		b.Ret(3)
		p, err := b.Program()
		if err != nil {
			t.Fatalf("gap %d: %v", gap, err)
		}
		vm, err := NewVM(p, binary.LittleEndian)
		if err != nil {
			t.Fatalf("gap %d: %v", gap, err)
		}
		for nr, want := range map[int32]uint32{1: 1, 2: 2, 3: 100, 4: 3} {
			if got, _ := vm.Run(&Data{Nr: nr}); got != want {
				t.Errorf("gap %d, nr %d: got %d, want %d", gap, nr, got, want)
			}
		}
		if gap <= 250 && len(p) != gap+8 {
			t.Errorf("gap %d: %d instructions, trampolines where none were needed", gap, len(p))
		}
	}
	b := NewBuilder()
	for range MaxInstructions + 1 {
		b.Ret(0)
	}
	if _, err := b.Program(); !errors.Is(err, ErrTooLong) {
		t.Errorf("4097 instructions: %v, want ErrTooLong", err)
	}
}

func FuzzAssemble(f *testing.F) {
	f.Add("ld [4]\njeq #0xc000003e, a, b\na: ret ALLOW\nb: ret KILL_PROCESS")
	f.Add("ld #1\nst M[0]\nldx M[0]\ntxa\nadd x\nret a")
	f.Add("jset #4, +1\nret ERRNO(1)\nret TRACE(2)")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Assemble(src)
		if err != nil {
			return
		}
		q, err := Assemble(Disassemble(p, false, nil))
		if err != nil {
			t.Fatalf("disassembly does not assemble: %v", err)
		}
		if len(p) != len(q) {
			t.Fatalf("round trip changed the length")
		}
		for i := range p {
			if p[i] != q[i] {
				t.Fatalf("round trip changed instruction %d: %+v → %+v", i, p[i], q[i])
			}
		}
	})
}

// FuzzRun feeds arbitrary programs to the checker and the interpreter: whatever the
// checker accepts must run to a return without going out of bounds.
func FuzzRun(f *testing.F) {
	f.Add(mustAssembleF("ld [0]\njeq #1, +0, +1\nret ALLOW\nret a").Encode(binary.LittleEndian), int32(1), uint64(2))
	f.Add(mustAssembleF("ldx #0\nld #5\ndiv x\nret a").Encode(binary.LittleEndian), int32(0), uint64(0))
	f.Fuzz(func(t *testing.T, code []byte, nr int32, arg uint64) {
		p, err := Decode(code[:len(code)/8*8], binary.LittleEndian)
		if err != nil || p.Validate() != nil {
			return
		}
		d := Data{Nr: nr, Arch: uint32(arg), Args: [6]uint64{arg, ^arg}}
		_, executed, err := p.Run(&d, binary.LittleEndian)
		if err != nil || executed < 1 || executed > len(p) {
			t.Fatalf("ran %d of %d instructions: %v", executed, len(p), err)
		}
		p.ConstAllow(nr, uint32(arg))
	})
}

func mustAssembleF(src string) Program {
	p, err := Assemble(src)
	if err != nil {
		panic(err)
	}
	return p
}
