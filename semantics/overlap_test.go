package semantics

import (
	"math/rand/v2"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
)

// TestSatisfiable checks the overlap solver against brute force over one byte: random
// condition sets, bounded to 0..255 by an extra LE, are satisfiable exactly when some
// value in that range meets them all.
func TestSatisfiable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	ops := profile.Operators()
	for range 20000 {
		cs := []Cond{{Op: profile.OpLessEqual, Val: 255}}
		for range 1 + rng.IntN(4) {
			c := Cond{Op: ops[rng.IntN(len(ops))], Val: uint64(rng.IntN(256))}
			if c.Op == profile.OpMaskedEqual {
				c.Mask = uint64(rng.IntN(256))
				c.Val &= c.Mask
			}
			cs = append(cs, c)
		}
		want := false
		for v := uint64(0); v < 256 && !want; v++ {
			all := true
			for _, c := range cs {
				all = all && c.Holds(v)
			}
			want = all
		}
		if got := satisfiable(cs, true); got != want {
			t.Fatalf("%+v: satisfiable = %v, brute force says %v", cs, got, want)
		}
	}
}

func TestMinSubmaskAtLeast(t *testing.T) {
	for free := uint64(0); free < 64; free++ {
		for target := uint64(0); target < 70; target++ {
			want, found := uint64(0), false
			for s := uint64(0); s < 128 && !found; s++ {
				if s&^free == 0 && s >= target {
					want, found = s, true
				}
			}
			got, ok := minSubmaskAtLeast(free, target)
			if ok != found || (ok && got != want) {
				t.Fatalf("free %#b target %d: got %d,%v want %d,%v", free, target, got, ok, want, found)
			}
		}
	}
}
