package filter

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/seccompctl/seccompctl/internal/goldenfile"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

var update = goldenfile.Update

// TestGolden pins the programs compiled from the reference profiles for x86_64 (with
// its x86 and x32 sub-architectures where the profile lists them): a change in code
// generation shows up as a reviewable diff of the annotated assembly.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "profiles", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatal("no reference profiles")
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			p, err := profile.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Compile(p, Options{Native: syscalls.X86_64, Caps: profile.DefaultCaps()})
			if err != nil {
				t.Fatal(err)
			}
			got := f.Disassemble()
			golden := filepath.Join("testdata", "golden", name[:len(name)-len(".json")]+".asm")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update ./filter)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the compiled program; if the change is intended, run go test -run TestGolden -update ./filter", golden)
			}
		})
	}
}
