package analyze

import (
	"debug/elf"
	"errors"
	"fmt"
	"sort"
)

// localCall is a direct call or tail jump from one function of the object to another.
type localCall struct {
	caller, callee int
	addr           uint64
	fall           bool // falls through at addr (the caller's end) instead of calling
}

// code decodes every function: syscall sites with their numbers, calls, address-taken
// functions; then resolves the numbers passed to the object's own syscall wrappers.
func (b *builder) code() error {
	isGo := b.e.isGo()
	secs := map[*elf.Section][]byte{}
	total := 0
	secData := func(a uint64) (*elf.Section, []byte, error) {
		for _, s := range b.e.f.Sections {
			if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS || a < s.Addr || a >= s.Addr+s.Size {
				continue
			}
			if d, ok := secs[s]; ok {
				return s, d, nil
			}
			total += int(s.Size)
			if total > maxCodeBytes {
				return nil, nil, errors.New("more than 512 MiB of code")
			}
			d, err := s.Data()
			if err != nil {
				return nil, nil, fmt.Errorf("corrupt ELF file: %s: %w", s.Name, err)
			}
			secs[s] = d
			return s, d, nil
		}
		return nil, nil, nil
	}
	decode := func(i int) (*fnCode, error) {
		s, d, err := secData(b.starts[i])
		if err != nil || s == nil {
			return nil, err
		}
		lo := b.starts[i] - s.Addr
		hi := min(b.ends[i]-s.Addr, uint64(len(d)))
		return decodeFn(b.e.isa, d[lo:hi], b.starts[i], isGo, b.sync[i]...), nil
	}
	b.s.Funcs = make([]fnSummary, len(b.starts))
	b.sync = map[int][]uint64{}
	b.midRefs = map[int][]uint64{}
	b.pltCache = map[uint64]pltEntry{}
	for _, v := range b.dataPtrs {
		if ci := b.funcAt(v); ci >= 0 && v != b.starts[ci] {
			b.sync[ci] = append(b.sync[ci], v)
		}
	}
	var calls []localCall
	for i := range b.starts {
		fs := &b.s.Funcs[i]
		fs.Start, fs.End, fs.Name, fs.WrapperReg = b.starts[i], b.ends[i], b.names[i], -1
		fn, err := decode(i)
		if err != nil {
			return err
		}
		if fn == nil {
			continue
		}
		calls = b.scanFn(i, fn, fs, calls)
	}
	// Code referenced inside a function at an address the linear sweep did not decode as
	// an instruction (glibc's signal restorer begins one byte into its unwind range):
	// decode those functions again, restarting at the referenced addresses.
	redo := map[int]bool{}
	for ci, refs := range b.midRefs {
		fn, err := decode(ci)
		if err != nil || fn == nil {
			continue
		}
		for _, ref := range refs {
			if fn.index(ref) < 0 {
				b.sync[ci] = append(b.sync[ci], ref)
				redo[ci] = true
			}
		}
	}
	for ci := range redo {
		fn, err := decode(ci)
		if err != nil || fn == nil {
			continue
		}
		fs := &b.s.Funcs[ci]
		*fs = fnSummary{Start: fs.Start, End: fs.End, Name: fs.Name, WrapperReg: -1}
		kept := calls[:0]
		for _, c := range calls {
			if c.caller != ci {
				kept = append(kept, c)
			}
		}
		calls = b.scanFn(ci, fn, fs, kept)
	}
	b.resolveWrappers(calls, decode)
	for i := range b.s.Funcs {
		fs := &b.s.Funcs[i]
		if b.ifuncRes[fs.Start] {
			// An IFUNC resolver returns one of the functions it takes the address of:
			// calling the symbol calls one of them.
			fs.Calls = append(fs.Calls, fs.CodeTaken...)
		}
		fs.Calls = sortUniq(fs.Calls)
		fs.WCalls = sortUniq(fs.WCalls)
		fs.CodeTaken = sortUniq(fs.CodeTaken)
	}
	b.exports()
	return nil
}

// scanFn collects what one decoded function does.
func (b *builder) scanFn(fi int, fn *fnCode, fs *fnSummary, calls []localCall) []localCall {
	isa := b.e.isa
	pages := map[int8]uint64{}
	for ii := range fn.insts {
		m := &fn.insts[ii]
		// Addresses built by adrp+add/ldr (aarch64) or referred to directly.
		ref, memRef := m.ref, m.memRef
		if m.pageUse >= 0 {
			if p, ok := pages[m.pageUse]; ok {
				ref, memRef = p+uint64(m.pageOff), m.pageLoad
			}
		}
		if m.pageDef >= 0 {
			pages[m.pageDef] = m.ref
		} else if m.op != eNone && m.dst >= 0 {
			delete(pages, m.dst)
		}
		switch m.kind {
		case kBad:
			b.s.Undecoded++
		case kInt80:
			b.s.Int80 = append(b.s.Int80, m.addr)
		case kSyscall:
			b.s.Sites++
			b.addSite(fs, m.addr, fn.valuesAt(ii, loc{reg: isa.numReg}), "")
		case kCall, kJmp, kJcc:
			if m.target >= fn.start && m.target < fn.end && m.kind != kCall {
				break // a jump inside the function
			}
			if slot, ok := b.pltSlot(m.target); ok {
				calls = b.callSlot(fi, fn, ii, fs, slot, calls)
				break
			}
			if ci := b.funcAt(m.target); ci >= 0 {
				calls = append(calls, localCall{fi, ci, m.addr, false})
			}
		case kIndCall, kIndJmp:
			if memRef {
				if slot, ok := b.got[ref]; ok {
					calls = b.callSlot(fi, fn, ii, fs, slot, calls)
					break
				}
			}
			// A register (aarch64 loads the GOT slot first) may still hold a GOT value;
			// either way the target is some function whose address was taken.
			fs.Indirect = true
		}
		if ref != 0 && m.kind != kIndCall && m.kind != kIndJmp && m.pageDef < 0 {
			if memRef {
				if slot, ok := b.got[ref]; ok && slot.imp >= 0 {
					b.s.DataImports = append(b.s.DataImports, slot.imp) // a function pointer loaded from the GOT
				}
			} else if ci := b.funcAt(ref); ci >= 0 {
				if ref != b.starts[ci] && (ci != fi || fn.index(ref) < 0) {
					b.midRefs[ci] = append(b.midRefs[ci], ref)
				}
				// The start of a function, or a label inside one (glibc's signal restorer
				// sits one byte into its unwind range): that function may run.
				fs.CodeTaken = append(fs.CodeTaken, b.starts[ci])
			} else if slot, ok := b.pltSlot(ref); ok && slot.imp >= 0 {
				b.s.DataImports = append(b.s.DataImports, slot.imp) // address of an imported function via its PLT entry
			}
		}
	}
	if n := len(fn.insts); n > 0 {
		// Code without symbols or unwind tables may fall through into the next piece, and
		// so may a function into code its unwind range leaves out (glibc's clone3 ends
		// its range just before the syscall instruction).
		switch fn.insts[n-1].kind {
		case kRet, kJmp, kIndJmp:
		default:
			// Alignment padding between a function that ends in a call and the next one
			// means that call does not return (__stack_chk_fail, abort): a compiler never
			// places a call's continuation in padding, so nothing runs on into what follows.
			if b.gap[fi] && fn.onlyPadding() {
				break
			}
			if ci := b.funcAt(fn.end); ci >= 0 && (b.gap[fi] || b.gap[ci]) {
				calls = append(calls, localCall{fi, ci, fn.end, true})
			}
		}
	}
	return calls
}

// callSlot records a call through a PLT entry or GOT slot.
func (b *builder) callSlot(fi int, fn *fnCode, ii int, fs *fnSummary, slot gotSlot, calls []localCall) []localCall {
	if slot.imp >= 0 {
		fs.ImportCalls = append(fs.ImportCalls, importCall{Import: slot.imp, Addr: fn.insts[ii].addr, Arg: fn.valuesAt(ii, loc{reg: b.e.isa.argReg})})
		return calls
	}
	if ci := b.funcAt(slot.local); ci >= 0 {
		calls = append(calls, localCall{fi, ci, fn.insts[ii].addr, false})
	}
	return calls
}

// addSite records the numbers a site may use: constants become resolved sites, an entry
// value makes the function a wrapper, anything else is an unresolved site.
func (b *builder) addSite(fs *fnSummary, addr uint64, vals []value, via string) {
	for _, v := range vals {
		switch v.K {
		case vConst:
			fs.Sites = append(fs.Sites, siteSummary{Addr: addr, Nr: v.V})
		case vParam:
			if fs.WrapperReg < 0 || fs.WrapperReg == int(v.V) {
				fs.WrapperReg = int(v.V)
				continue
			}
			fs.Sites = append(fs.Sites, siteSummary{Addr: addr, Nr: -1, Reason: "the number comes from two different parameters"})
		default:
			reason := "the number is computed or loaded from memory"
			if via != "" {
				reason = "the number passed to " + via + " is computed or loaded from memory"
			}
			fs.Sites = append(fs.Sites, siteSummary{Addr: addr, Nr: -1, Reason: reason})
		}
	}
}

// pltSlot finds the GOT slot a PLT entry jumps through.
func (b *builder) pltSlot(a uint64) (gotSlot, bool) {
	if e, ok := b.pltCache[a]; ok {
		return e.slot, e.ok
	}
	s, ok := b.pltSlotUncached(a)
	b.pltCache[a] = pltEntry{s, ok}
	return s, ok
}

type pltEntry struct {
	slot gotSlot
	ok   bool
}

func (b *builder) pltSlotUncached(a uint64) (gotSlot, bool) {
	var sec *elf.Section
	for _, s := range b.pltSecs {
		if a >= s.Addr && a < s.Addr+s.Size {
			sec = s
		}
	}
	if sec == nil {
		return gotSlot{}, false
	}
	code := make([]byte, 16)
	if n, _ := sec.ReadAt(code, int64(a-sec.Addr)); n < 4 {
		return gotSlot{}, false
	}
	pages := map[int8]uint64{}
	for off := 0; off < len(code); {
		m := b.e.isa.decode(code[off:], a+uint64(off))
		off += int(m.size)
		if m.pageDef >= 0 {
			pages[m.pageDef] = m.ref
			continue
		}
		if m.pageUse >= 0 && m.pageLoad {
			if p, ok := pages[m.pageUse]; ok {
				s, ok := b.got[p+uint64(m.pageOff)]
				return s, ok
			}
		}
		if m.memRef && (m.kind == kIndJmp || m.kind == kIndCall) {
			s, ok := b.got[m.ref]
			return s, ok
		}
		if m.kind == kIndJmp || m.kind == kJmp || m.kind == kRet {
			break
		}
	}
	return gotSlot{}, false
}

// resolveWrappers finds the numbers passed to the object's syscall wrappers at their call
// sites; a caller that passes on its own parameter becomes a wrapper too.
func (b *builder) resolveWrappers(calls []localCall, decode func(int) (*fnCode, error)) {
	byCallee := map[int][]localCall{}
	for _, c := range calls {
		byCallee[c.callee] = append(byCallee[c.callee], c)
	}
	var work []int
	for i := range b.s.Funcs {
		if b.s.Funcs[i].WrapperReg >= 0 {
			work = append(work, i)
		}
	}
	wrapperCall := map[localCall]bool{}
	decoded := map[int]*fnCode{}
	for len(work) > 0 {
		w := work[0]
		work = work[1:]
		reg := b.s.Funcs[w].WrapperReg
		for _, c := range byCallee[w] {
			if wrapperCall[c] || c.caller == w {
				continue
			}
			wrapperCall[c] = true
			fn, ok := decoded[c.caller]
			if !ok {
				fn, _ = decode(c.caller)
				decoded[c.caller] = fn
			}
			if fn == nil {
				continue
			}
			ii, kind := fn.index(c.addr), kCall
			if c.fall {
				ii, kind = len(fn.insts), kJmp
			} else if ii >= 0 {
				kind = fn.insts[ii].kind
			}
			if ii < 0 {
				continue
			}
			caller := &b.s.Funcs[c.caller]
			was := caller.WrapperReg
			b.s.Sites++
			b.addSite(caller, c.addr, fn.valuesAt(ii, b.paramLoc(reg, kind)), b.funcName(w))
			caller.WCalls = append(caller.WCalls, b.starts[w])
			if was < 0 && caller.WrapperReg >= 0 {
				work = append(work, c.caller)
			}
		}
	}
	for _, c := range calls {
		if !wrapperCall[c] {
			b.s.Funcs[c.caller].Calls = append(b.s.Funcs[c.caller].Calls, b.starts[c.callee])
		}
	}
}

// paramLoc is where a caller puts parameter p just before calling (or jumping to) a
// function: a register, or the stack slot that becomes the callee's entry slot.
func (b *builder) paramLoc(p int, kind uint8) loc {
	if p < stackParam {
		return loc{reg: int8(p)}
	}
	off := int64(p - stackParam)
	if kind == kCall {
		off -= b.e.isa.callPush
	}
	return loc{slot: true, off: off}
}

func (b *builder) funcName(i int) string {
	if b.names[i] != "" {
		return b.names[i]
	}
	return fmt.Sprintf("the function at %#x", b.starts[i])
}

// exports lists the functions other objects can bind to by name.
func (b *builder) exports() {
	for _, s := range b.dynsyms {
		t := elf.ST_TYPE(s.Info)
		if (t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC) || s.Section == elf.SHN_UNDEF || s.Value == 0 {
			continue
		}
		if elf.ST_BIND(s.Info) == elf.STB_LOCAL {
			continue
		}
		b.s.Exports = append(b.s.Exports, export{
			Name: s.Name, Version: s.Version, Hidden: s.HasVersion && s.VersionIndex.IsHidden(),
			Addr: s.Value, IFunc: t == elf.STT_GNU_IFUNC,
		})
	}
	sort.Slice(b.s.Exports, func(i, j int) bool { return b.s.Exports[i].Name < b.s.Exports[j].Name })
}
