package filter

import (
	"github.com/seccompctl/seccompctl/semantics"
)

// The meaning the program implements is package semantics'; these names keep the
// compiler's API.

// RuleRef names the profile rule behind a decision.
type RuleRef = semantics.RuleRef

// Reason says why a syscall got its action.
type Reason = semantics.Reason

// The reasons, as semantics defines them.
const (
	ReasonRule    = semantics.ReasonRule
	ReasonDefault = semantics.ReasonDefault
	ReasonENOSYS  = semantics.ReasonENOSYS
	ReasonBadArch = semantics.ReasonBadArch
)

// Warning is something in the profile that compiles but deserves a look.
type Warning = semantics.Warning

// WarningKind classifies warnings.
type WarningKind = semantics.WarningKind

// The warning kinds, as semantics defines them.
const (
	WarnUnknownSyscall = semantics.WarnUnknownSyscall
	WarnSameArgIndex   = semantics.WarnSameArgIndex
	WarnTruncatedValue = semantics.WarnTruncatedValue
	WarnShadowed       = semantics.WarnShadowed
	WarnConflict       = semantics.WarnConflict
	WarnAmbiguous      = semantics.WarnAmbiguous
	WarnNoTable        = semantics.WarnNoTable
	WarnNotifyWrite    = semantics.WarnNotifyWrite
	WarnErrnoRefused   = semantics.WarnErrnoRefused

	WarnKillableWithoutListener = semantics.WarnKillableWithoutListener
	WarnLibseccompRanges        = semantics.WarnLibseccompRanges
)

// Meaning returns what the program implements: per architecture and syscall, the
// deciding rule.
func (f *Filter) Meaning() *semantics.Meaning { return f.m }

type (
	group   = semantics.Group
	entry   = semantics.Entry
	outcome = semantics.Outcome
	cond    = semantics.Cond
)

const x32Bit = 0x40000000
