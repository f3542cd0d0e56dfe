package bpf

import (
	"encoding/binary"
	"fmt"
)

// Data is struct seccomp_data: what a seccomp filter sees of a system call.
type Data struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// Offsets into struct seccomp_data.
const (
	OffsetNr   = 0
	OffsetArch = 4
	OffsetIP   = 8
	OffsetArgs = 16
	// DataSize is sizeof(struct seccomp_data).
	DataSize = 64
)

// ArgOffsets returns the offsets of the low and high 32-bit words of argument i in
// seccomp_data. The layout follows the byte order of the machine the filter runs on,
// not the host's.
func ArgOffsets(i int, bigEndian bool) (lo, hi uint32) {
	base := uint32(OffsetArgs + 8*i)
	if bigEndian {
		return base + 4, base
	}
	return base, base + 4
}

// Bytes lays d out as the kernel does in memory on a machine with the given byte order.
func (d *Data) Bytes(order binary.ByteOrder) [DataSize]byte {
	var b [DataSize]byte
	order.PutUint32(b[OffsetNr:], uint32(d.Nr))
	order.PutUint32(b[OffsetArch:], d.Arch)
	order.PutUint64(b[OffsetIP:], d.InstructionPointer)
	for i, a := range d.Args {
		order.PutUint64(b[OffsetArgs+8*i:], a)
	}
	return b
}

// Seccomp return values (SECCOMP_RET_*). The action sits in the high 16 bits, its data
// (an errno, a trace message) in the low 16.
const (
	RetKillProcess uint32 = 0x80000000
	RetKillThread  uint32 = 0x00000000
	RetTrap        uint32 = 0x00030000
	RetErrno       uint32 = 0x00050000
	RetUserNotif   uint32 = 0x7fc00000
	RetTrace       uint32 = 0x7ff00000
	RetLog         uint32 = 0x7ffc0000
	RetAllow       uint32 = 0x7fff0000

	RetActionFull uint32 = 0xffff0000
	RetData       uint32 = 0x0000ffff
)

// MaxErrno is the largest errno the kernel passes back from SECCOMP_RET_ERRNO; larger
// data is capped to it.
const MaxErrno = 4095

// Action is what the kernel does with a return value: the action bits, with unknown
// actions mapped as the kernel maps them.
type Action uint32

// ActionOf returns the action the kernel takes for ret: unknown action values are treated as
// SECCOMP_RET_KILL_PROCESS.
func ActionOf(ret uint32) Action {
	a := ret & RetActionFull
	switch a {
	case RetKillProcess, RetKillThread, RetTrap, RetErrno, RetUserNotif, RetTrace, RetLog, RetAllow:
		return Action(a)
	}
	return Action(RetKillProcess)
}

var actionNames = map[uint32]string{
	RetKillProcess: "KILL_PROCESS",
	RetKillThread:  "KILL_THREAD",
	RetTrap:        "TRAP",
	RetErrno:       "ERRNO",
	RetUserNotif:   "USER_NOTIF",
	RetTrace:       "TRACE",
	RetLog:         "LOG",
	RetAllow:       "ALLOW",
}

func (a Action) String() string {
	if n, ok := actionNames[uint32(a)]; ok {
		return n
	}
	return fmt.Sprintf("Action(%#x)", uint32(a))
}

// RetString renders a return value the way the assembler reads it back: ALLOW,
// ERRNO(1), TRACE(5), KILL_PROCESS, or a hex constant for values that are not one
// of the kernel's actions.
func RetString(ret uint32) string {
	a := ret & RetActionFull
	name, ok := actionNames[a]
	if !ok {
		return fmt.Sprintf("%#x", ret)
	}
	data := ret & RetData
	switch a {
	case RetErrno, RetTrace, RetTrap:
		if a == RetErrno || data != 0 {
			return fmt.Sprintf("%s(%d)", name, data)
		}
	default:
		if data != 0 {
			return fmt.Sprintf("%#x", ret)
		}
	}
	return name
}

// Precedence reports whether ret a takes precedence over b when both come from stacked
// filters: the kernel keeps the lowest action, compared as signed 32-bit values.
func Precedence(a, b uint32) bool {
	return int32(a&RetActionFull) < int32(b&RetActionFull)
}
