package bpf

import "fmt"

// Builder assembles a program whose jumps go to labels. Labels are resolved once, in
// Program, which also turns conditional jumps longer than 255 instructions into a short
// jump to a trampoline placed right after them. Labels are values (NewLabel, Bind) or
// names (Label, JumpIf, Goto); the zero Label means the next instruction.
type Builder struct {
	items []item
	pos   []int // by Label-1: the index of the item it precedes, -1 while unbound
	names map[string]Label
	err   error
	final []int // after Program: the position of each item
}

// Label is a position in a program being built.
type Label int

type item struct {
	ins        Instruction
	jt, jf, ja Label // jump targets; zero falls through (ja: none)
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{names: map[string]Label{}} }

// NewLabel returns a label to Bind later.
func (b *Builder) NewLabel() Label {
	b.pos = append(b.pos, -1)
	return Label(len(b.pos))
}

// Bind places l at the next instruction added.
func (b *Builder) Bind(l Label) {
	if l <= 0 || int(l) > len(b.pos) {
		b.fail(fmt.Errorf("binding an unknown label"))
		return
	}
	if b.pos[l-1] >= 0 {
		b.fail(fmt.Errorf("label %s defined twice", b.labelName(l)))
		return
	}
	b.pos[l-1] = len(b.items)
}

// Named returns the label called name, creating it on first use.
func (b *Builder) Named(name string) Label {
	if name == "" {
		return 0
	}
	l, ok := b.names[name]
	if !ok {
		l = b.NewLabel()
		b.names[name] = l
	}
	return l
}

func (b *Builder) labelName(l Label) string {
	for name, x := range b.names {
		if x == l {
			return fmt.Sprintf("%q", name)
		}
	}
	return fmt.Sprintf("#%d", int(l))
}

// Label names the position of the next instruction added.
func (b *Builder) Label(name string) {
	if name == "" {
		b.fail(fmt.Errorf("empty label"))
		return
	}
	b.Bind(b.Named(name))
}

// HasLabel reports whether name was defined.
func (b *Builder) HasLabel(name string) bool {
	l, ok := b.names[name]
	return ok && b.pos[l-1] >= 0
}

// Add appends an instruction whose jump offsets, if any, are already final.
func (b *Builder) Add(ins Instruction) { b.items = append(b.items, item{ins: ins}) }

// LoadAbs appends "ld [off]".
func (b *Builder) LoadAbs(off uint32) { b.Add(LoadAbs(off)) }

// Ret appends "ret #k".
func (b *Builder) Ret(k uint32) { b.Add(Ret(k)) }

// JumpIf appends a conditional jump (JmpJEQ, JmpJGT, JmpJGE or JmpJSET against k) to
// label jt when true and jf when false; an empty label means the next instruction.
func (b *Builder) JumpIf(op uint16, k uint32, jt, jf string) {
	b.JumpTo(op, k, b.Named(jt), b.Named(jf))
}

// JumpTo is JumpIf with labels; the zero Label means the next instruction.
func (b *Builder) JumpTo(op uint16, k uint32, jt, jf Label) {
	b.items = append(b.items, item{ins: Jump(op, k, 0, 0), jt: jt, jf: jf})
}

// Goto appends "ja label".
func (b *Builder) Goto(label string) {
	if label == "" {
		b.fail(fmt.Errorf("ja needs a label"))
		return
	}
	b.GotoLabel(b.Named(label))
}

// GotoLabel appends "ja l".
func (b *Builder) GotoLabel(l Label) {
	if l == 0 {
		b.fail(fmt.Errorf("ja needs a label"))
		return
	}
	b.items = append(b.items, item{ins: JumpAlways(0), ja: l})
}

// Len returns the number of instructions added so far (before trampolines).
func (b *Builder) Len() int { return len(b.items) }

func (b *Builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *Builder) target(i int, l Label) (int, error) {
	if l == 0 {
		return i + 1, nil
	}
	t := b.pos[l-1]
	if t < 0 {
		return 0, fmt.Errorf("undefined label %s", b.labelName(l))
	}
	if t <= i {
		return 0, fmt.Errorf("jump from instruction %d to label %s goes backwards", i, b.labelName(l))
	}
	if t >= len(b.items) {
		return 0, fmt.Errorf("label %s is past the last instruction", b.labelName(l))
	}
	return t, nil
}

// Position returns where label ended up in the program Program returned.
func (b *Builder) Position(label string) (int, bool) {
	l, ok := b.names[label]
	if !ok {
		return 0, false
	}
	return b.PositionOf(l)
}

// PositionOf returns where l ended up in the program Program returned.
func (b *Builder) PositionOf(l Label) (int, bool) {
	if l <= 0 || int(l) > len(b.pos) || b.pos[l-1] < 0 || b.final == nil {
		return 0, false
	}
	return b.final[b.pos[l-1]], true
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
		case it.ja != 0:
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
		case it.ja != 0:
			ins.K = uint32(addr[tgtT[i]] - addr[i] - 1)
			prog = append(prog, ins)
		default:
			prog = append(prog, ins)
		}
	}
	return prog, nil
}
