package bpf

import (
	"encoding/binary"
	"fmt"
)

// Instruction is one classic BPF instruction, laid out as the kernel's struct sock_filter.
type Instruction struct {
	Op uint16
	Jt uint8
	Jf uint8
	K  uint32
}

// Program is a sequence of instructions, the payload of struct sock_fprog.
type Program []Instruction

// Instruction classes (the low three bits of Op).
const (
	ClassLD   = 0x00
	ClassLDX  = 0x01
	ClassST   = 0x02
	ClassSTX  = 0x03
	ClassALU  = 0x04
	ClassJMP  = 0x05
	ClassRET  = 0x06
	ClassMISC = 0x07
)

// Load sizes and modes.
const (
	SizeW = 0x00
	SizeH = 0x08
	SizeB = 0x10

	ModeIMM = 0x00
	ModeABS = 0x20
	ModeIND = 0x40
	ModeMEM = 0x60
	ModeLEN = 0x80
	ModeMSH = 0xa0
)

// ALU and jump operations (bits 4-7 of Op).
const (
	AluADD = 0x00
	AluSUB = 0x10
	AluMUL = 0x20
	AluDIV = 0x30
	AluOR  = 0x40
	AluAND = 0x50
	AluLSH = 0x60
	AluRSH = 0x70
	AluNEG = 0x80
	AluMOD = 0x90
	AluXOR = 0xa0

	JmpJA   = 0x00
	JmpJEQ  = 0x10
	JmpJGT  = 0x20
	JmpJGE  = 0x30
	JmpJSET = 0x40
)

// Operand sources: the constant K or the X register; RET can also return A.
const (
	SrcK = 0x00
	SrcX = 0x08
	RetA = 0x10

	MiscTAX = 0x00
	MiscTXA = 0x80
)

// MaxInstructions is BPF_MAXINSNS: the longest program the kernel accepts.
const MaxInstructions = 4096

// MemWords is BPF_MEMWORDS: the number of scratch memory cells.
const MemWords = 16

// Constructors for the instructions a seccomp compiler emits.

// LoadAbs loads the 32-bit word at offset k of seccomp_data into A.
func LoadAbs(k uint32) Instruction { return Instruction{Op: ClassLD | SizeW | ModeABS, K: k} }

// Jump is a conditional jump comparing A with k; jt and jf are relative offsets.
func Jump(op uint16, k uint32, jt, jf uint8) Instruction {
	return Instruction{Op: ClassJMP | op | SrcK, Jt: jt, Jf: jf, K: k}
}

// JumpAlways skips k instructions.
func JumpAlways(k uint32) Instruction { return Instruction{Op: ClassJMP | JmpJA, K: k} }

// Ret returns the constant k.
func Ret(k uint32) Instruction { return Instruction{Op: ClassRET | SrcK, K: k} }

// Class returns the instruction class.
func (i Instruction) Class() uint16 { return i.Op & 0x07 }

// IsConditionalJump reports whether i is a jeq/jgt/jge/jset.
func (i Instruction) IsConditionalJump() bool {
	if i.Class() != ClassJMP {
		return false
	}
	switch i.Op & 0xf0 {
	case JmpJEQ, JmpJGT, JmpJGE, JmpJSET:
		return true
	}
	return false
}

// InstructionSize is the size of one encoded instruction.
const InstructionSize = 8

// Encode returns p as the kernel reads it: 8 bytes per instruction in the byte order of
// the machine that loads it.
func (p Program) Encode(order binary.ByteOrder) []byte {
	out := make([]byte, len(p)*InstructionSize)
	for i, ins := range p {
		b := out[i*InstructionSize:]
		order.PutUint16(b, ins.Op)
		b[2], b[3] = ins.Jt, ins.Jf
		order.PutUint32(b[4:], ins.K)
	}
	return out
}

// Decode parses an encoded program, as libseccomp's seccomp_export_bpf writes it.
func Decode(b []byte, order binary.ByteOrder) (Program, error) {
	if len(b)%InstructionSize != 0 {
		return nil, fmt.Errorf("program is %d bytes, not a multiple of %d", len(b), InstructionSize)
	}
	p := make(Program, 0, len(b)/InstructionSize)
	for i := 0; i < len(b); i += InstructionSize {
		p = append(p, Instruction{
			Op: order.Uint16(b[i:]),
			Jt: b[i+2],
			Jf: b[i+3],
			K:  order.Uint32(b[i+4:]),
		})
	}
	return p, nil
}
