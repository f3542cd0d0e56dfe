package profile

import (
	"github.com/seccompctl/seccompctl/syscalls"
)

// Profile is a seccomp profile in the Docker/moby JSON format, the format kubelet
// Localhost profiles, runc, crun, containerd and CRI-O read.
type Profile struct {
	DefaultAction   Action `json:"defaultAction"`
	DefaultErrnoRet *uint  `json:"defaultErrnoRet,omitempty"`
	// DefaultErrno is containers/common's (CRI-O, Podman) name for DefaultErrnoRet
	// ("ENOSYS"); kept so such files round-trip. Conversions use the number.
	DefaultErrno     string          `json:"defaultErrno,omitempty"`
	Architectures    []syscalls.Arch `json:"architectures,omitempty"`
	ArchMap          []ArchMap       `json:"archMap,omitempty"`
	Flags            []Flag          `json:"flags,omitempty"`
	ListenerPath     string          `json:"listenerPath,omitempty"`
	ListenerMetadata string          `json:"listenerMetadata,omitempty"`
	Syscalls         []Rule          `json:"syscalls,omitempty"`

	// Source says where the profile was read from; nil for profiles built in code.
	Source *Source `json:"-"`
	// Resource holds the Kubernetes side of a Security Profiles Operator SeccompProfile
	// (name, namespace, labels, base profile); nil for plain profiles.
	Resource *Resource `json:"-"`
}

// ArchMap is one entry of the moby archMap: an architecture and the sub-architectures
// (e.g. x86 and x32 for x86_64) a filter should also accept.
type ArchMap struct {
	Arch      syscalls.Arch   `json:"architecture"`
	SubArches []syscalls.Arch `json:"subArchitectures,omitempty"`
}

// Rule is one entry of syscalls[]: an action for a set of syscalls, optionally only when
// all of Args hold.
type Rule struct {
	// Name is the deprecated single-name form of the old Docker format; Names is the
	// current one. A rule has one or the other.
	Name     string   `json:"name,omitempty"`
	Names    []string `json:"names,omitempty"`
	Action   Action   `json:"action"`
	ErrnoRet *uint    `json:"errnoRet,omitempty"`
	// Errno is containers/common's name for ErrnoRet ("EPERM"), kept for round trips.
	Errno    string  `json:"errno,omitempty"`
	Args     []Arg   `json:"args,omitempty"`
	Comment  string  `json:"comment,omitempty"`
	Includes *Filter `json:"includes,omitempty"`
	Excludes *Filter `json:"excludes,omitempty"`
}

// AllNames returns the syscalls the rule names, whichever form it uses.
func (r *Rule) AllNames() []string {
	if r.Name != "" {
		return append([]string{r.Name}, r.Names...)
	}
	return r.Names
}

// Filter is a moby includes/excludes condition on capabilities, architectures and kernel.
type Filter struct {
	Caps      []string `json:"caps,omitempty"`
	Arches    []string `json:"arches,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

// Arg is a condition on one syscall argument. For SCMP_CMP_MASKED_EQ, Value is the mask
// and ValueTwo the expected value: (arg & Value) == ValueTwo.
type Arg struct {
	Index    uint     `json:"index"`
	Value    uint64   `json:"value"`
	ValueTwo uint64   `json:"valueTwo,omitempty"`
	Op       Operator `json:"op"`
}

// Source records where a profile came from and where each JSON path sits in it.
type Source struct {
	File string
	// Format is how the profile was written: FormatJSON, FormatYAML or FormatSPO.
	Format Format
	// Document is the 0-based index of the profile's document in a multi-document
	// YAML stream (or of the item in a List).
	Document int
	// lookup finds where a JSON path ("syscalls[3].names[1]") sits in File. It walks
	// the parsed document when asked, rather than keeping a position for every path,
	// which cost more than the profile itself.
	lookup func(path string) (Position, bool)
	// Warnings are problems that did not stop loading (unknown fields when
	// ParseOptions.AllowUnknownFields is set).
	Warnings []*Error
}

// Position is a 1-based line and column.
type Position struct {
	Line, Column int
}

// Pos returns where the JSON path sits in the profile's source, if known.
func (p *Profile) Pos(path string) (Position, bool) {
	if p == nil || p.Source == nil {
		return Position{}, false
	}
	if p.Source.lookup == nil {
		return Position{}, false
	}
	return p.Source.lookup(path)
}
