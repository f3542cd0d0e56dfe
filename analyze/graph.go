package analyze

import (
	"fmt"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

type node struct{ obj, fn int32 }

var noNode = node{-1, -1}

// accumulator collects the reachable syscalls of every program, per architecture.
type accumulator struct {
	arches     map[string]map[int]Reachable
	unresolved map[string]Site
	notes      map[string]Note
}

func newAccumulator() *accumulator {
	return &accumulator{arches: map[string]map[int]Reachable{}, unresolved: map[string]Site{}, notes: map[string]Note{}}
}

func (a *accumulator) note(n Note) {
	a.notes[n.Kind+"\x00"+n.Object+"\x00"+n.Where] = n
}

func (a *accumulator) fill(r *Result) {
	var arches []string
	for k := range a.arches {
		arches = append(arches, k)
	}
	sort.Strings(arches)
	for _, k := range arches {
		ar := ArchResult{Arch: k, Syscalls: []Reachable{}}
		for _, s := range a.arches[k] {
			ar.Syscalls = append(ar.Syscalls, s)
		}
		sort.Slice(ar.Syscalls, func(i, j int) bool { return ar.Syscalls[i].Name < ar.Syscalls[j].Name })
		r.Arches = append(r.Arches, ar)
	}
	for _, s := range a.unresolved {
		r.Unresolved = append(r.Unresolved, s)
	}
	sort.Slice(r.Unresolved, func(i, j int) bool {
		x, y := r.Unresolved[i], r.Unresolved[j]
		if x.Object != y.Object {
			return x.Object < y.Object
		}
		return x.Addr < y.Addr
	})
	for _, n := range a.notes {
		r.Notes = append(r.Notes, n)
	}
	sort.Slice(r.Notes, func(i, j int) bool {
		x, y := r.Notes[i], r.Notes[j]
		return x.Kind+x.Object+x.Where < y.Kind+y.Object+y.Where
	})
}

// walker explores one program's call graph breadth first, so the first chain found to any
// function is a shortest one.
type walker struct {
	pr       *program
	acc      *accumulator
	arch     syscalls.Arch
	isa      *isaInfo
	scope    map[string]node // exported symbol → definition, first in load order wins
	visited  [][]bool
	parent   [][]node
	queue    []node
	taken    []node
	takenSet map[node]bool
	indirect node // the first function reached that calls through a pointer
	wrapOK   map[node]bool
}

func walk(pr *program, acc *accumulator) *walker {
	// Drop duplicates (one library needed under two names).
	seen := map[*loaded]int{}
	objs := pr.objs[:0]
	for _, o := range pr.objs {
		if i, ok := seen[o.loaded]; ok {
			objs[i].isMain = objs[i].isMain || o.isMain
			objs[i].isInterp = objs[i].isInterp || o.isInterp
			objs[i].exported = objs[i].exported || o.exported
			continue
		}
		seen[o.loaded] = len(objs)
		objs = append(objs, o)
	}
	pr.objs = objs
	w := &walker{pr: pr, acc: acc, arch: pr.objs[0].e.arch, isa: pr.objs[0].e.isa, scope: map[string]node{},
		takenSet: map[node]bool{}, indirect: noNode, wrapOK: map[node]bool{}}
	if _, ok := acc.arches[w.arch.String()]; !ok {
		acc.arches[w.arch.String()] = map[int]Reachable{}
	}
	for oi, o := range pr.objs {
		w.visited = append(w.visited, make([]bool, len(o.sum.Funcs)))
		w.parent = append(w.parent, make([]node, len(o.sum.Funcs)))
		for _, ex := range o.sum.Exports {
			fi := funcIndex(o.sum, ex.Addr)
			if fi < 0 {
				continue
			}
			n := node{int32(oi), int32(fi)}
			if ex.Version != "" {
				w.define(ex.Name+"@"+ex.Version, n)
			}
			if !ex.Hidden {
				w.define(ex.Name, n)
			}
		}
	}
	for oi, o := range pr.objs {
		for _, a := range o.sum.DataTaken {
			if fi := funcIndex(o.sum, a); fi >= 0 {
				w.take(node{int32(oi), int32(fi)}, noNode)
			}
		}
		for _, imp := range o.sum.DataImports {
			if n, ok := w.lookup(o.sum.Imports[imp]); ok {
				w.take(n, noNode)
			}
		}
	}
	for oi, o := range pr.objs {
		var roots []uint64
		roots = append(roots, o.sum.Entries...)
		if o.isMain || o.isInterp {
			roots = append(roots, o.sum.EntryPoint)
		}
		if o.exported {
			for _, ex := range o.sum.Exports {
				roots = append(roots, ex.Addr)
			}
		}
		for _, a := range roots {
			if fi := funcIndex(o.sum, a); fi >= 0 {
				w.push(node{int32(oi), int32(fi)}, noNode, false)
			}
		}
	}
	for len(w.queue) > 0 {
		n := w.queue[0]
		w.queue = w.queue[1:]
		w.visit(n)
	}
	w.notes()
	w.kernelMade()
	return w
}

// kernelMade adds the syscalls the kernel makes on the program's behalf once what
// triggers them is reachable: restart_syscall, once a call the kernel resumes with it
// is (syscalls.RestartedBy). A profile without it turns a stopped and continued sleep
// into EPERM.
func (w *walker) kernelMade() {
	set := w.acc.arches[w.arch.String()]
	nr, ok := syscalls.Number(w.arch, "restart_syscall")
	if !ok {
		return
	}
	if _, ok := set[nr]; ok {
		return
	}
	for _, name := range syscalls.RestartedBy() {
		t, ok := syscalls.Number(w.arch, name)
		if !ok {
			continue
		}
		if r, ok := set[t]; ok {
			set[nr] = Reachable{Name: "restart_syscall", Nr: nr, Chain: r.Chain,
				Kernel: fmt.Sprintf("made by the kernel to resume %s after a signal", name)}
			return
		}
	}
}

func (w *walker) define(key string, n node) {
	if _, ok := w.scope[key]; !ok {
		w.scope[key] = n
	}
}

// lookup binds an imported name ("name@VERSION" or "name") to its definition.
func (w *walker) lookup(name string) (node, bool) {
	if n, ok := w.scope[name]; ok {
		return n, true
	}
	if i := strings.IndexByte(name, '@'); i > 0 {
		n, ok := w.scope[name[:i]]
		return n, ok
	}
	return node{}, false
}

func funcIndex(s *summary, a uint64) int {
	i := sort.Search(len(s.Funcs), func(i int) bool { return s.Funcs[i].Start > a }) - 1
	if i >= 0 && a < s.Funcs[i].End {
		return i
	}
	return -1
}

func (w *walker) fn(n node) *fnSummary { return &w.pr.objs[n.obj].sum.Funcs[n.fn] }

// push queues a function; viaWrapperCall says the caller passed a known syscall number.
func (w *walker) push(n, from node, viaWrapperCall bool) {
	f := w.fn(n)
	if f.WrapperReg >= 0 && !viaWrapperCall && !w.wrapOK[n] {
		w.wrapOK[n] = true
		w.unresolved(n, f.Start, fmt.Sprintf("syscall wrapper %s is reached without a known number (from an entry point or an indirect call)", w.funcName(n)))
	}
	if w.visited[n.obj][n.fn] {
		return
	}
	w.visited[n.obj][n.fn] = true
	w.parent[n.obj][n.fn] = from
	w.queue = append(w.queue, n)
}

func (w *walker) take(n, from node) {
	if w.takenSet[n] {
		return
	}
	w.takenSet[n] = true
	w.taken = append(w.taken, n)
	if w.indirect != noNode {
		if from == noNode {
			from = w.indirect
		}
		w.push(n, w.indirect, false)
	}
}

func (w *walker) visit(n node) {
	o := w.pr.objs[n.obj]
	f := w.fn(n)
	for _, s := range f.Sites {
		w.site(n, s.Addr, s.Nr, s.Reason)
	}
	for _, c := range f.Calls {
		if fi := funcIndex(o.sum, c); fi >= 0 {
			w.push(node{n.obj, int32(fi)}, n, false)
		}
	}
	for _, c := range f.WCalls {
		if fi := funcIndex(o.sum, c); fi >= 0 {
			w.push(node{n.obj, int32(fi)}, n, true)
		}
	}
	for _, ic := range f.ImportCalls {
		t, ok := w.lookup(o.sum.Imports[ic.Import])
		if !ok {
			continue // undefined: its library is missing (reported), or a weak symbol
		}
		tf := w.fn(t)
		if tf.WrapperReg < 0 {
			w.push(t, n, false)
			continue
		}
		if tf.WrapperReg != int(w.isa.argReg) {
			w.push(t, n, false)
			continue
		}
		for _, v := range ic.Arg {
			if v.K == vConst {
				w.site(n, ic.Addr, v.V, "")
			} else {
				w.site(n, ic.Addr, -1, "the number passed to "+w.funcName(t)+" is computed or loaded from memory")
			}
		}
		w.push(t, n, true)
	}
	for _, a := range f.CodeTaken {
		if fi := funcIndex(o.sum, a); fi >= 0 {
			w.take(node{n.obj, int32(fi)}, n)
		}
	}
	if f.Indirect && w.indirect == noNode {
		w.indirect = n
		for _, t := range w.taken {
			w.push(t, n, false)
		}
	}
}

func (w *walker) site(n node, addr uint64, nr int64, reason string) {
	if nr < 0 {
		w.unresolved(n, addr, reason)
		return
	}
	name, ok := syscalls.Name(w.arch, int(nr))
	if !ok {
		w.unresolved(n, addr, fmt.Sprintf("number %d is not a syscall on %s", nr, w.arch.Name()))
		return
	}
	set := w.acc.arches[w.arch.String()]
	if _, ok := set[int(nr)]; ok {
		return
	}
	set[int(nr)] = Reachable{Name: name, Nr: int(nr), Chain: w.chain(n, addr)}
}

func (w *walker) unresolved(n node, addr uint64, reason string) {
	o := w.pr.objs[n.obj]
	key := fmt.Sprintf("%s\x00%x", o.e.path, addr)
	if _, ok := w.acc.unresolved[key]; ok {
		return
	}
	w.acc.unresolved[key] = Site{Object: o.e.path, Function: w.fn(n).Name, Addr: addr, Arch: w.arch.String(), Reason: reason}
}

// chain lists the functions from an entry point to n, the last frame at the site itself.
func (w *walker) chain(n node, site uint64) []Frame {
	var rev []Frame
	for cur, i := n, 0; cur != noNode && i < 1000; i++ {
		o := w.pr.objs[cur.obj]
		f := w.fn(cur)
		rev = append(rev, Frame{Object: o.e.path, Function: f.Name, Addr: f.Start})
		cur = w.parent[cur.obj][cur.fn]
	}
	rev[0].Addr = site
	out := make([]Frame, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

func (w *walker) funcName(n node) string {
	f := w.fn(n)
	o := w.pr.objs[n.obj]
	if f.Name != "" {
		return fmt.Sprintf("%s in %s", f.Name, baseName(o.e.path))
	}
	return fmt.Sprintf("the function at %#x in %s", f.Start, baseName(o.e.path))
}

// dlopenNames are the functions that load libraries at run time.
var dlopenNames = map[string]bool{"dlopen": true, "dlmopen": true, "__libc_dlopen_mode": true, "_dl_open": true}

// execNames are the syscalls that run another program.
var execNames = map[string]bool{"execve": true, "execveat": true}

// notes says what the static set cannot account for.
func (w *walker) notes() {
	for oi, o := range w.pr.objs {
		for fi, f := range o.sum.Funcs {
			if !w.visited[oi][fi] {
				continue
			}
			if dlopenNames[f.Name] && !o.exported {
				w.acc.note(Note{Kind: NoteDlopen, Object: o.e.path, Where: f.Name,
					Detail: "libraries loaded at run time are not analyzed: analyze the running process with --pid, or the modules themselves"})
			}
			for _, ic := range f.ImportCalls {
				name := o.sum.Imports[ic.Import]
				if i := strings.IndexByte(name, '@'); i > 0 {
					name = name[:i]
				}
				if dlopenNames[name] {
					w.acc.note(Note{Kind: NoteDlopen, Object: o.e.path, Where: w.funcName(node{int32(oi), int32(fi)}),
						Detail: "calls " + name + ": libraries loaded at run time are not analyzed: analyze the running process with --pid, or the modules themselves"})
				}
			}
		}
		for _, a := range o.sum.Int80 {
			if fi := funcIndex(o.sum, a); fi >= 0 && w.visited[oi][fi] {
				w.acc.note(Note{Kind: NoteInt80, Object: o.e.path, Where: fmt.Sprintf("%#x", a),
					Detail: "a 32-bit system call (int $0x80) uses the i386 table: its number is not resolved and not in this set"})
			}
		}
	}
	for nr, r := range w.acc.arches[w.arch.String()] {
		if execNames[r.Name] {
			w.acc.note(Note{Kind: NoteExec, Object: w.pr.objs[0].e.path, Where: r.Why(),
				Detail: fmt.Sprintf("%s (%d) is reachable: programs it runs make their own syscalls; analyze them too", r.Name, nr)})
		}
	}
}
