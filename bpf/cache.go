package bpf

// ConstAllow reports whether the kernel's seccomp action cache (Linux 5.11+) would mark
// syscall nr of audit architecture arch as always allowed by p, so that the filter is
// skipped for it. It emulates seccomp_is_const_allow: only loads of nr and arch, jumps
// against constants, ja, "and" with a constant and "ret" may lie on the path, and the
// return must be exactly SECCOMP_RET_ALLOW. The kernel asks only for numbers below the
// size of its syscall table for the native and compat architectures; x32 numbers
// (bit 30 set) are never cached.
func (p Program) ConstAllow(nr int32, arch uint32) bool {
	var reg uint32
	for pc := 0; pc < len(p); pc++ {
		ins := p[pc]
		switch ins.Op {
		case ClassLD | SizeW | ModeABS:
			switch ins.K {
			case OffsetNr:
				reg = uint32(nr)
			case OffsetArch:
				reg = arch
			default:
				return false
			}
		case ClassRET | SrcK:
			return ins.K == RetAllow
		case ClassJMP | JmpJA:
			pc += int(ins.K)
		case ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJSET | SrcK:
			var res bool
			switch ins.Op & 0xf0 {
			case JmpJEQ:
				res = reg == ins.K
			case JmpJGE:
				res = reg >= ins.K
			case JmpJGT:
				res = reg > ins.K
			case JmpJSET:
				res = reg&ins.K != 0
			}
			if res {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}
		case ClassALU | AluAND | SrcK:
			reg &= ins.K
		default:
			return false
		}
	}
	return false
}
