package generate

import (
	"os"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/syscalls"
)

func FuzzParseStraceLine(f *testing.F) {
	for _, name := range []string{"strace-f.txt", "strace-f-tt-T.txt", "strace-c.txt", "strace-r-i.txt"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if i%7 == 0 {
				f.Add(line)
			}
		}
	}
	f.Add(`[ Process PID=12 runs in x32 mode. ]`)
	f.Add(`12 <... clone resumed>) = 13`)
	f.Fuzz(func(t *testing.T, line string) {
		l, err := parseStraceLine(line)
		if err != nil {
			return
		}
		if (l.kind == kindCall || l.kind == kindSummary) && !isSyscallName(l.name) {
			t.Fatalf("%q gave a call named %q", line, l.name)
		}
	})
}

// FuzzImport feeds whole inputs: whatever they hold, Import returns without panicking
// and every call it records has a valid arch and a name.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"journal-k.txt", "audit.log", "app.trace", "strace-c.txt"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, in string) {
		rec, st, _ := Import("fuzz", strings.NewReader(in), ImportOptions{Arch: syscalls.X86_64})
		if st == nil {
			t.Fatal("no stats")
		}
		if rec == nil {
			return
		}
		for c, n := range rec.Calls {
			if !c.Arch.Valid() || c.Name == "" || n == 0 {
				t.Fatalf("bad call %+v x%d from %q", c, n, in)
			}
		}
	})
}
