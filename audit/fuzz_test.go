package audit

import (
	"errors"
	"testing"
)

func FuzzParseSeccomp(f *testing.F) {
	f.Add("audit(1795824431.983:2): " + rawFields)
	f.Add("type=SECCOMP msg=audit(1795824431.983:2): " + rawFields + "\x1dARCH=x86_64 SYSCALL=getppid")
	f.Add("5,348,566852610,-;audit: type=1326 audit(1795824431.983:2): " + rawFields)
	f.Add(`type=SECCOMP msg=audit(11/28/2026 00:07:11.983:2) : auid=unset arch=x86_64 syscall=getppid code=log`)
	f.Add(`node audit[1]: SECCOMP comm=6D79 arch=c000003e syscall=1073742081 code=0x50026`)
	f.Add(`type=1326 audit(1.000:1: arch="c000003e syscall=1`)
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseSeccomp(line)
		if err != nil {
			var pe *ParseError
			if !errors.Is(err, ErrNotSeccomp) && !errors.As(err, &pe) {
				t.Fatalf("ParseSeccomp(%q) returned an untyped error %v", line, err)
			}
			return
		}
		if !r.Arch.Valid() {
			t.Fatalf("ParseSeccomp(%q) accepted a record without a valid arch: %+v", line, r)
		}
		if !r.Action.Valid() {
			t.Fatalf("ParseSeccomp(%q) decoded an invalid action: %+v", line, r)
		}
	})
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte("\x20\x00\x00\x00\x2e\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00audit(1.0:1): x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := decodeMessage(b)
		if ok && len(m.Data) > len(b) {
			t.Fatalf("decodeMessage invented data: %q from %q", m.Data, b)
		}
		_, _ = ParseMessage(m)
	})
}
