package semantics

import (
	"math/bits"

	"github.com/seccompctl/seccompctl/profile"
)

// MayOverlap reports whether some arguments satisfy both condition lists. Conditions on
// different arguments are independent, so each argument is solved alone.
func MayOverlap(a, b []Cond, is64 bool) bool {
	for arg := 0; arg < 6; arg++ {
		var cs []Cond
		for _, c := range a {
			if c.Arg == arg {
				cs = append(cs, c)
			}
		}
		for _, c := range b {
			if c.Arg == arg {
				cs = append(cs, c)
			}
		}
		if len(cs) > 0 && !satisfiable(cs, is64) {
			return false
		}
	}
	return true
}

// satisfiable reports whether one value meets every condition.
func satisfiable(cs []Cond, is64 bool) bool {
	lo, hi := uint64(0), uint64(1<<64-1)
	if !is64 {
		hi = 0xffffffff
	}
	var mask, val uint64
	var ne []uint64
	for _, c := range cs {
		switch c.Op {
		case profile.OpEqualTo:
			lo, hi = max(lo, c.Val), min(hi, c.Val)
		case profile.OpNotEqual:
			ne = append(ne, c.Val)
		case profile.OpLessThan:
			if c.Val == 0 {
				return false
			}
			hi = min(hi, c.Val-1)
		case profile.OpLessEqual:
			hi = min(hi, c.Val)
		case profile.OpGreaterThan:
			if c.Val == 1<<64-1 {
				return false
			}
			lo = max(lo, c.Val+1)
		case profile.OpGreaterEqual:
			lo = max(lo, c.Val)
		case profile.OpMaskedEqual:
			if (mask&c.Mask)&(val^c.Val) != 0 {
				return false // two masks disagree on a bit
			}
			mask |= c.Mask
			val |= c.Val
		}
	}
	x := lo
	for range len(ne) + 1 {
		if x > hi {
			return false
		}
		m, ok := nextMatching(x, mask, val)
		if !ok || m > hi {
			return false
		}
		excluded := false
		for _, v := range ne {
			excluded = excluded || v == m
		}
		if !excluded {
			return true
		}
		if m == 1<<64-1 {
			return false
		}
		x = m + 1
	}
	return false
}

// nextMatching returns the smallest x >= from with x&mask == val (val within mask).
// Such numbers are val plus a submask of the free bits, in increasing order of the
// submask, so it looks for the smallest submask of the free bits that is at least
// from-val.
func nextMatching(from, mask, val uint64) (uint64, bool) {
	if val >= from {
		return val, true
	}
	s, ok := minSubmaskAtLeast(^mask, from-val)
	if !ok {
		return 0, false
	}
	return val | s, true
}

// minSubmaskAtLeast returns the smallest s with s&^free == 0 and s >= t.
func minSubmaskAtLeast(free, t uint64) (uint64, bool) {
	var s uint64
	for b := 63; b >= 0; b-- {
		bit := uint64(1) << b
		if t&bit == 0 {
			continue
		}
		if free&bit != 0 {
			s |= bit
			continue
		}
		// t has a bit we cannot set: set the lowest free bit above b that t lacks,
		// keep the bits above it and clear the rest.
		above := free &^ (bit<<1 - 1) &^ t
		if above == 0 {
			return 0, false
		}
		c := uint64(1) << bits.TrailingZeros64(above)
		return s&^(c-1) | c, true
	}
	return s, true
}
