package analyze

// minst is one decoded instruction reduced to what the analysis needs: control flow, the
// addresses it refers to, and its effect on registers and stack slots, so that the value
// reaching a syscall site can be traced backwards the same way on every architecture.
type minst struct {
	addr   uint64
	size   uint8
	kind   uint8  // k* below
	op     uint8  // e* below: the one data movement the backward trace follows
	dst    int8   // register written by op (eImm, eReg, eLoad) or stored (eStore: src)
	src    int8   // source register (eReg, eStore)
	dst2   int8   // second register of a pair load/store (arm64 LDP/STP), -1 if none
	off    int64  // stack slot, relative to the stack pointer after the instruction
	imm    int64  // immediate of eImm / eStoreImm
	spDel  int64  // stack pointer after minus before
	spBad  bool   // the stack pointer changes by an unknown amount
	fpSt   bool   // a store through the frame pointer: may alias any stack slot
	stSize uint8  // bytes an eStore writes at off (0 means 8); src -1 means an untracked value
	clob   uint64 // registers written (other than by op), bit per register
	target uint64 // direct branch or call target
	ref    uint64 // address the instruction refers to (lea/adr, rip-relative memory), 0 if none
	memRef bool   // ref is a memory operand read through (an indirect call or jump via a slot)
	// aarch64 builds addresses in two steps: adrp sets a page (pageDef names the register),
	// then add or ldr adds the low bits (pageUse names the register, pageOff the bits).
	pageDef, pageUse int8
	pageOff          int64
	pageLoad         bool // the use is a load from the address (a GOT or literal slot)
	pad              bool // a no-op used as padding between code
}

const (
	kOther uint8 = iota
	kSyscall
	kCall
	kJmp     // unconditional direct jump
	kJcc     // conditional direct jump
	kRet     // no fall-through (ret, hlt, ud2, trap)
	kIndCall // call through a register or memory
	kIndJmp  // jump through a register or memory
	kInt80   // 32-bit system call
	kBad     // undecodable byte
)

const (
	eNone uint8 = iota
	eImm
	eReg
	eLoad
	eStore
	eStoreImm
)

// loc is what the backward trace looks for: a register, or a stack slot at sp+off.
type loc struct {
	reg  int8
	slot bool
	off  int64
}

// stackParam encodes a parameter passed on the stack: stackParam+offset from the stack
// pointer at function entry (Go's ABI0 assembly functions take their arguments there).
const stackParam = 1000

// value kinds; a value is a constant or the value a register had on function entry.
const (
	vUnknown uint8 = iota
	vConst
	vParam
)

type value struct {
	K uint8
	V int64
}

// isaInfo describes one architecture for the analysis.
type isaInfo struct {
	numReg      int8   // register holding the syscall number at the site
	argReg      int8   // first integer argument of the C calling convention
	callClob    uint64 // registers a call clobbers
	callSlotMax int64  // stack slots below this offset may be written by a callee (Go spill area)
	sp, fp      int8   // stack and frame pointer registers
	callPush    int64  // bytes a call pushes (the return address on x86-64)
	decode      func(code []byte, addr uint64) minst
}

func bit(r int8) uint64 {
	if r < 0 || r > 63 {
		return 0
	}
	return 1 << uint(r)
}
