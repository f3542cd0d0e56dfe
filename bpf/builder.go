package bpf

import "fmt"

// Builder assembles a program whose jumps name labels. Labels are resolved once, in
// Program, which also turns conditional jumps longer than 255 instructions into a short
// jump to a trampoline placed right after them.
type Builder struct {
	items  []item
	labels map[string]int // label → index of the item it precedes
	err    error
	final  []int // after Program: the position of each item
}

type item struct {
	ins    Instruction
	jt, jf string // conditional jump targets; "" falls through
	ja     string // target of an unconditional jump
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{labels: map[string]int{}} }

// Label names the position of the next instruction added.
func (b *Builder) Label(name string) {
	if name == "" {
		b.fail(fmt.Errorf("empty label"))
		return
	}
	if _, dup := b.labels[name]; dup {
		b.fail(fmt.Errorf("label %q defined twice", name))
		return
	}
	b.labels[name] = len(b.items)
}

// HasLabel reports whether name was defined.
func (b *Builder) HasLabel(name string) bool { _, ok := b.labels[name]; return ok }

// Add appends an instruction whose jump offsets, if any, are already final.
func (b *Builder) Add(ins Instruction) { b.items = append(b.items, item{ins: ins}) }

// LoadAbs appends "ld [off]".
func (b *Builder) LoadAbs(off uint32) { b.Add(LoadAbs(off)) }

// Ret appends "ret #k".
func (b *Builder) Ret(k uint32) { b.Add(Ret(k)) }

// JumpIf appends a conditional jump (JmpJEQ, JmpJGT, JmpJGE or JmpJSET against k) to
// label jt when true and jf when false; an empty label means the next instruction.
func (b *Builder) JumpIf(op uint16, k uint32, jt, jf string) {
	b.items = append(b.items, item{ins: Jump(op, k, 0, 0), jt: jt, jf: jf})
}

// Goto appends "ja label".
func (b *Builder) Goto(label string) {
	if label == "" {
		b.fail(fmt.Errorf("ja needs a label"))
		return
	}
	b.items = append(b.items, item{ins: JumpAlways(0), ja: label})
}

// Len returns the number of instructions added so far (before trampolines).
func (b *Builder) Len() int { return len(b.items) }

func (b *Builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *Builder) target(i int, label string) (int, error) {
	if label == "" {
		return i + 1, nil
	}
	t, ok := b.labels[label]
	if !ok {
		return 0, fmt.Errorf("undefined label %q", label)
	}
	if t <= i {
		return 0, fmt.Errorf("jump from instruction %d to label %q goes backwards", i, label)
	}
	if t >= len(b.items) {
		return 0, fmt.Errorf("label %q is past the last instruction", label)
	}
	return t, nil
}

// Position returns where label ended up in the program Program returned.
func (b *Builder) Position(label string) (int, bool) {
	i, ok := b.labels[label]
	if !ok || b.final == nil {
		return 0, false
	}
	return b.final[i], true
}

// Program resolves labels and returns the program. It fails on undefined or backward
// labels and, wrapping ErrTooLong, on programs the kernel would refuse for their length.
func (b *Builder) Program() (Program, error) {
	if b.err != nil {
		return nil, b.err
	}
	n := len(b.items)
	tgtT := make([]int, n)
	tgtF := make([]int, n)
	for i, it := range b.items {
		var err error
		switch {
		case it.ins.IsConditionalJump():
			if tgtT[i], err = b.target(i, it.jt); err != nil {
				return nil, err
			}
			if tgtF[i], err = b.target(i, it.jf); err != nil {
				return nil, err
			}
		case it.ja != "":
			if tgtT[i], err = b.target(i, it.ja); err != nil {
				return nil, err
			}
		}
	}
	// Grow trampolines until every conditional offset fits in 8 bits. Flags only ever
	// go from false to true, so this ends.
	trampT := make([]bool, n)
	trampF := make([]bool, n)
	addr := make([]int, n+1)
	for {
		a := 0
		for i := range b.items {
			addr[i] = a
			a++
			if trampT[i] {
				a++
			}
			if trampF[i] {
				a++
			}
		}
		addr[n] = a
		changed := false
		for i, it := range b.items {
			if !it.ins.IsConditionalJump() {
				continue
			}
			if !trampT[i] && addr[tgtT[i]]-addr[i]-1 > 255 {
				trampT[i], changed = true, true
			}
			if !trampF[i] && addr[tgtF[i]]-addr[i]-1 > 255 {
				trampF[i], changed = true, true
			}
		}
		if !changed {
			break
		}
	}
	if addr[n] > MaxInstructions {
		return nil, fmt.Errorf("%w: %d instructions", ErrTooLong, addr[n])
	}
	b.final = addr
	prog := make(Program, 0, addr[n])
	trampoline := func(at, tgt int) Instruction {
		// A trampoline to a return is the return itself: as short, one step faster.
		if t := b.items[tgt].ins; t.Class() == ClassRET {
			return t
		}
		return JumpAlways(uint32(addr[tgt] - at - 1))
	}
	for i, it := range b.items {
		ins := it.ins
		switch {
		case ins.IsConditionalJump():
			next := addr[i] + 1
			var extra []Instruction
			if trampT[i] {
				ins.Jt = uint8(next + len(extra) - addr[i] - 1)
				extra = append(extra, trampoline(next+len(extra), tgtT[i]))
			} else {
				ins.Jt = uint8(addr[tgtT[i]] - addr[i] - 1)
			}
			if trampF[i] {
				ins.Jf = uint8(next + len(extra) - addr[i] - 1)
				extra = append(extra, trampoline(next+len(extra), tgtF[i]))
			} else {
				ins.Jf = uint8(addr[tgtF[i]] - addr[i] - 1)
			}
			prog = append(prog, ins)
			prog = append(prog, extra...)
		case it.ja != "":
			ins.K = uint32(addr[tgtT[i]] - addr[i] - 1)
			prog = append(prog, ins)
		default:
			prog = append(prog, ins)
		}
	}
	return prog, nil
}
