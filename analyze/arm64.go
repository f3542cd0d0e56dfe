package analyze

import (
	"encoding/binary"
	"strconv"
	"strings"

	"golang.org/x/arch/arm64/arm64asm"
)

// aarch64 registers: x0-x30 are 0-30, sp is 31.
const (
	aX0 int8 = 0
	aX8 int8 = 8
	aFP int8 = 29
	aLR int8 = 30
	aSP int8 = 31
)

// a64CallClob is x0-x18 and the link register.
const a64CallClob = (1<<19 - 1) | 1<<30

var arm64ISA = isaInfo{
	numReg:      aX8,
	argReg:      aX0,
	callClob:    a64CallClob,
	callSlotMax: 16 * 8,
	sp:          aSP,
	fp:          aFP,
	decode:      decodeARM64,
}

// a64Reg maps a general register (X or W) to its number; ok is false for others.
func a64Reg(a arm64asm.Arg) (int8, bool, bool) {
	var r arm64asm.Reg
	switch v := a.(type) {
	case arm64asm.Reg:
		r = v
	case arm64asm.RegSP:
		r = arm64asm.Reg(v)
		if r == arm64asm.SP {
			return aSP, true, true
		}
		if r == arm64asm.WSP {
			return aSP, false, true
		}
	default:
		return -1, false, false
	}
	switch {
	case r >= arm64asm.X0 && r <= arm64asm.X30:
		return int8(r - arm64asm.X0), true, true
	case r >= arm64asm.W0 && r <= arm64asm.W30:
		return int8(r - arm64asm.W0), false, true
	}
	return -1, false, false // xzr, wzr, vector registers
}

// immOf reads an immediate operand; ImmShift keeps its fields private, so its text is parsed.
func immOf(a arm64asm.Arg) (int64, bool) {
	switch v := a.(type) {
	case arm64asm.Imm:
		return int64(v.Imm), true
	case arm64asm.Imm64:
		return int64(v.Imm), true
	case arm64asm.ImmShift:
		s := v.String()
		if strings.Contains(s, ",") {
			parts := strings.SplitN(s, ",", 2)
			base, ok := parseHash(parts[0])
			sh := strings.TrimSpace(parts[1])
			if !ok || !strings.HasPrefix(sh, "LSL #") {
				return 0, false
			}
			n, err := strconv.Atoi(strings.TrimPrefix(sh, "LSL #"))
			if err != nil || n > 48 {
				return 0, false
			}
			return base << uint(n), true
		}
		return parseHash(s)
	}
	return 0, false
}

func parseHash(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	n, err := strconv.ParseInt(s, 0, 64)
	return n, err == nil
}

// memOf reads a base+immediate memory operand: base register, offset, and the stack
// pointer change of a pre- or post-indexed access.
func memOf(a arm64asm.Arg) (base int8, off int64, wb int64, ok bool) {
	m, isMem := a.(arm64asm.MemImmediate)
	if !isMem {
		return 0, 0, 0, false
	}
	b, _, okb := a64Reg(m.Base)
	if !okb {
		return 0, 0, 0, false
	}
	s := m.String() // [R], [R,#imm], [R,#imm]!, [R],#imm
	imm := int64(0)
	if i := strings.LastIndex(s, "#"); i >= 0 {
		t := strings.TrimRight(s[i+1:], "]!")
		n, err := strconv.ParseInt(t, 0, 64)
		if err != nil {
			return 0, 0, 0, false
		}
		imm = n
	}
	switch m.Mode {
	case arm64asm.AddrOffset:
		return b, imm, 0, true
	case arm64asm.AddrPreIndex:
		return b, imm, imm, true
	case arm64asm.AddrPostIndex:
		return b, 0, imm, true
	}
	return 0, 0, 0, false
}

var a64NoWrite = map[string]bool{
	"CMP": true, "CMN": true, "TST": true, "CCMP": true, "CCMN": true, "NOP": true,
	"HINT": true, "PRFM": true, "PRFUM": true, "DMB": true, "DSB": true, "ISB": true, "MSR": true,
	"SYS": true, "HVC": true, "SMC": true, "BRK": true, "HLT": true, "YIELD": true, "WFE": true,
	"WFI": true, "SEV": true, "SEVL": true, "CLREX": true, "FCMP": true, "FCMPE": true,
	"BTI": true, "PACIASP": true, "AUTIASP": true, "PACIBSP": true, "AUTIBSP": true,
	"XPACLRI": true, "PACIAZ": true, "AUTIAZ": true,
}

// decodeARM64 decodes the instruction at code[0:4].
func decodeARM64(code []byte, addr uint64) minst {
	m := minst{addr: addr, size: 4, dst: -1, src: -1, dst2: -1, pageDef: -1, pageUse: -1}
	if len(code) < 4 {
		m.size, m.kind = uint8(len(code)), kBad
		if m.size == 0 {
			m.size = 1
		}
		return m
	}
	in, err := arm64asm.Decode(code[:4])
	if err != nil {
		if binary.LittleEndian.Uint32(code) == 0 {
			m.kind = kRet // udf #0: padding
		} else {
			m.kind = kBad
		}
		return m
	}
	op := in.Op.String()
	m.pad = op == "NOP"
	pcrel := func() (uint64, bool) {
		for _, a := range in.Args {
			if a == nil {
				break
			}
			if p, ok := a.(arm64asm.PCRel); ok {
				return addr + uint64(int64(p)), true
			}
		}
		return 0, false
	}
	switch op {
	case "SVC":
		m.kind = kSyscall
		m.clob = bit(aX0)
		return m
	case "BL":
		m.kind = kCall
		m.target, _ = pcrel()
		m.clob = a64CallClob
		return m
	case "BLR", "BLRAA", "BLRAAZ", "BLRAB", "BLRABZ":
		m.kind = kIndCall
		m.clob = a64CallClob
		return m
	case "B":
		t, _ := pcrel()
		m.target = t
		if _, isCond := in.Args[0].(arm64asm.Cond); isCond {
			m.kind = kJcc
		} else {
			m.kind = kJmp
		}
		return m
	case "CBZ", "CBNZ", "TBZ", "TBNZ":
		m.kind = kJcc
		m.target, _ = pcrel()
		return m
	case "BR", "BRAA", "BRAAZ", "BRAB", "BRABZ":
		m.kind = kIndJmp
		return m
	case "RET", "RETAA", "RETAB", "ERET", "UDF":
		m.kind = kRet
		return m
	case "ADR":
		if t, ok := pcrel(); ok {
			m.ref = t
		}
	case "ADRP":
		if t, ok := pcrel(); ok {
			m.ref = t &^ 0xfff
			m.pageDef, _, _ = a64Reg(in.Args[0])
		}
	case "ADD":
		if s, s64, ok := a64Reg(in.Args[1]); ok && s64 && s != aSP {
			if imm, ok := immOf(in.Args[2]); ok {
				m.pageUse, m.pageOff = s, imm
			}
		}
	case "LDR", "LDRSW":
		if t, ok := pcrel(); ok { // literal load
			m.ref, m.memRef = t, true
		} else if base, off, wb, ok := memOf(in.Args[1]); ok && wb == 0 && base != aSP {
			m.pageUse, m.pageOff, m.pageLoad = base, off, true
		}
	}
	if strings.HasPrefix(op, "ST") && !strings.HasPrefix(op, "STX") && !strings.HasPrefix(op, "STLX") {
		return a64Store(m, op, in)
	}
	if a64NoWrite[op] {
		return m
	}
	dst, dst64, ok := a64Reg(in.Args[0])
	if !ok {
		return m
	}
	if strings.HasPrefix(op, "LD") {
		return a64Load(m, op, in, dst, dst64)
	}
	if dst == aSP {
		imm, isImm := immOf(in.Args[2])
		src, _, _ := a64Reg(in.Args[1])
		switch {
		case op == "SUB" && isImm && src == aSP:
			m.spDel = -imm
		case op == "ADD" && isImm && src == aSP:
			m.spDel = imm
		default:
			m.spBad = true
		}
		return m
	}
	switch op {
	case "MOV", "MOVZ":
		if imm, ok := immOf(in.Args[1]); ok {
			if op == "MOVZ" && in.Args[2] != nil {
				break
			}
			m.op, m.dst, m.imm = eImm, dst, imm
			if !dst64 {
				m.imm = int64(uint32(imm))
			}
			return m
		}
		if s, s64, ok := a64Reg(in.Args[1]); ok && s != aSP && s64 == dst64 {
			m.op, m.dst, m.src = eReg, dst, s
			return m
		}
		if r, ok := in.Args[1].(arm64asm.Reg); ok && (r == arm64asm.XZR || r == arm64asm.WZR) {
			m.op, m.dst, m.imm = eImm, dst, 0
			return m
		}
	case "ORR":
		// orr xd, xzr, #imm is how Go materializes some constants (the syscall number).
		if isZR(in.Args[1]) {
			if imm, ok := immOf(in.Args[2]); ok {
				m.op, m.dst, m.imm = eImm, dst, imm
				if !dst64 {
					m.imm = int64(uint32(imm))
				}
				return m
			}
		}
	case "UXTW", "SXTW":
		if s, _, ok := a64Reg(in.Args[1]); ok && s != aSP {
			m.op, m.dst, m.src = eReg, dst, s
			return m
		}
	}
	m.clob |= bit(dst)
	if op == "LDP" || op == "LDPSW" || op == "CASP" || op == "CASPA" || op == "CASPL" || op == "CASPAL" {
		if d2, _, ok := a64Reg(in.Args[1]); ok {
			m.clob |= bit(d2)
		}
	}
	return m
}

func a64Store(m minst, op string, in arm64asm.Inst) minst {
	memArg := in.Args[1]
	pair := op == "STP"
	if pair {
		memArg = in.Args[2]
	}
	base, off, wb, ok := memOf(memArg)
	if !ok {
		return m
	}
	if base == aSP {
		m.spDel = wb
		s, s64, okr := a64Reg(in.Args[0])
		switch {
		case (op == "STR" || op == "STUR" || pair) && okr && s64 && s != aSP:
			m.op, m.src, m.off = eStore, s, off-wb
			if pair {
				if s2, s2_64, ok2 := a64Reg(in.Args[1]); ok2 && s2_64 && s2 != aSP {
					m.dst2 = s2
				} else {
					m.dst2 = -2 // second slot written with something untracked
				}
			}
		case (op == "STR" || op == "STUR") && isZR(in.Args[0]):
			m.op, m.imm, m.off = eStoreImm, 0, off-wb
		case pair && okr && isZR(in.Args[0]) && isZR(in.Args[1]):
			m.op, m.imm, m.off = eStoreImm, 0, off-wb
			m.dst2 = -3 // both slots zero
		default:
			// A narrower, vector or zero-register store into the frame: whatever
			// slot it overlaps becomes unknown.
			m.op, m.src, m.off, m.stSize = eStore, -1, off-wb, 16
			if pair {
				m.stSize = 32
			}
		}
		return m
	}
	if base == aFP {
		m.fpSt = true
	}
	if wb != 0 {
		m.clob |= bit(base)
	}
	return m
}

func a64Load(m minst, op string, in arm64asm.Inst, dst int8, dst64 bool) minst {
	memArg := in.Args[1]
	pair := op == "LDP"
	if pair {
		memArg = in.Args[2]
	}
	base, off, wb, ok := memOf(memArg)
	if ok && base == aSP && wb != 0 {
		m.spDel = wb
	} else if ok && wb != 0 {
		m.clob |= bit(base)
	}
	if ok && base == aSP && (op == "LDR" || op == "LDUR" || pair) && dst64 {
		m.op, m.dst, m.off = eLoad, dst, off-wb
		if pair {
			if d2, _, ok2 := a64Reg(in.Args[1]); ok2 {
				m.dst2 = d2
			}
		}
		return m
	}
	m.clob |= bit(dst)
	if pair {
		if d2, _, ok2 := a64Reg(in.Args[1]); ok2 {
			m.clob |= bit(d2)
		}
	}
	return m
}

func isZR(a arm64asm.Arg) bool {
	r, ok := a.(arm64asm.Reg)
	return ok && (r == arm64asm.XZR || r == arm64asm.WZR)
}
