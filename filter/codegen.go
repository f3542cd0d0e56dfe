package filter

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// The program:
//
//	ld [arch]; jeq AUDIT_ARCH_1, group1; jeq AUDIT_ARCH_2, group2; ...; ret KILL_THREAD
//	group1: ld [nr]; a search tree of jge over runs of consecutive numbers that share an
//	        outcome, whose leaves jump straight to a return or to an argument block
//	        argument blocks: the conditional rules of one syscall, in order, then the default
//	        returns of the group
//
// A syscall whose outcome does not depend on its arguments thus passes only loads of
// nr and arch, conditional jumps against constants and a return: the kernel's action
// cache can skip the filter for it.

// run is a maximal range of syscall numbers with the same code.
type run struct {
	lo, hi uint32
	out    outcome
	key    codeKey
	weight int64
}

// codeKey identifies the code an outcome jumps to: a return value, or the argument
// block of an entry (entries with identical rules share one).
type codeKey struct {
	ret  uint32
	args *entry
}

// Weights of syscalls in the search: the average the tree minimises is dominated by the
// syscalls a program makes (allowed ones) of the group's main architecture.
const (
	weightAllowed = 1000
	weightDenied  = 20
	weightX32     = 1
	weightGap     = 1
)

func (f *Filter) generate() (bpf.Program, error) {
	b := bpf.NewBuilder()
	b.LoadAbs(bpf.OffsetArch)
	starts := make([]bpf.Label, len(f.m.Groups))
	for gi, g := range f.m.Groups {
		starts[gi] = b.NewLabel()
		b.JumpTo(bpf.JmpJEQ, g.Audit, starts[gi], 0)
	}
	b.Ret(semantics.RetBadArch)
	for gi, g := range f.m.Groups {
		b.Bind(starts[gi])
		gen := &groupGen{b: b, g: g, bigEndian: f.BigEndian, blocks: map[*entry]bpf.Label{}, retLabels: map[uint32]bpf.Label{}}
		gen.emit()
	}
	prog, err := b.Program()
	if err != nil {
		return nil, fmt.Errorf("compiling the profile: %w", err)
	}
	f.starts = make([]int, len(f.m.Groups))
	for gi := range f.m.Groups {
		f.starts[gi], _ = b.PositionOf(starts[gi])
	}
	return prog, nil
}

type groupGen struct {
	b         *bpf.Builder
	g         *group
	bigEndian bool
	rets      []uint32 // in the order they were first needed
	retLabels map[uint32]bpf.Label
	blocks    map[*entry]bpf.Label // argument block → its label
	order     []*entry
}

func (gg *groupGen) retLabel(ret uint32) bpf.Label {
	l, ok := gg.retLabels[ret]
	if !ok {
		l = gg.b.NewLabel()
		gg.retLabels[ret] = l
		gg.rets = append(gg.rets, ret)
	}
	return l
}

func (gg *groupGen) label() bpf.Label { return gg.b.NewLabel() }

// target is where a leaf of the search jumps: a return or an argument block.
func (gg *groupGen) target(r *run) bpf.Label {
	if r.out.Constant() {
		return gg.retLabel(r.out.Ret)
	}
	label, ok := gg.blocks[r.key.args]
	if !ok {
		label = gg.b.NewLabel()
		gg.blocks[r.key.args] = label
		gg.order = append(gg.order, r.key.args)
	}
	return label
}

func (gg *groupGen) emit() {
	runs := groupRuns(gg.g)
	tree := splitTree(runs)
	if tree.leaf() {
		gg.b.GotoLabel(gg.target(&runs[0]))
	} else {
		gg.b.LoadAbs(bpf.OffsetNr)
		gg.emitNode(tree, runs)
	}
	for _, e := range gg.order {
		gg.b.Bind(gg.blocks[e])
		gg.emitArgs(e)
	}
	for i := 0; i < len(gg.rets); i++ { // emitArgs may add returns
		gg.b.Bind(gg.retLabel(gg.rets[i]))
		gg.b.Ret(gg.rets[i])
	}
}

func (gg *groupGen) nodeTarget(n *node, runs []run) bpf.Label {
	if n.leaf() {
		return gg.target(&runs[n.lo])
	}
	if n.label == 0 {
		n.label = gg.b.NewLabel()
	}
	return n.label
}

func (gg *groupGen) emitNode(n *node, runs []run) {
	if n.leaf() {
		return
	}
	gg.b.Bind(gg.nodeTarget(n, runs))
	gg.b.JumpTo(bpf.JmpJGE, runs[n.split].lo, gg.nodeTarget(n.right, runs), gg.nodeTarget(n.left, runs))
	gg.emitNode(n.left, runs)
	gg.emitNode(n.right, runs)
}

// runs cuts the 32-bit number space where the outcome can change and merges
// neighbours with the same code.
func groupRuns(g *group) []run {
	points := []uint64{0, 1, x32Bit, 0x80000000, 0xc0000000, 0xffffffff}
	for _, m := range g.Members {
		for nr := range m.Entries {
			points = append(points, uint64(nr), uint64(nr)+1)
		}
	}
	for _, m := range g.Members {
		points = append(points, uint64(m.MaxNr)+1)
	}
	slices.Sort(points)
	points = slices.Compact(points)
	for len(points) > 0 && points[len(points)-1] > 0xffffffff {
		points = points[:len(points)-1]
	}
	canon := map[string]*entry{}
	codes := map[*entry]string{}
	var out []run
	for i, p := range points {
		end := uint64(0xffffffff)
		if i+1 < len(points) {
			end = points[i+1] - 1
		}
		o := g.Outcome(uint32(p))
		key := codeKeyOf(o, canon, codes)
		if n := len(out); n > 0 && out[n-1].key == key {
			out[n-1].hi = uint32(end)
			continue
		}
		out = append(out, run{lo: uint32(p), hi: uint32(end), out: o, key: key})
	}
	for _, m := range g.Members {
		w := func(o outcome) int64 {
			switch {
			case m.Arch == syscalls.X32:
				return weightX32
			case !o.Constant() || o.Ret == bpf.RetAllow || o.Ret == bpf.RetLog:
				return weightAllowed
			}
			return weightDenied
		}
		i := 0
		for _, nr := range tableNumbers(m.Arch) { // ascending, as the runs
			for i < len(out) && out[i].hi < nr {
				i++
			}
			if i < len(out) {
				out[i].weight += w(out[i].out)
			}
		}
	}
	return out
}

// splitTree builds the search over runs in two parts, below and from the x32 bit
// (always a run boundary): the upper part, x32 numbers and numbers no syscall has,
// enters the lower search as one leaf. Both parts are optimal; the quadratic search
// then handles two halves instead of the whole.
func splitTree(runs []run) *node {
	split := len(runs)
	for i, r := range runs {
		if r.lo >= x32Bit {
			split = i
			break
		}
	}
	if split == 0 || split == len(runs) {
		return searchTree(weights(runs))
	}
	w := weights(runs)
	var high int64
	for _, x := range w[split:] {
		high += x
	}
	low := searchTree(append(w[:split:split], high))
	up := searchTree(w[split:])
	up.shift(split)
	return low.replaceLeaf(split, up)
}

func (n *node) shift(by int) {
	n.lo += by
	n.hi += by
	if !n.leaf() {
		n.split += by
		n.left.shift(by)
		n.right.shift(by)
	}
}

// replaceLeaf puts sub in place of leaf i, widening the ranges on its path.
func (n *node) replaceLeaf(i int, sub *node) *node {
	if n.leaf() {
		if n.lo == i {
			return sub
		}
		return n
	}
	n.left = n.left.replaceLeaf(i, sub)
	n.right = n.right.replaceLeaf(i, sub)
	n.hi = max(n.hi, n.right.hi)
	return n
}

// tableNumbers returns the syscall numbers of a's table in ascending order.
func tableNumbers(a syscalls.Arch) []uint32 {
	if v, ok := tableCache.Load(a); ok {
		return v.([]uint32)
	}
	var nrs []uint32
	for _, e := range syscalls.Table(a) {
		nrs = append(nrs, uint32(e.Nr))
	}
	slices.Sort(nrs)
	tableCache.Store(a, nrs)
	return nrs
}

var tableCache sync.Map // syscalls.Arch → []uint32

func weights(runs []run) []int64 {
	w := make([]int64, len(runs))
	for i, r := range runs {
		w[i] = r.weight + weightGap
	}
	return w
}

// key identifies the code of an outcome; canon maps the text of an argument block to
// the first entry that needs it, so that syscalls with the same rules share it.
func codeKeyOf(o outcome, canon map[string]*entry, codes map[*entry]string) codeKey {
	if o.Constant() {
		return codeKey{ret: o.Ret}
	}
	code, ok := codes[o.Entry]
	if !ok {
		var b strings.Builder
		if o.Entry.Arch.Is64() {
			b.WriteString("64")
		} else {
			b.WriteString("32")
		}
		for _, r := range o.Entry.Rules {
			fmt.Fprintf(&b, "|%08x", r.Ret)
			for _, c := range r.Conds {
				fmt.Fprintf(&b, ":%d%d.%x.%x", c.Arg, c.Op, c.Val, c.Mask)
			}
		}
		code = b.String()
		codes[o.Entry] = code
	}
	e, ok := canon[code]
	if !ok {
		e = o.Entry
		canon[code] = e
	}
	return codeKey{args: e}
}

// emitArgs emits the conditional rules of one syscall in order; the first that matches
// decides, and the default action follows the last. Consecutive rules with the same
// action that each test one argument for equality share one test of its high word and
// become a list of jeq.
func (gg *groupGen) emitArgs(e *entry) {
	is64 := e.Arch.Is64()
	rules := e.Rules
	for i := 0; i < len(rules); {
		j := i + 1
		if hi, ok := eqSetKey(rules[i], is64); ok {
			for j < len(rules) && rules[j].Ret == rules[i].Ret {
				if h, ok := eqSetKey(rules[j], is64); !ok || h != hi || rules[j].Conds[0].Arg != rules[i].Conds[0].Arg {
					break
				}
				j++
			}
		}
		fail := gg.retLabel(gg.g.DefRet)
		if j < len(rules) {
			fail = gg.label()
		}
		pass := gg.retLabel(rules[i].Ret)
		if j-i > 1 {
			gg.emitEqSet(rules[i:j], is64, pass, fail)
		} else {
			gg.emitConds(rules[i].Conds, is64, pass, fail)
		}
		if j < len(rules) {
			gg.b.Bind(fail)
		}
		i = j
	}
}

// eqSetKey reports whether r is a single equality test and returns the high word it
// expects.
func eqSetKey(r semantics.CondRule, is64 bool) (uint32, bool) {
	if len(r.Conds) != 1 || r.Conds[0].Op != profile.OpEqualTo {
		return 0, false
	}
	if !is64 {
		return 0, true
	}
	return uint32(r.Conds[0].Val >> 32), true
}

func (gg *groupGen) emitEqSet(rules []semantics.CondRule, is64 bool, pass, fail bpf.Label) {
	arg := rules[0].Conds[0].Arg
	lo, hi := bpf.ArgOffsets(arg, gg.bigEndian)
	if is64 {
		next := gg.label()
		gg.b.LoadAbs(hi)
		gg.b.JumpTo(bpf.JmpJEQ, uint32(rules[0].Conds[0].Val>>32), next, fail)
		gg.b.Bind(next)
	}
	gg.b.LoadAbs(lo)
	for i, r := range rules {
		var f bpf.Label
		if i == len(rules)-1 {
			f = fail
		}
		gg.b.JumpTo(bpf.JmpJEQ, uint32(r.Conds[0].Val), pass, f)
	}
}

// emitConds emits the AND of cs: every condition passing jumps on to the next, the last
// to pass; any failing jumps to fail.
func (gg *groupGen) emitConds(cs []cond, is64 bool, pass, fail bpf.Label) {
	var live []cond
	for _, c := range cs {
		switch trivial(c, is64) {
		case alwaysFalse:
			gg.b.GotoLabel(fail)
			return
		case alwaysTrue:
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		gg.b.GotoLabel(pass)
		return
	}
	for i, c := range live {
		next := pass
		if i < len(live)-1 {
			next = gg.label()
		}
		if is64 {
			gg.emitCond64(c, next, fail)
		} else {
			gg.emitCond32(c, next, fail)
		}
		if i < len(live)-1 {
			gg.b.Bind(next)
		}
	}
}

type truth int

const (
	depends truth = iota
	alwaysTrue
	alwaysFalse
)

func trivial(c cond, is64 bool) truth {
	top := uint64(1<<64 - 1)
	if !is64 {
		top = 0xffffffff
	}
	switch {
	case c.Op == profile.OpGreaterEqual && c.Val == 0, c.Op == profile.OpLessEqual && c.Val == top:
		return alwaysTrue
	case c.Op == profile.OpLessThan && c.Val == 0, c.Op == profile.OpGreaterThan && c.Val == top:
		return alwaysFalse
	}
	return depends
}

// jumpFor emits a comparison of A with k that goes to pass when the operator holds.
func (gg *groupGen) compare(op profile.Operator, k uint32, pass, fail bpf.Label) {
	switch op {
	case profile.OpEqualTo:
		gg.b.JumpTo(bpf.JmpJEQ, k, pass, fail)
	case profile.OpNotEqual:
		gg.b.JumpTo(bpf.JmpJEQ, k, fail, pass)
	case profile.OpGreaterThan:
		gg.b.JumpTo(bpf.JmpJGT, k, pass, fail)
	case profile.OpGreaterEqual:
		gg.b.JumpTo(bpf.JmpJGE, k, pass, fail)
	case profile.OpLessThan:
		gg.b.JumpTo(bpf.JmpJGE, k, fail, pass)
	case profile.OpLessEqual:
		gg.b.JumpTo(bpf.JmpJGT, k, fail, pass)
	}
}

func (gg *groupGen) emitCond32(c cond, pass, fail bpf.Label) {
	lo, _ := bpf.ArgOffsets(c.Arg, gg.bigEndian)
	gg.b.LoadAbs(lo)
	if c.Op == profile.OpMaskedEqual {
		if c.Mask != 0xffffffff {
			gg.b.Add(bpf.Instruction{Op: bpf.ClassALU | bpf.AluAND | bpf.SrcK, K: uint32(c.Mask)})
		}
		gg.b.JumpTo(bpf.JmpJEQ, uint32(c.Val), pass, fail)
		return
	}
	gg.compare(c.Op, uint32(c.Val), pass, fail)
}

// emitCond64 compares a 64-bit argument: the high word first, then, only when the high
// words are equal, the low word; ordered comparisons are lexicographic on (high, low).
func (gg *groupGen) emitCond64(c cond, pass, fail bpf.Label) {
	loOff, hiOff := bpf.ArgOffsets(c.Arg, gg.bigEndian)
	vh, vl := uint32(c.Val>>32), uint32(c.Val)
	b := gg.b
	switch c.Op {
	case profile.OpMaskedEqual:
		mh, ml := uint32(c.Mask>>32), uint32(c.Mask)
		if mh != 0 {
			next := pass
			if ml != 0 {
				next = gg.label()
			}
			b.LoadAbs(hiOff)
			if mh != 0xffffffff {
				b.Add(bpf.Instruction{Op: bpf.ClassALU | bpf.AluAND | bpf.SrcK, K: mh})
			}
			b.JumpTo(bpf.JmpJEQ, vh, next, fail)
			if ml == 0 {
				return
			}
			b.Bind(next)
		}
		b.LoadAbs(loOff)
		if ml != 0xffffffff {
			b.Add(bpf.Instruction{Op: bpf.ClassALU | bpf.AluAND | bpf.SrcK, K: ml})
		}
		b.JumpTo(bpf.JmpJEQ, vl, pass, fail)
	case profile.OpEqualTo, profile.OpNotEqual:
		lo := gg.label()
		b.LoadAbs(hiOff)
		if c.Op == profile.OpEqualTo {
			b.JumpTo(bpf.JmpJEQ, vh, lo, fail)
		} else {
			b.JumpTo(bpf.JmpJEQ, vh, lo, pass)
		}
		b.Bind(lo)
		b.LoadAbs(loOff)
		gg.compare(c.Op, vl, pass, fail)
	default:
		// above: the high word alone decides that the argument is greater.
		above, below := pass, fail
		if c.Op == profile.OpLessThan || c.Op == profile.OpLessEqual {
			above, below = fail, pass
		}
		lo := gg.label()
		b.LoadAbs(hiOff)
		switch vh {
		case 0:
			b.JumpTo(bpf.JmpJGT, 0, above, lo)
		case 0xffffffff:
			b.JumpTo(bpf.JmpJEQ, vh, lo, below)
		default:
			eq := gg.label()
			b.JumpTo(bpf.JmpJGT, vh, above, eq)
			b.Bind(eq)
			b.JumpTo(bpf.JmpJEQ, vh, lo, below)
		}
		b.Bind(lo)
		b.LoadAbs(loOff)
		gg.compare(c.Op, vl, pass, fail)
	}
}
