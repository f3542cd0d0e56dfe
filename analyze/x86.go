package analyze

import (
	"golang.org/x/arch/x86/x86asm"
)

// x86-64 registers are numbered 0-15 in encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8-r15.
const (
	xRAX int8 = 0
	xRCX int8 = 1
	xRDX int8 = 2
	xRBX int8 = 3
	xRSP int8 = 4
	xRBP int8 = 5
	xRSI int8 = 6
	xRDI int8 = 7
	xR8  int8 = 8
	xR9  int8 = 9
	xR10 int8 = 10
	xR11 int8 = 11
)

// x86CallClob is what a call may change: the caller-saved registers of both the C and the
// Go calling conventions.
const x86CallClob = 1<<0 | 1<<1 | 1<<2 | 1<<6 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11

var x86ISA = isaInfo{
	numReg:      xRAX,
	argReg:      xRDI,
	callClob:    x86CallClob,
	callSlotMax: 9 * 8,
	sp:          xRSP,
	fp:          xRBP,
	callPush:    8,
	decode:      decodeX86,
}

// x86Reg maps a general register to its number and width in bits; ok is false for others.
func x86Reg(r x86asm.Reg) (int8, int, bool) {
	switch {
	case r >= x86asm.RAX && r <= x86asm.R15:
		return int8(r - x86asm.RAX), 64, true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return int8(r - x86asm.EAX), 32, true
	case r >= x86asm.AX && r <= x86asm.R15W:
		return int8(r - x86asm.AX), 16, true
	case r >= x86asm.AL && r <= x86asm.BL:
		return int8(r - x86asm.AL), 8, true
	case r >= x86asm.AH && r <= x86asm.BH:
		return int8(r - x86asm.AH), 8, true
	case r >= x86asm.SPB && r <= x86asm.DIB:
		return int8(r-x86asm.SPB) + 4, 8, true
	case r >= x86asm.R8B && r <= x86asm.R15B:
		return int8(r-x86asm.R8B) + 8, 8, true
	}
	return -1, 0, false
}

var x86Jcc = map[x86asm.Op]bool{
	x86asm.JA: true, x86asm.JAE: true, x86asm.JB: true, x86asm.JBE: true, x86asm.JE: true,
	x86asm.JG: true, x86asm.JGE: true, x86asm.JL: true, x86asm.JLE: true, x86asm.JNE: true,
	x86asm.JNO: true, x86asm.JNP: true, x86asm.JNS: true, x86asm.JO: true, x86asm.JP: true,
	x86asm.JS: true, x86asm.JCXZ: true, x86asm.JECXZ: true, x86asm.JRCXZ: true,
	x86asm.LOOP: true, x86asm.LOOPE: true, x86asm.LOOPNE: true,
}

// x86NoWrite lists instructions whose first operand is read, not written.
var x86NoWrite = map[x86asm.Op]bool{
	x86asm.CMP: true, x86asm.TEST: true, x86asm.PUSH: true, x86asm.BT: true,
	x86asm.NOP: true, x86asm.PREFETCHNTA: true, x86asm.PREFETCHT0: true,
	x86asm.PREFETCHT1: true, x86asm.PREFETCHT2: true, x86asm.PREFETCHW: true,
	x86asm.UCOMISD: true, x86asm.UCOMISS: true, x86asm.COMISD: true, x86asm.COMISS: true,
	x86asm.PTEST: true,
}

// x86Implicit lists registers written by instructions beyond their first operand.
var x86Implicit = map[x86asm.Op]uint64{
	x86asm.MUL: bit(xRAX) | bit(xRDX), x86asm.IMUL: bit(xRAX) | bit(xRDX),
	x86asm.DIV: bit(xRAX) | bit(xRDX), x86asm.IDIV: bit(xRAX) | bit(xRDX),
	x86asm.CDQ: bit(xRDX), x86asm.CQO: bit(xRDX), x86asm.CWD: bit(xRDX),
	x86asm.CDQE: bit(xRAX), x86asm.CWDE: bit(xRAX), x86asm.CBW: bit(xRAX),
	x86asm.CPUID: bit(xRAX) | bit(xRBX) | bit(xRCX) | bit(xRDX),
	x86asm.RDTSC: bit(xRAX) | bit(xRDX), x86asm.RDTSCP: bit(xRAX) | bit(xRCX) | bit(xRDX),
	x86asm.XGETBV:  bit(xRAX) | bit(xRDX),
	x86asm.SYSCALL: bit(xRAX) | bit(xRCX) | bit(xR11),
	x86asm.CMPXCHG: bit(xRAX), x86asm.CMPXCHG8B: bit(xRAX) | bit(xRDX),
	x86asm.CMPXCHG16B: bit(xRAX) | bit(xRDX),
	x86asm.LODSB:      bit(xRAX) | bit(xRSI) | bit(xRCX), x86asm.LODSW: bit(xRAX) | bit(xRSI) | bit(xRCX),
	x86asm.LODSD: bit(xRAX) | bit(xRSI) | bit(xRCX), x86asm.LODSQ: bit(xRAX) | bit(xRSI) | bit(xRCX),
	x86asm.STOSB: bit(xRDI) | bit(xRCX), x86asm.STOSW: bit(xRDI) | bit(xRCX),
	x86asm.STOSD: bit(xRDI) | bit(xRCX), x86asm.STOSQ: bit(xRDI) | bit(xRCX),
	x86asm.MOVSB: bit(xRDI) | bit(xRSI) | bit(xRCX), x86asm.MOVSW: bit(xRDI) | bit(xRSI) | bit(xRCX),
	x86asm.MOVSD: bit(xRDI) | bit(xRSI) | bit(xRCX), x86asm.MOVSQ: bit(xRDI) | bit(xRSI) | bit(xRCX),
	x86asm.CMPSB: bit(xRDI) | bit(xRSI) | bit(xRCX), x86asm.CMPSW: bit(xRDI) | bit(xRSI) | bit(xRCX),
	x86asm.CMPSD: bit(xRDI) | bit(xRSI) | bit(xRCX), x86asm.CMPSQ: bit(xRDI) | bit(xRSI) | bit(xRCX),
	x86asm.SCASB: bit(xRDI) | bit(xRCX), x86asm.SCASW: bit(xRDI) | bit(xRCX),
	x86asm.SCASD: bit(xRDI) | bit(xRCX), x86asm.SCASQ: bit(xRDI) | bit(xRCX),
	x86asm.LOOP: bit(xRCX), x86asm.LOOPE: bit(xRCX), x86asm.LOOPNE: bit(xRCX),
	x86asm.LEAVE: bit(xRBP), x86asm.ENTER: bit(xRBP),
}

// decodeX86 decodes one instruction at code[0]; undecodable bytes give kBad of size 1.
func decodeX86(code []byte, addr uint64) minst {
	m := minst{addr: addr, dst: -1, src: -1, dst2: -1, pageDef: -1, pageUse: -1}
	in, err := x86asm.Decode(code, 64)
	if err != nil || in.Len == 0 {
		m.size, m.kind = 1, kBad
		return m
	}
	m.size = uint8(in.Len)
	m.pad = in.Op == x86asm.NOP || in.Op == x86asm.INT && in.Args[0] == x86asm.Imm(3) ||
		in.Op == x86asm.XCHG && in.Args[0] == x86asm.AX && in.Args[1] == x86asm.AX
	next := addr + uint64(in.Len)
	ripRef := func(a x86asm.Arg) (uint64, bool) {
		if mem, ok := a.(x86asm.Mem); ok && mem.Base == x86asm.RIP && mem.Index == 0 {
			return next + uint64(mem.Disp), true
		}
		return 0, false
	}
	switch in.Op {
	case x86asm.SYSCALL:
		m.kind = kSyscall
		m.clob = x86Implicit[in.Op]
		return m
	case x86asm.SYSENTER:
		m.kind = kInt80
		return m
	case x86asm.INT:
		if imm, ok := in.Args[0].(x86asm.Imm); ok && imm == 0x80 {
			m.kind = kInt80
			return m
		}
		m.kind = kRet
		return m
	case x86asm.CALL:
		if rel, ok := in.Args[0].(x86asm.Rel); ok {
			m.kind, m.target = kCall, next+uint64(int64(rel))
		} else {
			m.kind = kIndCall
			if r, ok := ripRef(in.Args[0]); ok {
				m.ref, m.memRef = r, true
			}
		}
		m.clob = x86CallClob
		return m
	case x86asm.JMP:
		if rel, ok := in.Args[0].(x86asm.Rel); ok {
			m.kind, m.target = kJmp, next+uint64(int64(rel))
		} else {
			m.kind = kIndJmp
			if r, ok := ripRef(in.Args[0]); ok {
				m.ref, m.memRef = r, true
			}
		}
		return m
	case x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ, x86asm.HLT, x86asm.UD2, x86asm.UD1, x86asm.UD0:
		m.kind = kRet
		return m
	}
	if x86Jcc[in.Op] {
		if rel, ok := in.Args[0].(x86asm.Rel); ok {
			m.kind, m.target = kJcc, next+uint64(int64(rel))
		}
		m.clob = x86Implicit[in.Op]
		return m
	}
	// Addresses the instruction refers to: rip-relative operands and absolute immediates
	// (non-PIE code loads function addresses as immediates).
	for _, a := range in.Args {
		if a == nil {
			break
		}
		if r, ok := ripRef(a); ok {
			m.ref = r
		}
		if imm, ok := a.(x86asm.Imm); ok && imm > 0x1000 && m.ref == 0 {
			m.ref = uint64(imm)
		}
	}
	m.clob = x86Implicit[in.Op]
	dst, dw, dstIsReg := x86Reg(regArg(in.Args[0]))
	if in.Op == x86asm.XCHG || in.Op == x86asm.XADD || in.Op == x86asm.CMPXCHG {
		if r, _, ok := x86Reg(regArg(in.Args[1])); ok {
			m.clob |= bit(r)
		}
	}
	switch in.Op {
	case x86asm.PUSH:
		m.spDel = -8
		m.off = 0
		if r, w, ok := x86Reg(regArg(in.Args[0])); ok && w == 64 {
			m.op, m.src = eStore, r
		} else if imm, ok := in.Args[0].(x86asm.Imm); ok {
			m.op, m.imm = eStoreImm, int64(imm)
		}
		return m
	case x86asm.POP:
		m.spDel = 8
		if dstIsReg {
			if dw == 64 {
				m.op, m.dst, m.off = eLoad, dst, -8
			} else {
				m.clob |= bit(dst)
			}
		}
		if dst == xRSP {
			m.spBad = true
		}
		return m
	case x86asm.LEAVE, x86asm.ENTER:
		m.spBad = true
		return m
	}
	if dstIsReg && dst == xRSP {
		// Changes to the stack pointer move every slot the trace may be following.
		imm, isImm := in.Args[1].(x86asm.Imm)
		switch {
		case in.Op == x86asm.SUB && isImm && dw == 64:
			m.spDel = -int64(imm)
		case in.Op == x86asm.ADD && isImm && dw == 64:
			m.spDel = int64(imm)
		case in.Op == x86asm.LEA:
			if mem, ok := in.Args[1].(x86asm.Mem); ok && mem.Base == x86asm.RSP && mem.Index == 0 {
				m.spDel = mem.Disp
			} else {
				m.spBad = true
			}
		case x86NoWrite[in.Op]:
		default:
			m.spBad = true
		}
		return m
	}
	if mem, ok := in.Args[0].(x86asm.Mem); ok && !x86NoWrite[in.Op] {
		// A store: to a stack slot the trace can follow, or through the frame pointer,
		// which may alias one.
		switch {
		case mem.Base == x86asm.RSP && mem.Index == 0 && in.Op == x86asm.MOV && in.MemBytes == 8:
			m.off = mem.Disp
			if r, w, ok := x86Reg(regArg(in.Args[1])); ok && w == 64 {
				m.op, m.src = eStore, r
			} else if imm, ok := in.Args[1].(x86asm.Imm); ok {
				m.op, m.imm = eStoreImm, int64(imm)
			} else {
				m.op, m.src = eStore, -1
			}
		case mem.Base == x86asm.RSP && mem.Index == 0 && in.MemBytes > 0 && in.MemBytes <= 64:
			m.op, m.src, m.off, m.stSize = eStore, -1, mem.Disp, uint8(in.MemBytes)
		case mem.Base == x86asm.RSP || mem.Base == x86asm.RBP:
			m.fpSt = true
		}
		return m
	}
	if !dstIsReg || x86NoWrite[in.Op] {
		return m
	}
	switch {
	case in.Op == x86asm.MOV && dw >= 32:
		switch a := in.Args[1].(type) {
		case x86asm.Imm:
			m.op, m.dst, m.imm = eImm, dst, int64(a)
			if dw == 32 {
				m.imm = int64(uint32(a))
			}
			return m
		case x86asm.Reg:
			if s, sw, ok := x86Reg(a); ok && sw == dw {
				m.op, m.dst, m.src = eReg, dst, s
				return m
			}
		case x86asm.Mem:
			if a.Base == x86asm.RSP && a.Index == 0 && dw == 64 {
				m.op, m.dst, m.off = eLoad, dst, a.Disp
				return m
			}
		}
	case (in.Op == x86asm.XOR || in.Op == x86asm.SUB) && dw >= 32:
		if s, _, ok := x86Reg(regArg(in.Args[1])); ok && s == dst {
			m.op, m.dst, m.imm = eImm, dst, 0
			return m
		}
	case (in.Op == x86asm.MOVSXD || in.Op == x86asm.MOVZX || in.Op == x86asm.MOVSX) && dw >= 32:
		if s, sw, ok := x86Reg(regArg(in.Args[1])); ok && sw >= 32 {
			m.op, m.dst, m.src = eReg, dst, s
			return m
		}
	}
	m.clob |= bit(dst)
	return m
}

func regArg(a x86asm.Arg) x86asm.Reg {
	if r, ok := a.(x86asm.Reg); ok {
		return r
	}
	return 0
}
