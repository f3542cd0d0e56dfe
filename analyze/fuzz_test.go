package analyze

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzAnalyzeELF feeds arbitrary bytes to the ELF loading and the whole per-object
// analysis: any input must give a result or an InputError, never a panic.
func FuzzAnalyzeELF(f *testing.F) {
	if b, err := os.ReadFile("/bin/true"); err == nil {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Add([]byte("#!/bin/sh\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "in")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := openELF(p, p)
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("not an InputError: %v", err)
			}
			return
		}
		defer e.close()
		analyzeObject(e)
	})
}

// FuzzDecode runs the instruction decoders and the backward trace over arbitrary code.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05}, false)                                       // mov $60,%eax; syscall
	f.Add([]byte{0x48, 0x89, 0xf8, 0x0f, 0x05, 0xc3}, false)                                    // mov %rdi,%rax; syscall; ret
	f.Add([]byte{0xa8, 0x0b, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4}, true)                         // mov x8,#93; svc #0
	f.Add([]byte{0xe8, 0x07, 0x40, 0xf9, 0x01, 0x00, 0x00, 0xd4, 0xc0, 0x03, 0x5f, 0xd6}, true) // ldr x8,[sp,#8]; svc; ret
	f.Fuzz(func(t *testing.T, code []byte, arm bool) {
		isa := &x86ISA
		if arm {
			isa = &arm64ISA
		}
		fn := decodeFn(isa, code, 0x1000, len(code)%2 == 0)
		for i, m := range fn.insts {
			if m.size == 0 {
				t.Fatalf("instruction %d has size 0", i)
			}
			if m.kind == kSyscall || m.kind == kCall {
				fn.valuesAt(i, loc{reg: isa.numReg})
				fn.valuesAt(i, loc{slot: true, off: 8})
			}
		}
		fn.valuesAt(len(fn.insts), loc{reg: isa.argReg})
	})
}

// FuzzParseLDCache and FuzzParseEHFrame cover the two binary formats parsed by hand.
func FuzzParseLDCache(f *testing.F) {
	if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(ldCacheNewMagic))
	f.Add(append([]byte(ldCacheOldMagic+"\x00"), bytes.Repeat([]byte{0xff}, 40)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseLDCache(b)
	})
}

func FuzzParseEHFrame(f *testing.F) {
	f.Add([]byte{0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 0x10, 1, 0x1b, 0x0c, 7, 8, 0x90, 1, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		parseEHFrame(b, 0x1000)
	})
}

func TestParseLDCacheOfThisMachine(t *testing.T) {
	b, err := os.ReadFile("/etc/ld.so.cache")
	if err != nil {
		t.Skip(err)
	}
	c, err := parseLDCache(b)
	if err != nil {
		t.Fatal(err)
	}
	paths := c["libc.so.6"]
	if len(paths) == 0 {
		t.Fatalf("libc.so.6 not in ld.so.cache (%d names)", len(c))
	}
	if _, err := os.Stat(paths[0]); err != nil {
		t.Errorf("cache entry %s: %v", paths[0], err)
	}
	for _, bad := range [][]byte{nil, []byte(ldCacheNewMagic), b[:30]} {
		if _, err := parseLDCache(bad); err == nil {
			t.Errorf("parseLDCache(%d bytes) accepted a truncated cache", len(bad))
		}
	}
}

func TestParseEHFrameOfLibc(t *testing.T) {
	e, err := openELF("/lib/x86_64-linux-gnu/libc.so.6", "libc.so.6")
	if err != nil {
		t.Skip(err)
	}
	defer e.close()
	s := e.f.Section(".eh_frame")
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	fdes, err := parseEHFrame(data, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	// glibc 2.36 has about 3000 FDEs; every range must lie in its text.
	if len(fdes) < 1000 {
		t.Fatalf("only %d FDEs", len(fdes))
	}
	text := e.f.Section(".text")
	for _, r := range fdes {
		if r.start < e.f.Section(".plt").Addr || r.end > text.Addr+text.Size+0x1000 {
			t.Fatalf("FDE %#x-%#x outside the code", r.start, r.end)
		}
	}
}
