package record

import (
	"slices"
	"strings"
	"testing"
)

func TestMappedObjects(t *testing.T) {
	maps := `55d0c0a00000-55d0c0a28000 r--p 00000000 fd:01 1312 /usr/bin/redis-server
55d0c0a28000-55d0c0b4e000 r-xp 00028000 fd:01 1312 /usr/bin/redis-server
7f1c2c000000-7f1c2c021000 rw-p 00000000 00:00 0 
7f1c2c600000-7f1c2c626000 r--p 00000000 fd:01 2201 /usr/lib/x86_64-linux-gnu/libc.so.6
7f1c2c626000-7f1c2c77b000 r-xp 00026000 fd:01 2201 /usr/lib/x86_64-linux-gnu/libc.so.6
7f1c2c800000-7f1c2c801000 r-xp 00000000 fd:01 3301 /opt/my app/lib module.so
7f1c2c900000-7f1c2c901000 r-xp 00000000 00:01 4401 /memfd:jit (deleted)
7f1c2ca00000-7f1c2ca01000 r-xp 00000000 fd:01 4402 /usr/lib/old.so (deleted)
7f1c2cb26000-7f1c2cb7b000 r-xp 00026000 fd:01 2201 /usr/lib/x86_64-linux-gnu/libc.so.6
7ffd5a1f2000-7ffd5a1f4000 r-xp 00000000 00:00 0                          [vdso]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
garbage
`
	got := MappedObjects(strings.NewReader(maps))
	want := []string{"/usr/bin/redis-server", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/opt/my app/lib module.so"}
	if !slices.Equal(got, want) {
		t.Errorf("MappedObjects = %q, want %q", got, want)
	}
}

func FuzzMappedObjects(f *testing.F) {
	f.Add("55d0c0a28000-55d0c0b4e000 r-xp 00028000 fd:01 1312 /usr/bin/x\n")
	f.Add("a b c d e\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range MappedObjects(strings.NewReader(s)) {
			if !strings.HasPrefix(p, "/") {
				t.Errorf("path %q does not start with /", p)
			}
		}
	})
}
