package semantics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
)

// Cond is one normalised argument condition. For MASKED_EQ, Val is already masked, as
// libseccomp masks it: (arg & mask) == (valueTwo & mask). On 32-bit architectures Val
// and Mask hold only the low 32 bits of what the profile says.
type Cond struct {
	Arg  int
	Op   profile.Operator
	Val  uint64
	Mask uint64
}

// Holds reports whether argument value v meets the condition.
func (c Cond) Holds(v uint64) bool {
	switch c.Op {
	case profile.OpEqualTo:
		return v == c.Val
	case profile.OpNotEqual:
		return v != c.Val
	case profile.OpLessThan:
		return v < c.Val
	case profile.OpLessEqual:
		return v <= c.Val
	case profile.OpGreaterThan:
		return v > c.Val
	case profile.OpGreaterEqual:
		return v >= c.Val
	case profile.OpMaskedEqual:
		return v&c.Mask == c.Val
	}
	return false
}

// AllHold reports whether every condition holds for args; on 32-bit architectures
// only the low 32 bits of each argument are compared, as the kernel does.
func AllHold(cs []Cond, args *[6]uint64, is64 bool) bool {
	for _, c := range cs {
		v := args[c.Arg]
		if !is64 {
			v &= 0xffffffff
		}
		if !c.Holds(v) {
			return false
		}
	}
	return true
}

// SplitArgs returns the condition lists runc hands libseccomp for one rule: the rule's
// conditions as one list, or, when two of them test the same argument (which libseccomp
// refuses), one list per condition, so that they are OR'd.
func SplitArgs(args []profile.Arg) (lists [][]profile.Arg, split bool) {
	seen := map[uint]bool{}
	dup := false
	for _, a := range args {
		dup = dup || seen[a.Index]
		seen[a.Index] = true
	}
	if !dup {
		return [][]profile.Arg{args}, false
	}
	out := make([][]profile.Arg, len(args))
	for i, a := range args {
		out[i] = []profile.Arg{a}
	}
	return out, true
}

// Conditions normalises one rule's conditions for an architecture with 64-bit
// (is64) or 32-bit arguments. It drops MASKED_EQ conditions whose mask is zero on the
// word size (always true), as libseccomp does; a rule left without conditions is
// unconditional. truncated says a value or mask lost bits above 32.
func Conditions(args []profile.Arg, is64 bool) (cs []Cond, truncated bool) {
	for _, a := range args {
		c := Cond{Arg: int(a.Index), Op: a.Op, Val: a.Value}
		if a.Op == profile.OpMaskedEqual {
			c.Mask = a.Value
			c.Val = a.ValueTwo
		}
		if !is64 {
			if c.Val>>32 != 0 || c.Mask>>32 != 0 {
				truncated = true
			}
			c.Val &= 0xffffffff
			c.Mask &= 0xffffffff
		}
		if c.Op == profile.OpMaskedEqual {
			c.Val &= c.Mask
			if c.Mask == 0 {
				continue
			}
		}
		cs = append(cs, c)
	}
	slices.SortStableFunc(cs, func(a, b Cond) int { return a.Arg - b.Arg })
	return cs, truncated
}

// opSymbols are the text forms of the comparison operators.
var opSymbols = map[profile.Operator]string{
	profile.OpNotEqual: "!=", profile.OpLessThan: "<", profile.OpLessEqual: "<=",
	profile.OpEqualTo: "==", profile.OpGreaterEqual: ">=", profile.OpGreaterThan: ">",
}

// CondString renders a rule's conditions as the profile states them:
// "arg0 == 2 && arg1 & 0x10 == 0x10".
func CondString(args []profile.Arg) string {
	var s []string
	for _, a := range args {
		if a.Op == profile.OpMaskedEqual {
			s = append(s, fmt.Sprintf("arg%d & %#x == %#x", a.Index, a.Value, a.ValueTwo))
		} else {
			s = append(s, fmt.Sprintf("arg%d %s %d", a.Index, opSymbols[a.Op], a.Value))
		}
	}
	return strings.Join(s, " && ")
}
