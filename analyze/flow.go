package analyze

import "sort"

// fnCode is one function decoded, with its basic blocks, for tracing values backwards.
type fnCode struct {
	isa    *isaInfo
	start  uint64
	end    uint64
	insts  []minst
	blocks []block // sorted by first instruction
	isGo   bool
	depth  []int64 // stack pointer before each instruction, relative to entry
}

type block struct {
	first, last int // instruction indexes, inclusive
	preds       []int
}

// decodeFn decodes code (the bytes of [start,end)) and splits it into basic blocks.
// sync lists addresses known to start an instruction (referenced from elsewhere):
// decoding restarts there if the linear sweep ran across one.
func decodeFn(isa *isaInfo, code []byte, start uint64, isGo bool, sync ...uint64) *fnCode {
	f := &fnCode{isa: isa, start: start, end: start + uint64(len(code)), isGo: isGo}
	f.insts = make([]minst, 0, len(code)/3+1)
	for off := 0; off < len(code); {
		m := isa.decode(code[off:], start+uint64(off))
		for _, s := range sync {
			if s > m.addr && s < m.addr+uint64(m.size) {
				m.size, m.kind, m.op, m.clob = uint8(s-m.addr), kBad, eNone, 0
			}
		}
		if isGo && m.kind == kCall {
			// Go's calling convention saves no general register across a call.
			m.clob |= (1<<32 - 1) &^ (bit(isa.sp) | bit(isa.fp))
		}
		f.insts = append(f.insts, m)
		off += int(m.size)
	}
	f.buildBlocks()
	f.stackDepths()
	return f
}

const depthUnknown = 1 << 62

// stackDepths computes, in address order, the stack pointer before each instruction
// relative to entry. Compiled code keeps one frame size between prologue and epilogue, so
// after a return or jump the depth goes back to the deepest frame seen.
func (f *fnCode) stackDepths() {
	f.depth = make([]int64, len(f.insts))
	d, frame := int64(0), int64(0)
	for i := range f.insts {
		f.depth[i] = d
		m := &f.insts[i]
		if d != depthUnknown {
			if m.spBad {
				d = depthUnknown
			} else {
				d += m.spDel
				frame = min(frame, d)
			}
		}
		switch m.kind {
		case kRet, kJmp, kIndJmp:
			if d != depthUnknown {
				d = frame
			}
		}
	}
}

func (f *fnCode) index(addr uint64) int {
	i := sort.Search(len(f.insts), func(i int) bool { return f.insts[i].addr >= addr })
	if i < len(f.insts) && f.insts[i].addr == addr {
		return i
	}
	return -1
}

func (f *fnCode) buildBlocks() {
	n := len(f.insts)
	if n == 0 {
		return
	}
	leader := make([]bool, n)
	leader[0] = true
	for i, m := range f.insts {
		switch m.kind {
		case kJmp, kJcc:
			if j := f.index(m.target); j >= 0 {
				leader[j] = true
			}
			if i+1 < n {
				leader[i+1] = true
			}
		case kRet, kIndJmp, kBad:
			if i+1 < n {
				leader[i+1] = true
			}
		}
	}
	blockOf := make([]int, n)
	for i := 0; i < n; i++ {
		if leader[i] {
			f.blocks = append(f.blocks, block{first: i})
		}
		blockOf[i] = len(f.blocks) - 1
		f.blocks[len(f.blocks)-1].last = i
	}
	for bi, b := range f.blocks {
		m := f.insts[b.last]
		switch m.kind {
		case kJmp, kJcc:
			if j := f.index(m.target); j >= 0 {
				t := blockOf[j]
				f.blocks[t].preds = append(f.blocks[t].preds, bi)
			}
		}
		if m.kind != kJmp && m.kind != kRet && m.kind != kIndJmp && bi+1 < len(f.blocks) {
			f.blocks[bi+1].preds = append(f.blocks[bi+1].preds, bi)
		}
	}
}

// onlyPadding reports a piece of code that holds nothing but no-ops.
func (f *fnCode) onlyPadding() bool {
	for i := range f.insts {
		if !f.insts[i].pad {
			return false
		}
	}
	return len(f.insts) > 0
}

// deadPadding reports a block no jump or fall-through reaches that holds only no-ops.
func (f *fnCode) deadPadding(bi int) bool {
	b := f.blocks[bi]
	if bi == 0 || len(b.preds) > 0 {
		return false
	}
	for i := b.first; i <= b.last; i++ {
		if !f.insts[i].pad {
			return false
		}
	}
	return true
}

func (f *fnCode) blockOfInst(i int) int {
	if i >= len(f.insts) {
		return len(f.blocks) - 1 // just past the end: the value falling through
	}
	return sort.Search(len(f.blocks), func(b int) bool { return f.blocks[b].last >= i })
}

// traceBudget bounds the instructions one backward trace may visit.
const traceBudget = 400

// valuesAt returns the values register r may hold just before instruction i, following
// every path backwards through the function's blocks. One unknown path makes the answer
// unknown: a site is resolved only when every path gives a constant or an entry value.
func (f *fnCode) valuesAt(i int, l loc) []value {
	if len(f.blocks) == 0 {
		return []value{{K: vUnknown}}
	}
	t := tracer{f: f, budget: traceBudget}
	vals, ok := t.trace(f.blockOfInst(i), i, l)
	if !ok || len(vals) == 0 {
		return []value{{K: vUnknown}}
	}
	return dedupValues(vals)
}

type traceKey struct {
	block int
	l     loc
}

type tracer struct {
	f      *fnCode
	seen   map[traceKey]bool
	budget int
}

// trace follows l backwards from just before instruction i, which is in block bi (or just
// past its end).
func (t *tracer) trace(bi, i int, l loc) ([]value, bool) {
	f := t.f
	for j := i - 1; ; j-- {
		if j < f.blocks[bi].first {
			break
		}
		t.budget--
		if t.budget < 0 {
			return nil, false
		}
		m := &f.insts[j]
		nl, v, done, ok := step(m, l, f.depth[j], f.isGo)
		if !ok {
			return nil, false
		}
		if done {
			return []value{v}, true
		}
		l = nl
	}
	b := f.blocks[bi]
	if b.first == 0 {
		if l.slot {
			if l.off < 0 || l.off > 256 {
				return nil, false
			}
			return []value{{K: vParam, V: stackParam + l.off}}, true
		}
		return []value{{K: vParam, V: int64(l.reg)}}, true
	}
	if len(b.preds) == 0 {
		return nil, false // reached through a jump table or a jump from elsewhere
	}
	var out []value
	for _, p := range b.preds {
		if f.deadPadding(p) {
			continue // alignment padding after a jump: no path runs through it
		}
		k := traceKey{p, l}
		if t.seen[k] {
			continue // a loop: the other paths decide
		}
		if t.seen == nil {
			t.seen = map[traceKey]bool{}
		}
		t.seen[k] = true
		vs, ok := t.trace(p, f.blocks[p].last+1, l)
		if !ok {
			return nil, false
		}
		out = append(out, vs...)
		if len(out) > 16 {
			return nil, false
		}
	}
	// Every predecessor already on the path (a loop) or padding: this path adds no value
	// of its own; the others decide.
	return out, true
}

// step applies one instruction backwards to what is being traced: it returns the new
// location, or a final value (done), or ok=false when the value cannot be known.
// depth is the stack pointer before m relative to its value at function entry (or
// depthUnknown): slots at or above the entry value belong to the caller and no call made
// from here writes them.
func step(m *minst, l loc, depth int64, goCode bool) (loc, value, bool, bool) {
	if l.slot {
		if m.spBad || m.fpSt {
			return l, value{}, false, false
		}
		switch m.op {
		case eStore:
			if m.stSize != 0 && m.stSize != 8 {
				if l.off < m.off+int64(m.stSize) && l.off+8 > m.off {
					return l, value{}, false, false // partly overwritten
				}
				break
			}
			if m.off == l.off {
				if m.src < 0 {
					return l, value{}, false, false
				}
				return loc{reg: m.src}, value{}, false, true
			}
			if l.off < m.off+8 && l.off+8 > m.off {
				return l, value{}, false, false
			}
			if m.dst2 != -1 && m.off+8 == l.off {
				if m.dst2 < 0 {
					return l, value{}, false, false
				}
				return loc{reg: m.dst2}, value{}, false, true
			}
		case eStoreImm:
			if m.off == l.off || (m.dst2 == -3 && m.off+8 == l.off) {
				return l, value{K: vConst, V: m.imm}, true, true
			}
		}
		if m.kind == kCall && !goCode && (depth == depthUnknown || l.off < -depth) {
			// A slot of this frame, in C code: the callee may write it through a pointer.
			// Go code reloads a slot after a call only when the compiler kept a live value
			// there (callees spill into the outgoing area, never into live slots).
			return l, value{}, false, false
		}
		l.off += m.spDel
		return l, value{}, false, true
	}
	switch m.op {
	case eImm:
		if m.dst == l.reg {
			return l, value{K: vConst, V: m.imm}, true, true
		}
	case eReg:
		if m.dst == l.reg {
			return loc{reg: m.src}, value{}, false, true
		}
	case eLoad:
		if m.dst == l.reg {
			return loc{slot: true, off: m.off + m.spDel}, value{}, false, true
		}
		if m.dst2 >= 0 && m.dst2 == l.reg {
			return loc{slot: true, off: m.off + 8 + m.spDel}, value{}, false, true
		}
	}
	if m.clob&bit(l.reg) != 0 {
		return l, value{}, false, false
	}
	return l, value{}, false, true
}

func dedupValues(vs []value) []value {
	seen := map[value]bool{}
	out := vs[:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
