package analyze

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Relocation types by meaning, per architecture.
type relocKinds struct{ abs64, globDat, jumpSlot, relative, irelative uint32 }

var (
	x86Relocs   = relocKinds{uint32(elf.R_X86_64_64), uint32(elf.R_X86_64_GLOB_DAT), uint32(elf.R_X86_64_JMP_SLOT), uint32(elf.R_X86_64_RELATIVE), uint32(elf.R_X86_64_IRELATIVE)}
	arm64Relocs = relocKinds{uint32(elf.R_AARCH64_ABS64), uint32(elf.R_AARCH64_GLOB_DAT), uint32(elf.R_AARCH64_JUMP_SLOT), uint32(elf.R_AARCH64_RELATIVE), uint32(elf.R_AARCH64_IRELATIVE)}
)

const shtRELR = elf.SectionType(19)

// relocations reads the dynamic relocations: what each GOT slot will hold (for PLT and
// GOT calls) and which function addresses are stored in data (indirect call targets).
func (b *builder) relocations() error {
	f := b.e.f
	kinds := x86Relocs
	if b.e.isa != &x86ISA {
		kinds = arm64Relocs
	}
	for _, sec := range f.Sections {
		switch sec.Type {
		case elf.SHT_RELA:
		case shtRELR:
			if err := b.relr(sec); err != nil {
				return err
			}
			continue
		default:
			continue
		}
		if sec.Flags&elf.SHF_ALLOC == 0 {
			continue // relocations of a relocatable link, not applied at run time
		}
		data, err := sec.Data()
		if err != nil {
			return fmt.Errorf("corrupt ELF file: %s: %w", sec.Name, err)
		}
		for i := 0; i+24 <= len(data); i += 24 {
			off := binary.LittleEndian.Uint64(data[i:])
			info := binary.LittleEndian.Uint64(data[i+8:])
			addend := binary.LittleEndian.Uint64(data[i+16:])
			typ, symIdx := uint32(info), int(info>>32)
			var sym *elf.Symbol
			if symIdx > 0 {
				if symIdx > len(b.dynsyms) {
					return fmt.Errorf("corrupt ELF file: %s: relocation %d names symbol %d of %d", sec.Name, i/24, symIdx, len(b.dynsyms))
				}
				sym = &b.dynsyms[symIdx-1]
			}
			b.reloc(kinds, typ, off, addend, sym)
		}
	}
	return nil
}

func (b *builder) reloc(k relocKinds, typ uint32, off, addend uint64, sym *elf.Symbol) {
	switch typ {
	case k.relative:
		b.got[off] = gotSlot{imp: -1, local: addend}
		b.dataPtr(addend)
	case k.irelative:
		b.got[off] = gotSlot{imp: -1, local: addend, ifunc: true}
		b.ifuncRes[addend] = true
	case k.jumpSlot, k.globDat, k.abs64:
		if sym == nil {
			if typ == k.abs64 {
				b.dataPtr(addend)
			}
			return
		}
		t := elf.ST_TYPE(sym.Info)
		if t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC && t != elf.STT_NOTYPE {
			return // a data object
		}
		// Symbols are bound by name at run time (an executable may interpose a library's
		// function), so even a locally defined one is looked up like an import.
		imp := b.importIndex(symKey(*sym))
		b.got[off] = gotSlot{imp: imp}
		if typ != k.jumpSlot {
			b.s.DataImports = append(b.s.DataImports, imp)
		}
	}
}

// relr reads a packed relative relocation section: the relocated words hold their
// addend in place.
func (b *builder) relr(sec *elf.Section) error {
	data, err := sec.Data()
	if err != nil {
		return fmt.Errorf("corrupt ELF file: %s: %w", sec.Name, err)
	}
	var where uint64
	for i := 0; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
		if w&1 == 0 {
			where = w
			b.relrWord(where)
			where += 8
			continue
		}
		for j := uint64(0); j < 63; j++ {
			if w>>(j+1)&1 != 0 {
				b.relrWord(where + j*8)
			}
		}
		where += 63 * 8
	}
	return nil
}

func (b *builder) relrWord(addr uint64) {
	var buf [8]byte
	if !b.readAt(addr, buf[:]) {
		return
	}
	b.dataPtr(binary.LittleEndian.Uint64(buf[:]))
}

// readAt reads memory at a virtual address from the file's loadable segments.
func (b *builder) readAt(addr uint64, buf []byte) bool {
	for _, p := range b.e.f.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr+uint64(len(buf)) > p.Vaddr+p.Filesz {
			continue
		}
		_, err := p.ReadAt(buf, int64(addr-p.Vaddr))
		return err == nil
	}
	return false
}

// entries lists where the loader or kernel starts running the object's code.
func (b *builder) entries() {
	f := b.e.f
	var out []uint64
	b.s.EntryPoint = f.Entry
	for _, tag := range []elf.DynTag{elf.DT_INIT, elf.DT_FINI} {
		if v, err := f.DynValue(tag); err == nil {
			out = append(out, v...)
		}
	}
	for _, name := range []string{".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors"} {
		s := f.Section(name)
		if s == nil || s.Type == elf.SHT_NOBITS || s.Size > 1<<20 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		for i := 0; i+8 <= len(data); i += 8 {
			a := binary.LittleEndian.Uint64(data[i:])
			if slot, ok := b.got[s.Addr+uint64(i)]; ok && slot.local != 0 {
				a = slot.local // PIE: the array holds zeros and RELATIVE relocations
			}
			if a != 0 && a != ^uint64(0) {
				out = append(out, a)
			}
		}
	}
	b.s.Entries = sortUniq(out)
}

// scanData looks for function addresses stored in the data of a position-dependent
// executable, where no relocation marks them: every aligned word equal to a function
// start counts as a stored code pointer.
func (b *builder) scanData() error {
	total := 0
	for _, s := range b.e.f.Sections {
		if s.Type != elf.SHT_PROGBITS && s.Type != elf.SHT_INIT_ARRAY && s.Type != elf.SHT_FINI_ARRAY && s.Type != elf.SHT_PREINIT_ARRAY {
			continue
		}
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 {
			continue
		}
		switch s.Name {
		case ".eh_frame", ".eh_frame_hdr", ".gopclntab", ".interp", ".gcc_except_table":
			continue
		}
		total += int(s.Size)
		if total > maxDataBytes {
			return errors.New("more than 512 MiB of data to scan")
		}
		data, err := s.Data()
		if err != nil {
			return fmt.Errorf("corrupt ELF file: %s: %w", s.Name, err)
		}
		skew := int((8 - s.Addr%8) % 8)
		for i := skew; i+8 <= len(data); i += 8 {
			v := binary.LittleEndian.Uint64(data[i:])
			if v >= b.textLo && v < b.textHi {
				b.dataPtr(v)
			}
		}
	}
	return nil
}

// dataPtr records a value stored in data that may be a code address.
func (b *builder) dataPtr(v uint64) {
	if v >= b.textLo && v < b.textHi {
		b.dataPtrs = append(b.dataPtrs, v)
	}
}

func sortUniq(a []uint64) []uint64 {
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	out := a[:0]
	for i, v := range a {
		if i == 0 || v != a[i-1] {
			out = append(out, v)
		}
	}
	return out
}
