package filter

import (
	"math/rand/v2"
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/syscalls"
)

func anyName(syscalls.Arch, string) bool { return true }

// checkAgainstReference compiles a random profile and checks the program, the
// compiler's own evaluator and the direct reference evaluator agree on inputs chosen
// around everything the profile says, and that every argument-independent ALLOW is
// cacheable by the kernel.
func checkAgainstReference(t *testing.T, seed1, seed2 uint64, inputs int) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed1, seed2))
	c := randomProfile(rng, anyName)
	f, err := Compile(c.p, Options{Arches: c.arches})
	if err != nil {
		t.Fatalf("seed %d,%d: %v\n%s", seed1, seed2, err, mustJSON(c.p))
	}
	vm, err := bpf.NewVM(f.Program, f.Order())
	if err != nil {
		t.Fatalf("seed %d,%d: the kernel would refuse the program: %v", seed1, seed2, err)
	}
	for _, d := range interestingInputs(rng, f.Profile, c.arches, inputs) {
		got, _ := vm.Run(&d)
		model, _, _ := f.Decide(&d)
		ref, _ := refDecide(f.Profile, c.arches, &d)
		if got != model || got != ref {
			t.Fatalf("seed %d,%d: arch %#x nr %#x args %#x: program %s, compiler model %s, reference %s\nprofile:\n%s\nprogram:\n%s",
				seed1, seed2, d.Arch, uint32(d.Nr), d.Args, bpf.RetString(got), bpf.RetString(model), bpf.RetString(ref),
				mustJSON(f.Profile), bpf.Disassemble(f.Program, f.BigEndian, nil))
		}
		if g := f.group(d.Arch); g != nil {
			o := g.Outcome(uint32(d.Nr))
			cacheable := f.Program.ConstAllow(d.Nr, d.Arch)
			if o.Constant() && o.Ret == bpf.RetAllow && !cacheable {
				t.Fatalf("seed %d,%d: arch %#x nr %#x is always allowed but not cacheable", seed1, seed2, d.Arch, uint32(d.Nr))
			}
			if cacheable && got != bpf.RetAllow {
				t.Fatalf("seed %d,%d: arch %#x nr %#x counted cacheable but returns %s", seed1, seed2, d.Arch, uint32(d.Nr), bpf.RetString(got))
			}
		}
	}
	return inputs
}

func TestRandomProfilesAgainstReference(t *testing.T) {
	profiles, inputs := 3000, 100
	if testing.Short() {
		profiles = 300
	}
	total := 0
	for i := range profiles {
		total += checkAgainstReference(t, uint64(i), 0x5ecc0, inputs)
	}
	t.Logf("%d random profiles, %d inputs: program, compiler model and reference evaluator agree", profiles, total)
}

// FuzzCompile compiles random profiles derived from the fuzzer's seeds and checks the
// program against the direct evaluator of the profile's meaning.
func FuzzCompile(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, i*7919)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		checkAgainstReference(t, a, b, 200)
	})
}
