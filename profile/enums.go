package profile

import (
	"fmt"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Action is what the kernel does with a matching syscall (SCMP_ACT_*). SCMP_ACT_KILL and
// SCMP_ACT_KILL_THREAD mean the same but are kept apart so files round-trip unchanged.
type Action int

// Actions, in no particular order; ActInvalid is the zero value.
const (
	ActInvalid Action = iota
	ActKill
	ActKillProcess
	ActKillThread
	ActTrap
	ActErrno
	ActTrace
	ActAllow
	ActLog
	ActNotify
)

var actionNames = map[Action]string{
	ActKill:        "SCMP_ACT_KILL",
	ActKillProcess: "SCMP_ACT_KILL_PROCESS",
	ActKillThread:  "SCMP_ACT_KILL_THREAD",
	ActTrap:        "SCMP_ACT_TRAP",
	ActErrno:       "SCMP_ACT_ERRNO",
	ActTrace:       "SCMP_ACT_TRACE",
	ActAllow:       "SCMP_ACT_ALLOW",
	ActLog:         "SCMP_ACT_LOG",
	ActNotify:      "SCMP_ACT_NOTIFY",
}

// Actions returns every valid action.
func Actions() []Action {
	return []Action{ActKill, ActKillProcess, ActKillThread, ActTrap, ActErrno, ActTrace, ActAllow, ActLog, ActNotify}
}

func (a Action) String() string {
	if s, ok := actionNames[a]; ok {
		return s
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { _, ok := actionNames[a]; return ok }

// Kernel returns the action as the kernel's SECCOMP_RET_* value without its data
// (errno or trace value): KILL and KILL_THREAD are the same there.
func (a Action) Kernel() uint32 {
	switch a {
	case ActKill, ActKillThread:
		return 0x00000000
	case ActKillProcess:
		return 0x80000000
	case ActTrap:
		return 0x00030000
	case ActErrno:
		return 0x00050000
	case ActNotify:
		return 0x7fc00000
	case ActTrace:
		return 0x7ff00000
	case ActLog:
		return 0x7ffc0000
	case ActAllow:
		return 0x7fff0000
	}
	return 0
}

// ParseAction parses an SCMP_ACT_* name.
func ParseAction(s string) (Action, error) {
	for a, n := range actionNames {
		if n == s {
			return a, nil
		}
	}
	return ActInvalid, &EnumError{Kind: "action", Value: s, Suggestion: nearest(s, Actions())}
}

func (a Action) MarshalText() ([]byte, error) {
	if !a.Valid() {
		return nil, fmt.Errorf("invalid action %d", int(a))
	}
	return []byte(a.String()), nil
}

func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	*a = v
	return err
}

// Operator compares a syscall argument (SCMP_CMP_*).
type Operator int

// Operators; OpInvalid is the zero value.
const (
	OpInvalid Operator = iota
	OpNotEqual
	OpLessThan
	OpLessEqual
	OpEqualTo
	OpGreaterEqual
	OpGreaterThan
	OpMaskedEqual
)

var opNames = map[Operator]string{
	OpNotEqual:     "SCMP_CMP_NE",
	OpLessThan:     "SCMP_CMP_LT",
	OpLessEqual:    "SCMP_CMP_LE",
	OpEqualTo:      "SCMP_CMP_EQ",
	OpGreaterEqual: "SCMP_CMP_GE",
	OpGreaterThan:  "SCMP_CMP_GT",
	OpMaskedEqual:  "SCMP_CMP_MASKED_EQ",
}

// Operators returns every valid operator.
func Operators() []Operator {
	return []Operator{OpNotEqual, OpLessThan, OpLessEqual, OpEqualTo, OpGreaterEqual, OpGreaterThan, OpMaskedEqual}
}

func (o Operator) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Operator(%d)", int(o))
}

// Valid reports whether o is a known operator.
func (o Operator) Valid() bool { _, ok := opNames[o]; return ok }

// Holds reports whether the 64-bit argument value v satisfies the condition as runc with
// libseccomp enforces it. It is the meaning every compiler output must agree with.
func (a Arg) Holds(v uint64) bool {
	switch a.Op {
	case OpNotEqual:
		return v != a.Value
	case OpLessThan:
		return v < a.Value
	case OpLessEqual:
		return v <= a.Value
	case OpEqualTo:
		return v == a.Value
	case OpGreaterEqual:
		return v >= a.Value
	case OpGreaterThan:
		return v > a.Value
	case OpMaskedEqual:
		// libseccomp, and so runc, masks the expected value too: bits of ValueTwo outside
		// the mask are dropped rather than making the condition unsatisfiable.
		return v&a.Value == a.ValueTwo&a.Value
	}
	return false
}

// ParseOperator parses an SCMP_CMP_* name.
func ParseOperator(s string) (Operator, error) {
	for o, n := range opNames {
		if n == s {
			return o, nil
		}
	}
	return OpInvalid, &EnumError{Kind: "operator", Value: s, Suggestion: nearest(s, Operators())}
}

func (o Operator) MarshalText() ([]byte, error) {
	if !o.Valid() {
		return nil, fmt.Errorf("invalid operator %d", int(o))
	}
	return []byte(o.String()), nil
}

func (o *Operator) UnmarshalText(b []byte) error {
	v, err := ParseOperator(string(b))
	*o = v
	return err
}

// Flag is a seccomp(2) filter flag (SECCOMP_FILTER_FLAG_*).
type Flag int

// Flags; FlagInvalid is the zero value.
const (
	FlagInvalid Flag = iota
	FlagTSync
	FlagLog
	FlagSpecAllow
	FlagNewListener
	FlagTSyncESRCH
	FlagWaitKillableRecv
)

var flagNames = map[Flag]string{
	FlagTSync:            "SECCOMP_FILTER_FLAG_TSYNC",
	FlagLog:              "SECCOMP_FILTER_FLAG_LOG",
	FlagSpecAllow:        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	FlagNewListener:      "SECCOMP_FILTER_FLAG_NEW_LISTENER",
	FlagTSyncESRCH:       "SECCOMP_FILTER_FLAG_TSYNC_ESRCH",
	FlagWaitKillableRecv: "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
}

// Flags returns every valid flag.
func Flags() []Flag {
	return []Flag{FlagTSync, FlagLog, FlagSpecAllow, FlagNewListener, FlagTSyncESRCH, FlagWaitKillableRecv}
}

func (f Flag) String() string {
	if s, ok := flagNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Flag(%d)", int(f))
}

// Valid reports whether f is a known flag.
func (f Flag) Valid() bool { _, ok := flagNames[f]; return ok }

// Kernel returns the flag's bit for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...).
func (f Flag) Kernel() uint {
	switch f {
	case FlagTSync:
		return 1
	case FlagLog:
		return 2
	case FlagSpecAllow:
		return 4
	case FlagNewListener:
		return 8
	case FlagTSyncESRCH:
		return 16
	case FlagWaitKillableRecv:
		return 32
	}
	return 0
}

// ParseFlag parses a SECCOMP_FILTER_FLAG_* name.
func ParseFlag(s string) (Flag, error) {
	for f, n := range flagNames {
		if n == s {
			return f, nil
		}
	}
	return FlagInvalid, &EnumError{Kind: "flag", Value: s, Suggestion: nearest(s, Flags())}
}

func (f Flag) MarshalText() ([]byte, error) {
	if !f.Valid() {
		return nil, fmt.Errorf("invalid flag %d", int(f))
	}
	return []byte(f.String()), nil
}

func (f *Flag) UnmarshalText(b []byte) error {
	v, err := ParseFlag(string(b))
	*f = v
	return err
}

// EnumError reports an unknown action, operator, flag or architecture name.
type EnumError struct {
	Kind       string
	Value      string
	Suggestion string
}

func (e *EnumError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.Kind, e.Value)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", e.Suggestion)
	}
	return msg
}

// nearest returns the valid spelling closest to s, or "" if none is close.
func nearest[T fmt.Stringer](s string, values []T) string {
	best, bestD := "", len(s)/2+2
	up := strings.ToUpper(s)
	for _, v := range values {
		d := syscalls.Distance(up, v.String())
		if d < bestD {
			best, bestD = v.String(), d
		}
	}
	return best
}
