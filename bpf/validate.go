package bpf

import (
	"errors"
	"fmt"
)

// ErrTooLong is returned for programs the kernel refuses for their length alone.
var ErrTooLong = errors.New("program longer than 4096 instructions")

// ValidationError says why the kernel would refuse a program with EINVAL, and where.
type ValidationError struct {
	PC     int // -1 when the error concerns the whole program
	Reason string
}

func (e *ValidationError) Error() string {
	if e.PC < 0 {
		return "invalid program: " + e.Reason
	}
	return fmt.Sprintf("invalid program at instruction %d: %s", e.PC, e.Reason)
}

func invalid(pc int, format string, args ...any) error {
	return &ValidationError{PC: pc, Reason: fmt.Sprintf(format, args...)}
}

// classicCodes are the opcodes bpf_check_classic (net/core/filter.c) accepts.
var classicCodes = map[uint16]bool{
	ClassALU | AluADD | SrcK: true, ClassALU | AluADD | SrcX: true,
	ClassALU | AluSUB | SrcK: true, ClassALU | AluSUB | SrcX: true,
	ClassALU | AluMUL | SrcK: true, ClassALU | AluMUL | SrcX: true,
	ClassALU | AluDIV | SrcK: true, ClassALU | AluDIV | SrcX: true,
	ClassALU | AluMOD | SrcK: true, ClassALU | AluMOD | SrcX: true,
	ClassALU | AluAND | SrcK: true, ClassALU | AluAND | SrcX: true,
	ClassALU | AluOR | SrcK: true, ClassALU | AluOR | SrcX: true,
	ClassALU | AluXOR | SrcK: true, ClassALU | AluXOR | SrcX: true,
	ClassALU | AluLSH | SrcK: true, ClassALU | AluLSH | SrcX: true,
	ClassALU | AluRSH | SrcK: true, ClassALU | AluRSH | SrcX: true,
	ClassALU | AluNEG:         true,
	ClassLD | SizeW | ModeABS: true, ClassLD | SizeH | ModeABS: true, ClassLD | SizeB | ModeABS: true,
	ClassLD | SizeW | ModeLEN: true,
	ClassLD | SizeW | ModeIND: true, ClassLD | SizeH | ModeIND: true, ClassLD | SizeB | ModeIND: true,
	ClassLD | ModeIMM: true, ClassLD | ModeMEM: true,
	ClassLDX | SizeW | ModeLEN: true, ClassLDX | SizeB | ModeMSH: true,
	ClassLDX | ModeIMM: true, ClassLDX | ModeMEM: true,
	ClassST: true, ClassSTX: true,
	ClassMISC | MiscTAX: true, ClassMISC | MiscTXA: true,
	ClassRET | SrcK: true, ClassRET | RetA: true,
	ClassJMP | JmpJA:         true,
	ClassJMP | JmpJEQ | SrcK: true, ClassJMP | JmpJEQ | SrcX: true,
	ClassJMP | JmpJGE | SrcK: true, ClassJMP | JmpJGE | SrcX: true,
	ClassJMP | JmpJGT | SrcK: true, ClassJMP | JmpJGT | SrcX: true,
	ClassJMP | JmpJSET | SrcK: true, ClassJMP | JmpJSET | SrcX: true,
}

// seccompCodes are the opcodes seccomp_check_filter (kernel/seccomp.c) lets through on top
// of bpf_check_classic: no MOD, no packet loads other than 32-bit absolute ones, no MSH.
var seccompCodes = map[uint16]bool{
	ClassLD | SizeW | ModeABS: true,
	ClassLD | SizeW | ModeLEN: true, ClassLDX | SizeW | ModeLEN: true,
	ClassRET | SrcK: true, ClassRET | RetA: true,
	ClassALU | AluADD | SrcK: true, ClassALU | AluADD | SrcX: true,
	ClassALU | AluSUB | SrcK: true, ClassALU | AluSUB | SrcX: true,
	ClassALU | AluMUL | SrcK: true, ClassALU | AluMUL | SrcX: true,
	ClassALU | AluDIV | SrcK: true, ClassALU | AluDIV | SrcX: true,
	ClassALU | AluAND | SrcK: true, ClassALU | AluAND | SrcX: true,
	ClassALU | AluOR | SrcK: true, ClassALU | AluOR | SrcX: true,
	ClassALU | AluXOR | SrcK: true, ClassALU | AluXOR | SrcX: true,
	ClassALU | AluLSH | SrcK: true, ClassALU | AluLSH | SrcX: true,
	ClassALU | AluRSH | SrcK: true, ClassALU | AluRSH | SrcX: true,
	ClassALU | AluNEG: true,
	ClassLD | ModeIMM: true, ClassLDX | ModeIMM: true,
	ClassMISC | MiscTAX: true, ClassMISC | MiscTXA: true,
	ClassLD | ModeMEM: true, ClassLDX | ModeMEM: true,
	ClassST: true, ClassSTX: true,
	ClassJMP | JmpJA:         true,
	ClassJMP | JmpJEQ | SrcK: true, ClassJMP | JmpJEQ | SrcX: true,
	ClassJMP | JmpJGE | SrcK: true, ClassJMP | JmpJGE | SrcX: true,
	ClassJMP | JmpJGT | SrcK: true, ClassJMP | JmpJGT | SrcX: true,
	ClassJMP | JmpJSET | SrcK: true, ClassJMP | JmpJSET | SrcX: true,
}

// skfAdOff is SKF_AD_OFF: absolute loads at or above it are ancillary packet loads.
const skfAdOff = 0xfffff000

// Validate runs the checks the kernel applies when a seccomp filter is installed
// (seccomp_prepare_filter, bpf_check_classic, check_load_and_stores,
// seccomp_check_filter) and returns the first reason it would refuse the program.
func (p Program) Validate() error {
	if len(p) == 0 {
		return invalid(-1, "empty program")
	}
	if len(p) > MaxInstructions {
		return fmt.Errorf("%w: %d instructions", ErrTooLong, len(p))
	}
	flen := len(p)
	for pc, ins := range p {
		if !classicCodes[ins.Op] {
			return invalid(pc, "opcode %#04x is not classic BPF", ins.Op)
		}
		switch ins.Op {
		case ClassALU | AluDIV | SrcK, ClassALU | AluMOD | SrcK:
			if ins.K == 0 {
				return invalid(pc, "division by the constant zero")
			}
		case ClassALU | AluLSH | SrcK, ClassALU | AluRSH | SrcK:
			if ins.K >= 32 {
				return invalid(pc, "shift by %d", ins.K)
			}
		case ClassLD | ModeMEM, ClassLDX | ModeMEM, ClassST, ClassSTX:
			if ins.K >= MemWords {
				return invalid(pc, "scratch memory cell %d out of range", ins.K)
			}
		case ClassJMP | JmpJA:
			if ins.K >= uint32(flen-pc-1) {
				return invalid(pc, "jump past the end of the program")
			}
		case ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJEQ | SrcX,
			ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJGE | SrcX,
			ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJGT | SrcX,
			ClassJMP | JmpJSET | SrcK, ClassJMP | JmpJSET | SrcX:
			if pc+int(ins.Jt)+1 >= flen || pc+int(ins.Jf)+1 >= flen {
				return invalid(pc, "conditional jump past the end of the program")
			}
		case ClassLD | SizeW | ModeABS, ClassLD | SizeH | ModeABS, ClassLD | SizeB | ModeABS:
			// seccomp has no ancillary loads; seccompCodes rejects H and B below and the
			// W offset check rejects anything past seccomp_data.
			if ins.K >= skfAdOff {
				return invalid(pc, "ancillary load at %#x", ins.K)
			}
		}
	}
	switch p[flen-1].Op {
	case ClassRET | SrcK, ClassRET | RetA:
	default:
		return invalid(flen-1, "the last instruction is not a return")
	}
	if err := checkLoadAndStores(p); err != nil {
		return err
	}
	for pc, ins := range p {
		if !seccompCodes[ins.Op] {
			return invalid(pc, "opcode %#04x is not allowed in seccomp filters", ins.Op)
		}
		if ins.Op == ClassLD|SizeW|ModeABS && (ins.K >= DataSize || ins.K&3 != 0) {
			return invalid(pc, "load at offset %d is outside seccomp_data or not 4-byte aligned", ins.K)
		}
	}
	return nil
}

// checkLoadAndStores refuses loads from scratch memory that may not have been written on
// every path, with the kernel's (forward, path-insensitive) algorithm.
func checkLoadAndStores(p Program) error {
	masks := make([]uint16, len(p))
	for i := range masks {
		masks[i] = 0xffff
	}
	var memvalid uint16
	for pc, ins := range p {
		memvalid &= masks[pc]
		switch ins.Op {
		case ClassST, ClassSTX:
			memvalid |= 1 << ins.K
		case ClassLD | ModeMEM, ClassLDX | ModeMEM:
			if memvalid&(1<<ins.K) == 0 {
				return invalid(pc, "load from scratch memory cell %d that may be unset", ins.K)
			}
		case ClassJMP | JmpJA:
			masks[pc+1+int(ins.K)] &= memvalid
			memvalid = 0xffff
		case ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJEQ | SrcX,
			ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJGE | SrcX,
			ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJGT | SrcX,
			ClassJMP | JmpJSET | SrcK, ClassJMP | JmpJSET | SrcX:
			masks[pc+1+int(ins.Jt)] &= memvalid
			masks[pc+1+int(ins.Jf)] &= memvalid
			memvalid = 0xffff
		}
	}
	return nil
}
