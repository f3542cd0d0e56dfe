package analyze

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Limits that keep memory bounded whatever the input claims.
const (
	maxCodeBytes = 512 << 20 // executable bytes decoded per object
	maxDataBytes = 512 << 20 // bytes scanned for code pointers per object
	maxFuncs     = 4 << 20
)

// elfFile is one opened ELF object with what the loader needs to find its libraries.
type elfFile struct {
	path    string // as shown to the user
	osPath  string // where it is read from (inside the root filesystem)
	file    *os.File
	f       *elf.File
	size    int64
	arch    syscalls.Arch
	isa     *isaInfo
	buildID string
	soname  string
	interp  string
	needed  []string
	rpath   []string
	runpath []string
	static  bool
}

// isLibrary says whether the object is a shared library rather than an executable: it
// has a soname, or it is a shared object with no program interpreter that is not a
// position-independent executable. dlopen'ed modules (perl's XS modules, Python's
// extension modules, PostgreSQL's extensions, libc's converters) seldom have a soname,
// and every function they export may be called.
func (e *elfFile) isLibrary() bool {
	if e.soname != "" {
		return true
	}
	if e.f.Type != elf.ET_DYN || e.interp != "" {
		return false
	}
	if flags, err := e.f.DynValue(elf.DT_FLAGS_1); err == nil && len(flags) > 0 && elf.DynFlag1(flags[0])&elf.DF_1_PIE != 0 {
		return false
	}
	return true
}

// InputError is bad input: the file is not something the analyzer can read. The CLI exits
// with status 2 on it.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// ErrUnsupportedArch is wrapped when an ELF file is for an architecture not analyzed here.
var ErrUnsupportedArch = errors.New("unsupported architecture")

// openELF opens and validates an ELF file; the caller closes it.
func openELF(osPath, shown string) (*elfFile, error) {
	bad := func(err error) error { return &InputError{Path: shown, Err: err} }
	st, err := os.Stat(osPath)
	if err != nil {
		return nil, bad(err)
	}
	if st.IsDir() {
		return nil, bad(errors.New("is a directory, not an ELF file (use --rootfs for a root filesystem)"))
	}
	if !st.Mode().IsRegular() {
		return nil, bad(errors.New("not a regular file"))
	}
	fh, err := os.Open(osPath)
	if err != nil {
		return nil, bad(err)
	}
	var magic [4]byte
	if _, err := fh.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		fh.Close()
		return nil, bad(errors.New("not an ELF file"))
	}
	f, err := elf.NewFile(fh)
	if err != nil {
		fh.Close()
		return nil, bad(fmt.Errorf("corrupt ELF file: %w", err))
	}
	e := &elfFile{path: shown, osPath: osPath, file: fh, f: f, size: st.Size()}
	if err := e.validate(); err != nil {
		e.close()
		return nil, bad(err)
	}
	return e, nil
}

func (e *elfFile) close() {
	if e.file != nil {
		e.file.Close()
	}
}

func (e *elfFile) validate() error {
	f := e.f
	switch {
	case f.Class == elf.ELFCLASS64 && f.Machine == elf.EM_X86_64 && f.Data == elf.ELFDATA2LSB:
		e.arch, e.isa = syscalls.X86_64, &x86ISA
	case f.Class == elf.ELFCLASS64 && f.Machine == elf.EM_AARCH64 && f.Data == elf.ELFDATA2LSB:
		e.arch, e.isa = syscalls.AArch64, &arm64ISA
	default:
		return fmt.Errorf("%w %s (%s): only x86_64 and aarch64 are analyzed", ErrUnsupportedArch, f.Machine, f.Class)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("ELF type %s is not an executable or shared library", f.Type)
	}
	if len(f.Sections) == 0 {
		return errors.New("no section headers: the analyzer needs them to find code and relocations")
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Type == elf.SHT_NULL {
			continue
		}
		if s.Offset > uint64(e.size) || s.FileSize > uint64(e.size)-s.Offset {
			return fmt.Errorf("corrupt ELF file: section %s runs past the end of the file", s.Name)
		}
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, min(p.Filesz, 4096))
			if _, err := p.ReadAt(b, 0); err != nil && err != io.EOF {
				return fmt.Errorf("corrupt ELF file: reading the interpreter: %w", err)
			}
			e.interp = string(bytes.TrimRight(b, "\x00"))
		}
	}
	if s := f.Section(".note.gnu.build-id"); s != nil && s.Size < 1024 {
		if b, err := s.Data(); err == nil && len(b) > 16 {
			namesz := binary.LittleEndian.Uint32(b)
			descsz := binary.LittleEndian.Uint32(b[4:])
			start := 12 + int((namesz+3)&^3)
			if start+int(descsz) <= len(b) && descsz > 0 {
				e.buildID = hex.EncodeToString(b[start : start+int(descsz)])
			}
		}
	}
	if f.Section(".dynamic") == nil {
		e.static = true
		return nil
	}
	var err error
	if e.needed, err = f.DynString(elf.DT_NEEDED); err != nil {
		return fmt.Errorf("corrupt ELF file: dynamic section: %w", err)
	}
	if s, _ := f.DynString(elf.DT_SONAME); len(s) > 0 {
		e.soname = s[0]
	}
	e.rpath = splitPaths(f, elf.DT_RPATH)
	e.runpath = splitPaths(f, elf.DT_RUNPATH)
	e.static = e.interp == "" && len(e.needed) == 0 && f.Type == elf.ET_EXEC
	return nil
}

func splitPaths(f *elf.File, tag elf.DynTag) []string {
	ss, _ := f.DynString(tag)
	var out []string
	for _, s := range ss {
		for _, p := range strings.Split(s, ":") {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// isGo reports a Go binary: Go keeps its function table in .gopclntab.
func (e *elfFile) isGo() bool {
	return e.f.Section(".gopclntab") != nil || e.f.Section(".go.buildinfo") != nil
}

// summary is what the analysis of one object yields, independent of where the object is
// and what loads it; it is what the cache stores.
type summary struct {
	Arch        string
	Funcs       []fnSummary // sorted by Start
	Exports     []export
	Imports     []string // names ("name" or "name@VERSION") referred to by ImportCalls
	EntryPoint  uint64   // e_entry: run when the object is the program (or the loader)
	Entries     []uint64 // DT_INIT/FINI, init/fini arrays: run whenever the object is loaded
	DataTaken   []uint64 // function starts whose address is stored in data
	DataImports []int    // imports whose address is stored in data (GLOB_DAT, absolute relocations)
	Int80       []uint64 // 32-bit system call instructions
	Sites       int      // syscall instructions and wrapper calls found
	Undecoded   int      // bytes of code that did not decode
}

type export struct {
	Name    string
	Version string
	Hidden  bool // only reachable as name@VERSION
	Addr    uint64
	IFunc   bool
}

type fnSummary struct {
	Start, End  uint64
	Name        string
	Calls       []uint64 // local functions called or jumped to
	WCalls      []uint64 // local syscall wrappers called with the number resolved at the call
	ImportCalls []importCall
	CodeTaken   []uint64 // function starts whose address the code computes
	Indirect    bool     // calls or jumps through a pointer
	Sites       []siteSummary
	WrapperReg  int // -1, or the parameter whose entry value becomes a syscall number: a register number, or stackParam+offset for a stack slot
}

type importCall struct {
	Import int // index into summary.Imports
	Addr   uint64
	Arg    []value // values of the first argument register at the call (for syscall())
}

type siteSummary struct {
	Addr   uint64
	Nr     int64 // -1 when unresolved
	Reason string
}

// gotSlot says what a GOT slot or PLT target holds once relocated.
type gotSlot struct {
	imp   int    // index into Imports, or -1
	local uint64 // a local address (RELATIVE, IRELATIVE resolver), or 0
	ifunc bool
}

// builder holds the state of one object's analysis.
type builder struct {
	e        *elfFile
	s        *summary
	starts   []uint64
	ends     []uint64
	names    []string
	impIdx   map[string]int
	got      map[uint64]gotSlot
	pltSecs  []*elf.Section
	ifuncRes map[uint64]bool
	dynsyms  []elf.Symbol
	exact    map[uint64]fnBound // functions bounded by a symbol, FDE or pclntab
	gap      []bool             // per function: a piece of code no symbol or FDE covers
	dataPtrs []uint64           // code addresses stored in data
	textLo   uint64
	textHi   uint64
	sync     map[int][]uint64 // per function: addresses inside it referenced from elsewhere
	midRefs  map[int][]uint64 // per function: code references into its middle
	pltCache map[uint64]pltEntry
}

type fnBound struct {
	end  uint64
	name string
}

// analyzeObject computes the summary of one ELF object.
func analyzeObject(e *elfFile) (*summary, error) {
	b := &builder{e: e, s: &summary{Arch: e.arch.String()}, impIdx: map[string]int{}, got: map[uint64]gotSlot{}, ifuncRes: map[uint64]bool{}}
	if err := b.functions(); err != nil {
		return nil, &InputError{Path: e.path, Err: err}
	}
	if err := b.relocations(); err != nil {
		return nil, &InputError{Path: e.path, Err: err}
	}
	if e.f.Type == elf.ET_EXEC {
		if err := b.scanData(); err != nil {
			return nil, &InputError{Path: e.path, Err: err}
		}
	}
	if err := b.splitGaps(); err != nil {
		return nil, &InputError{Path: e.path, Err: err}
	}
	for _, v := range b.dataPtrs {
		if fi := b.funcAt(v); fi >= 0 {
			// A pointer into the middle of a function (a computed-goto label) keeps that
			// function reachable through indirect calls.
			b.s.DataTaken = append(b.s.DataTaken, b.starts[fi])
		}
	}
	b.entries()
	if err := b.code(); err != nil {
		return nil, &InputError{Path: e.path, Err: err}
	}
	b.s.DataTaken = sortUniq(b.s.DataTaken)
	return b.s, nil
}

// functions finds function boundaries: symbols, then .eh_frame FDEs for what symbols miss
// (stripped libraries), then Go's pclntab, then the gaps in executable sections.
func (b *builder) functions() error {
	f := b.e.f
	type fn struct {
		end  uint64
		name string
	}
	fns := map[uint64]fn{}
	// end == start means the size is unknown (assembly labels, the entry point): the
	// function runs to the next known start.
	add := func(start, end uint64, name string) {
		if start == 0 || end < start || !b.inText(start) {
			return
		}
		old, ok := fns[start]
		if ok {
			if old.name != "" {
				name = old.name
			}
			end = max(end, old.end)
		}
		fns[start] = fn{end, name}
	}
	var err error
	b.dynsyms, err = f.DynamicSymbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return fmt.Errorf("corrupt ELF file: dynamic symbols: %w", err)
	}
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return fmt.Errorf("corrupt ELF file: symbols: %w", err)
	}
	for _, list := range [][]elf.Symbol{syms, b.dynsyms} {
		for _, s := range list {
			t := elf.ST_TYPE(s.Info)
			if (t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC) && s.Section != elf.SHN_UNDEF && s.Value != 0 {
				add(s.Value, s.Value+s.Size, s.Name)
			}
		}
	}
	if s := f.Section(".eh_frame"); s != nil && s.Type != elf.SHT_NOBITS {
		data, err := s.Data()
		if err != nil {
			return fmt.Errorf("corrupt ELF file: .eh_frame: %w", err)
		}
		fdes, _ := parseEHFrame(data, s.Addr) // a damaged record ends the walk; what was read is kept
		for _, r := range fdes {
			add(r.start, r.end, "")
		}
	}
	if len(syms) == 0 && b.e.isGo() {
		b.goFuncs(add)
	}
	for _, s := range b.dynsyms {
		if elf.ST_TYPE(s.Info) == elf.STT_GNU_IFUNC && s.Section != elf.SHN_UNDEF {
			b.ifuncRes[s.Value] = true
		}
	}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_GNU_IFUNC && s.Section != elf.SHN_UNDEF {
			b.ifuncRes[s.Value] = true
		}
	}
	if e := f.Entry; e != 0 && b.inText(e) {
		if _, ok := fns[e]; !ok {
			add(e, e, "")
		}
	}
	if len(fns) > maxFuncs {
		return fmt.Errorf("more than %d functions", maxFuncs)
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR != 0 && (strings.HasPrefix(s.Name, ".plt") || s.Name == ".iplt") {
			b.pltSecs = append(b.pltSecs, s)
		}
	}
	b.exact = map[uint64]fnBound{}
	for a, f := range fns {
		b.exact[a] = fnBound{f.end, f.name}
	}
	for i, sec := range b.textSections() {
		if i == 0 || sec.Addr < b.textLo {
			b.textLo = sec.Addr
		}
		b.textHi = max(b.textHi, sec.Addr+sec.Size)
	}
	b.layout(nil)
	return nil
}

// layout sets the function table from the exact functions plus extra starts found in
// code no symbol or FDE covers; such code between known starts becomes a function of its
// own, so that no syscall instruction is missed.
func (b *builder) layout(extra map[uint64]bool) {
	all := make([]uint64, 0, len(b.exact)+len(extra))
	for a := range b.exact {
		all = append(all, a)
	}
	for a := range extra {
		if _, ok := b.exact[a]; !ok {
			all = append(all, a)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	var starts, ends []uint64
	var names []string
	var gap []bool
	for _, sec := range b.textSections() {
		lo, hi := sec.Addr, sec.Addr+sec.Size
		i := sort.Search(len(all), func(i int) bool { return all[i] >= lo })
		cur := lo
		for ; i < len(all) && all[i] < hi; i++ {
			st := all[i]
			if st < cur {
				continue // inside an exact function
			}
			if st > cur {
				starts, ends, names, gap = append(starts, cur), append(ends, st), append(names, ""), append(gap, true)
			}
			f, isExact := b.exact[st]
			end := hi
			if isExact && f.end > st {
				end = min(f.end, hi)
			} else {
				isExact = false // unknown size: may fall through into what follows
			}
			if i+1 < len(all) && all[i+1] < end {
				end = all[i+1]
			}
			if end <= st {
				end = st + 1
			}
			starts, ends, names, gap = append(starts, st), append(ends, end), append(names, f.name), append(gap, !isExact)
			cur = end
		}
		if cur < hi {
			starts, ends, names, gap = append(starts, cur), append(ends, hi), append(names, ""), append(gap, true)
		}
	}
	b.starts, b.ends, b.names, b.gap = starts, ends, names, gap
}

// splitGaps finds function starts in code no symbol or FDE covers (stripped static
// binaries built without unwind tables): targets of direct calls, addresses computed by
// the code and addresses stored in data.
func (b *builder) splitGaps() error {
	extra := map[uint64]bool{}
	inGap := func(a uint64) bool {
		fi := b.funcAt(a)
		return fi >= 0 && b.gap[fi]
	}
	for _, v := range b.dataPtrs {
		if inGap(v) {
			extra[v] = true
		}
	}
	total := 0
	for fi := range b.starts {
		if !b.gap[fi] {
			continue
		}
		code := make([]byte, b.ends[fi]-b.starts[fi])
		total += len(code)
		if total > maxCodeBytes {
			return errors.New("more than 512 MiB of code")
		}
		if !b.readAt(b.starts[fi], code) {
			continue
		}
		for off := 0; off < len(code); {
			m := b.e.isa.decode(code[off:], b.starts[fi]+uint64(off))
			off += int(m.size)
			if m.kind == kCall && inGap(m.target) {
				extra[m.target] = true
			}
			if m.ref != 0 && !m.memRef && m.pageDef < 0 && inGap(m.ref) {
				extra[m.ref] = true
			}
		}
	}
	if len(extra) > 0 {
		b.layout(extra)
	}
	return nil
}

func (b *builder) goFuncs(add func(start, end uint64, name string)) {
	f := b.e.f
	pcln := f.Section(".gopclntab")
	text := f.Section(".text")
	if pcln == nil || text == nil {
		return
	}
	data, err := pcln.Data()
	if err != nil {
		return
	}
	// Functions are offsets from the start of Go's text, which follows any C code of a
	// cgo binary: Go 1.18+ records that address in the pclntab header.
	start := text.Addr
	if len(data) >= 8+3*8 && (binary.LittleEndian.Uint32(data) == 0xfffffff0 || binary.LittleEndian.Uint32(data) == 0xfffffff1) && data[7] == 8 {
		if v := binary.LittleEndian.Uint64(data[8+2*8:]); v >= text.Addr && v < text.Addr+text.Size {
			start = v
		}
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, start))
	if err != nil {
		return
	}
	for _, fn := range tab.Funcs {
		add(fn.Entry, fn.End, fn.Name)
	}
}

// textSections are the executable sections holding functions (PLT stubs are not functions).
func (b *builder) textSections() []*elf.Section {
	var out []*elf.Section
	for _, s := range b.e.f.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS || s.Size == 0 {
			continue
		}
		if strings.HasPrefix(s.Name, ".plt") || s.Name == ".iplt" {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (b *builder) inText(a uint64) bool {
	for _, s := range b.e.f.Sections {
		if s.Flags&elf.SHF_EXECINSTR != 0 && s.Type == elf.SHT_PROGBITS && a >= s.Addr && a < s.Addr+s.Size {
			return true
		}
	}
	return false
}

// funcAt returns the index of the function containing a, or -1.
func (b *builder) funcAt(a uint64) int {
	i := sort.Search(len(b.starts), func(i int) bool { return b.starts[i] > a }) - 1
	if i >= 0 && a < b.ends[i] {
		return i
	}
	return -1
}

// funcStart returns the index of the function starting at a, or -1.
func (b *builder) funcStart(a uint64) int {
	i := sort.Search(len(b.starts), func(i int) bool { return b.starts[i] >= a })
	if i < len(b.starts) && b.starts[i] == a {
		return i
	}
	return -1
}

func (b *builder) importIndex(name string) int {
	if i, ok := b.impIdx[name]; ok {
		return i
	}
	b.impIdx[name] = len(b.s.Imports)
	b.s.Imports = append(b.s.Imports, name)
	return len(b.s.Imports) - 1
}

func symKey(s elf.Symbol) string {
	if s.Version != "" {
		return s.Name + "@" + s.Version
	}
	return s.Name
}
