package bpf

import "encoding/binary"

// VM runs a validated seccomp program over seccomp_data with the semantics of the
// kernel's classic BPF (as converted by bpf_convert_filter): A and X start at zero,
// arithmetic wraps at 32 bits, shifts by X use the low five bits of X, and division by
// a zero X ends the program with 0 (SECCOMP_RET_KILL_THREAD).
type VM struct {
	prog  Program
	order binary.ByteOrder
}

// NewVM validates p as the kernel would and returns a VM that lays seccomp_data out in
// the given byte order: that of the machine the filter is for (binary.LittleEndian for
// x86_64 and aarch64, binary.BigEndian for s390x).
func NewVM(p Program, order binary.ByteOrder) (*VM, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &VM{prog: p, order: order}, nil
}

// Run returns the program's return value for d and how many instructions it executed,
// the return included.
func (vm *VM) Run(d *Data) (ret uint32, executed int) {
	return vm.run(d, nil)
}

// Trace is Run that also returns the position of every instruction executed.
func (vm *VM) Trace(d *Data) (ret uint32, path []int) {
	path = []int{}
	ret, _ = vm.run(d, &path)
	return ret, path
}

func (vm *VM) run(d *Data, path *[]int) (ret uint32, executed int) {
	mem := d.Bytes(vm.order)
	var a, x uint32
	var scratch [MemWords]uint32
	p := vm.prog
	for pc := 0; pc < len(p); pc++ {
		ins := p[pc]
		executed++
		if path != nil {
			*path = append(*path, pc)
		}
		switch ins.Op {
		case ClassLD | SizeW | ModeABS:
			a = vm.order.Uint32(mem[ins.K:])
		case ClassLD | SizeW | ModeLEN:
			a = DataSize
		case ClassLDX | SizeW | ModeLEN:
			x = DataSize
		case ClassLD | ModeIMM:
			a = ins.K
		case ClassLDX | ModeIMM:
			x = ins.K
		case ClassLD | ModeMEM:
			a = scratch[ins.K]
		case ClassLDX | ModeMEM:
			x = scratch[ins.K]
		case ClassST:
			scratch[ins.K] = a
		case ClassSTX:
			scratch[ins.K] = x
		case ClassMISC | MiscTAX:
			x = a
		case ClassMISC | MiscTXA:
			a = x
		case ClassRET | SrcK:
			return ins.K, executed
		case ClassRET | RetA:
			return a, executed
		case ClassJMP | JmpJA:
			pc += int(ins.K)
		case ClassALU | AluNEG:
			a = -a
		default:
			src := ins.K
			if ins.Op&SrcX != 0 {
				src = x
			}
			switch ins.Class() {
			case ClassALU:
				switch ins.Op & 0xf0 {
				case AluADD:
					a += src
				case AluSUB:
					a -= src
				case AluMUL:
					a *= src
				case AluDIV:
					if src == 0 {
						return 0, executed
					}
					a /= src
				case AluAND:
					a &= src
				case AluOR:
					a |= src
				case AluXOR:
					a ^= src
				case AluLSH:
					a <<= src & 31
				case AluRSH:
					a >>= src & 31
				}
			case ClassJMP:
				var cond bool
				switch ins.Op & 0xf0 {
				case JmpJEQ:
					cond = a == src
				case JmpJGT:
					cond = a > src
				case JmpJGE:
					cond = a >= src
				case JmpJSET:
					cond = a&src != 0
				}
				if cond {
					pc += int(ins.Jt)
				} else {
					pc += int(ins.Jf)
				}
			}
		}
	}
	// Unreachable for a validated program: the last instruction is a return and every
	// jump stays inside the program.
	return 0, executed
}

// Run validates p and runs it once; see VM for repeated runs.
func (p Program) Run(d *Data, order binary.ByteOrder) (ret uint32, executed int, err error) {
	vm, err := NewVM(p, order)
	if err != nil {
		return 0, 0, err
	}
	ret, executed = vm.Run(d)
	return ret, executed, nil
}
