package bpf

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func mustAssemble(t *testing.T, src string) Program {
	t.Helper()
	p, err := Assemble(src)
	if err != nil {
		t.Fatalf("assemble: %v\n%s", err, src)
	}
	return p
}

// TestRun checks every opcode seccomp accepts against hand-computed results.
func TestRun(t *testing.T) {
	data := Data{Nr: 59, Arch: 0xc000003e, InstructionPointer: 0x1122334455667788,
		Args: [6]uint64{0xffffffff_00000001, 2, 3, 0x80000000_00000000, 5, 0xdeadbeef_cafef00d}}
	tests := []struct {
		name     string
		src      string
		order    binary.ByteOrder
		want     uint32
		executed int
	}{
		{"ret k", "ret #7", nil, 7, 1},
		{"ret a", "ld #9\nret a", nil, 9, 2},
		{"ld nr", "ld [0]\nret a", nil, 59, 2},
		{"ld arch", "ld [4]\nret a", nil, 0xc000003e, 2},
		{"ld ip lo le", "ld [8]\nret a", nil, 0x55667788, 2},
		{"ld ip hi le", "ld [12]\nret a", nil, 0x11223344, 2},
		{"ld arg0 lo le", "ld [16]\nret a", nil, 1, 2},
		{"ld arg0 hi le", "ld [20]\nret a", nil, 0xffffffff, 2},
		{"ld arg0 lo be", "ld [20]\nret a", binary.BigEndian, 1, 2},
		{"ld arg0 hi be", "ld [16]\nret a", binary.BigEndian, 0xffffffff, 2},
		{"ld arg5 hi", "ld [60]\nret a", nil, 0xdeadbeef, 2},
		{"ld nr be", "ld [0]\nret a", binary.BigEndian, 59, 2},
		{"ld len", "ld len\nret a", nil, 64, 2},
		{"ldx len", "ldx len\ntxa\nret a", nil, 64, 3},
		{"ldx imm", "ldx #5\ntxa\nret a", nil, 5, 3},
		{"mem", "ld #3\nst M[15]\nld #0\nldx M[15]\ntxa\nret a", nil, 3, 6},
		{"stx", "ldx #4\nstx M[0]\nld M[0]\nret a", nil, 4, 4},
		{"tax", "ld #6\ntax\nld #0\ntxa\nret a", nil, 6, 5},
		{"add", "ld #0xffffffff\nadd #2\nret a", nil, 1, 3},
		{"add x", "ld #1\nldx #2\nadd x\nret a", nil, 3, 4},
		{"sub wraps", "ld #1\nsub #2\nret a", nil, 0xffffffff, 3},
		{"sub x", "ld #5\nldx #2\nsub x\nret a", nil, 3, 4},
		{"mul wraps", "ld #0x80000001\nmul #2\nret a", nil, 2, 3},
		{"mul x", "ld #3\nldx #5\nmul x\nret a", nil, 15, 4},
		{"div", "ld #7\ndiv #2\nret a", nil, 3, 3},
		{"div x", "ld #9\nldx #3\ndiv x\nret a", nil, 3, 4},
		{"div by zero x returns 0", "ld #9\nldx #0\ndiv x\nret #1", nil, 0, 3},
		{"and", "ld #0xf0f0\nand #0xff00\nret a", nil, 0xf000, 3},
		{"and x", "ld #6\nldx #3\nand x\nret a", nil, 2, 4},
		{"or", "ld #1\nor #2\nret a", nil, 3, 3},
		{"or x", "ld #1\nldx #4\nor x\nret a", nil, 5, 4},
		{"xor", "ld #3\nxor #1\nret a", nil, 2, 3},
		{"xor x", "ld #3\nldx #3\nxor x\nret a", nil, 0, 4},
		{"lsh", "ld #1\nlsh #31\nret a", nil, 0x80000000, 3},
		{"lsh x masks to 5 bits", "ld #1\nldx #33\nlsh x\nret a", nil, 2, 4},
		{"rsh", "ld #0x80000000\nrsh #31\nret a", nil, 1, 3},
		{"rsh x masks to 5 bits", "ld #4\nldx #34\nrsh x\nret a", nil, 1, 4},
		{"neg", "ld #1\nneg\nret a", nil, 0xffffffff, 3},
		{"a and x start at zero", "txa\nadd #0\nret a", nil, 0, 3},
		{"ja", "ja l\nret #1\nl: ret #2", nil, 2, 2},
		{"jeq true", "ld [0]\njeq #59, y, n\ny: ret #1\nn: ret #2", nil, 1, 3},
		{"jeq false", "ld [0]\njeq #58, y, n\ny: ret #1\nn: ret #2", nil, 2, 3},
		{"jgt is unsigned", "ld #0xffffffff\njgt #1, y, n\ny: ret #1\nn: ret #2", nil, 1, 3},
		{"jgt equal false", "ld #5\njgt #5, y, n\ny: ret #1\nn: ret #2", nil, 2, 3},
		{"jge equal true", "ld #5\njge #5, y, n\ny: ret #1\nn: ret #2", nil, 1, 3},
		{"jge below", "ld #4\njge #5, y, n\ny: ret #1\nn: ret #2", nil, 2, 3},
		{"jset true", "ld #6\njset #2, y, n\ny: ret #1\nn: ret #2", nil, 1, 3},
		{"jset false", "ld #6\njset #1, y, n\ny: ret #1\nn: ret #2", nil, 2, 3},
		{"jeq x", "ld #3\nldx #3\njeq x, y, n\ny: ret #1\nn: ret #2", nil, 1, 4},
		{"jgt x", "ld #3\nldx #4\njgt x, y, n\ny: ret #1\nn: ret #2", nil, 2, 4},
		{"jge x", "ld #4\nldx #4\njge x, y, n\ny: ret #1\nn: ret #2", nil, 1, 4},
		{"jset x", "ld #4\nldx #4\njset x, y, n\ny: ret #1\nn: ret #2", nil, 1, 4},
		{"jne", "ld #4\njne #4, y, n\ny: ret #1\nn: ret #2", nil, 2, 3},
		{"jlt", "ld #3\njlt #4, y, n\ny: ret #1\nn: ret #2", nil, 1, 3},
		{"jle", "ld #4\njle #4, y, n\ny: ret #1\nn: ret #2", nil, 1, 3},
		{"fall through jf", "ld #1\njeq #1, y\nret #2\ny: ret #1", nil, 1, 3},
		{"symbolic ret", "ret ERRNO(38)", nil, 0x00050026, 1},
		{"symbolic trace", "ret TRACE(5)", nil, 0x7ff00005, 1},
		{"kill process", "ret KILL_PROCESS", nil, 0x80000000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order := tt.order
			if order == nil {
				order = binary.LittleEndian
			}
			p := mustAssemble(t, tt.src)
			got, executed, err := p.Run(&data, order)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || executed != tt.executed {
				t.Errorf("got %#x after %d instructions, want %#x after %d", got, executed, tt.want, tt.executed)
			}
		})
	}
}

// TestValidate covers every reason the kernel refuses a seccomp program.
func TestValidate(t *testing.T) {
	long := make(Program, MaxInstructions+1)
	for i := range long {
		long[i] = Ret(0)
	}
	max := long[:MaxInstructions]
	tests := []struct {
		name string
		p    Program
		want string // "" = valid
	}{
		{"empty", Program{}, "empty program"},
		{"4096 instructions", max, ""},
		{"4097 instructions", long, "longer than 4096"},
		{"last not ret", Program{LoadAbs(0)}, "last instruction"},
		{"unknown opcode", Program{{Op: 0xff}, Ret(0)}, "not classic BPF"},
		{"ret x", Program{{Op: ClassRET | SrcX}}, "not classic BPF"},
		{"mod refused by seccomp", Program{{Op: ClassALU | AluMOD | SrcK, K: 3}, Ret(0)}, "not allowed in seccomp"},
		{"ldh refused by seccomp", Program{{Op: ClassLD | SizeH | ModeABS, K: 0}, Ret(0)}, "not allowed in seccomp"},
		{"ldb refused by seccomp", Program{{Op: ClassLD | SizeB | ModeABS, K: 0}, Ret(0)}, "not allowed in seccomp"},
		{"ld ind refused by seccomp", Program{{Op: ClassLD | SizeW | ModeIND, K: 0}, Ret(0)}, "not allowed in seccomp"},
		{"msh refused by seccomp", Program{{Op: ClassLDX | SizeB | ModeMSH, K: 0}, Ret(0)}, "not allowed in seccomp"},
		{"load past seccomp_data", Program{LoadAbs(64), Ret(0)}, "outside seccomp_data"},
		{"unaligned load", Program{LoadAbs(2), Ret(0)}, "outside seccomp_data or not 4-byte aligned"},
		{"last aligned word", Program{LoadAbs(60), Ret(0)}, ""},
		{"ancillary load", Program{LoadAbs(0xfffff000), Ret(0)}, "ancillary"},
		{"div by constant zero", Program{{Op: ClassALU | AluDIV | SrcK}, Ret(0)}, "division"},
		{"shift by 32", Program{{Op: ClassALU | AluLSH | SrcK, K: 32}, Ret(0)}, "shift"},
		{"rsh by 31", Program{{Op: ClassALU | AluRSH | SrcK, K: 31}, Ret(0)}, ""},
		{"memory cell 16", Program{{Op: ClassST, K: 16}, Ret(0)}, "out of range"},
		{"ja past end", Program{JumpAlways(1), Ret(0)}, "past the end"},
		{"ja to last", Program{JumpAlways(0), Ret(0)}, ""},
		{"jeq past end", Program{Jump(JmpJEQ, 0, 1, 0), Ret(0)}, "past the end"},
		{"jeq jf past end", Program{Jump(JmpJEQ, 0, 0, 1), Ret(0)}, "past the end"},
		{"uninitialised memory", Program{{Op: ClassLD | ModeMEM, K: 3}, Ret(0)}, "may be unset"},
		{"memory set on one path only", mustAssemble(t, "ld [0]\njeq #1, a, b\na: st M[1]\nb: ld M[1]\nret a"), "may be unset"},
		{"memory set on both paths", mustAssemble(t, "ld [0]\nst M[1]\njeq #1, a, b\na: ld #1\nb: ld M[1]\nret a"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("accepted, want an error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
			if tt.want == "longer than 4096" && !errors.Is(err, ErrTooLong) {
				t.Fatalf("error %v does not wrap ErrTooLong", err)
			}
		})
	}
}

func TestActionOf(t *testing.T) {
	tests := []struct {
		ret  uint32
		want Action
	}{
		{RetAllow, Action(RetAllow)},
		{RetErrno | 38, Action(RetErrno)},
		{RetTrace | 0xffff, Action(RetTrace)},
		{RetKillThread, Action(RetKillThread)},
		{0x00010000, Action(RetKillProcess)}, // unknown action: the kernel kills the process
		{0x7ffe0000, Action(RetKillProcess)},
	}
	for _, tt := range tests {
		if got := ActionOf(tt.ret); got != tt.want {
			t.Errorf("ActionOf(%#x) = %v, want %v", tt.ret, got, tt.want)
		}
	}
	if !Precedence(RetKillProcess, RetKillThread) || !Precedence(RetErrno, RetAllow) || Precedence(RetAllow, RetLog) {
		t.Error("Precedence does not follow the kernel's signed comparison of actions")
	}
}

func TestConstAllow(t *testing.T) {
	p := mustAssemble(t, `
		ld [4]
		jeq #0xc000003e, ok, bad
		ok: ld [0]
		jset #0x40000000, bad
		and #0xff
		jeq #1, args
		jge #10, deny, allow
		args: ld [16]
		jeq #0, allow, deny
		allow: ret ALLOW
		deny: ret ERRNO(1)
		bad: ret KILL_THREAD`)
	tests := []struct {
		nr   int32
		arch uint32
		want bool
	}{
		{0, 0xc000003e, true},
		{9, 0xc000003e, true},
		{10, 0xc000003e, false},   // errno
		{1, 0xc000003e, false},    // loads an argument
		{0x100, 0xc000003e, true}, // "and" keeps only the low byte
		{0x40000000, 0xc000003e, false},
		{0, 0x40000003, false},
	}
	for _, tt := range tests {
		if got := p.ConstAllow(tt.nr, tt.arch); got != tt.want {
			t.Errorf("ConstAllow(%#x, %#x) = %v, want %v", tt.nr, tt.arch, got, tt.want)
		}
	}
	if mustAssemble(t, "ld [0]\ntax\nret ALLOW").ConstAllow(0, 0) {
		t.Error("tax on the path must make a syscall uncacheable")
	}
}

func TestEncodeDecode(t *testing.T) {
	p := mustAssemble(t, "ld [4]\njeq #0xc000003e, +0, +1\nret ALLOW\nret KILL_PROCESS")
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		b := p.Encode(order)
		if len(b) != 8*len(p) {
			t.Fatalf("encoded %d bytes", len(b))
		}
		q, err := Decode(b, order)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != len(p) {
			t.Fatalf("decoded %d instructions", len(q))
		}
		for i := range p {
			if p[i] != q[i] {
				t.Errorf("%v: instruction %d: %+v != %+v", order, i, q[i], p[i])
			}
		}
	}
	if le := p.Encode(binary.LittleEndian); le[0] != 0x20 || le[4] != 4 {
		t.Errorf("little-endian encoding of ld [4] = % x", le[:8])
	}
	if _, err := Decode(make([]byte, 7), binary.LittleEndian); err == nil {
		t.Error("Decode accepted a truncated instruction")
	}
}
