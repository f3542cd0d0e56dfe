package profile

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
)

// BenchmarkParse compares our positioned, validating loader with what runtimes do:
// encoding/json into moby's Seccomp type, which checks nothing and records no positions.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/reference/docker-default-20.10.24.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("profile.Parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Parse("p.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-moby", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var s seccomp.Seccomp
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	p, err := Load("testdata/reference/docker-default-20.10.24.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

// largeProfile is a 4.4 MB profile: 12000 rules of 20 names with a condition each, the
// same shape as the 7 MB input the issue reported, a little smaller.
func largeProfile() []byte {
	names := `"read", "write", "openat", "close", "fstat", "mmap", "mprotect", "munmap", "brk",
	"rt_sigaction", "ioctl", "pread64", "pwrite64", "readv", "writev", "access", "pipe",
	"select", "sched_yield", "mremap"`
	var b strings.Builder
	b.WriteString(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [`)
	for i := range 12000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `
    {
      "names": [%s],
      "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": %d, "op": "SCMP_CMP_EQ"}],
      "comment": "rule %d"
    }`, names, i, i)
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

// BenchmarkParseLarge reports what parsing allocates per input byte (alloc/byte): the
// loader keeps a position for every value, and must stay within a small multiple of
// the input.
func BenchmarkParseLarge(b *testing.B) {
	data := largeProfile()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if _, err := Parse("large.json", data); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(data)), "alloc/byte")
}
