package record

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Recording is what was seen: how often each syscall was made, on which architecture,
// by which executable and, when arguments were recorded, with which argument values.
// It is plain data: recorders fill it, imports build it from logs, generate turns it
// into a profile.
type Recording struct {
	// Mode says how it was made: "ptrace", "ebpf", "audit", or "import" for logs.
	Mode string `json:"mode,omitempty"`
	// Command is the recorded command line, when there was one.
	Command []string `json:"command,omitempty"`
	// Objects are the executables run and the files mapped executable (shared
	// libraries, dlopen'ed modules) while recording, sorted; empty when the recorder
	// could not see them. Static analysis completes the recording from them.
	Objects []string `json:"objects,omitempty"`
	// ObjectGaps say, one sentence each, what the recorder may have missed of the files
	// run and mapped (eBPF mode: a process that exited before its mappings were read).
	ObjectGaps []string `json:"objectGaps,omitempty"`

	// Calls counts calls by what was known about them. Recorders that do not see the
	// executable or the arguments leave those parts zero.
	Calls map[Call]uint64 `json:"-"`
}

// Call is one kind of syscall made: the syscall, its architecture, the executable that
// made it ("" when not known) and the values of its meaningful arguments (see ArgSpecs).
type Call struct {
	Arch syscalls.Arch
	// Name is the syscall's name, or "syscall_N" for a number the tables don't know.
	Name string
	Exe  string
	Args ArgSet
}

// MaxArgs is the most arguments an ArgSet holds.
const MaxArgs = 3

// ArgSet is the masked values of a call's meaningful arguments; the zero value means
// they were not recorded. It is comparable, so it can be part of a map key.
type ArgSet struct {
	N uint8
	A [MaxArgs]ArgValue
}

// ArgValue is one argument: (arg[Index] & Mask) == Value held at the call.
type ArgValue struct {
	Index uint8  `json:"index"`
	Mask  uint64 `json:"mask"`
	Value uint64 `json:"value"`
}

// Values returns the recorded arguments.
func (s ArgSet) Values() []ArgValue { return s.A[:s.N] }

// NewArgSet builds an ArgSet; it panics on more than MaxArgs values (a programming error).
func NewArgSet(vs ...ArgValue) ArgSet {
	var s ArgSet
	if len(vs) > MaxArgs {
		panic(fmt.Sprintf("record: %d argument values, at most %d", len(vs), MaxArgs))
	}
	s.N = uint8(copy(s.A[:], vs))
	return s
}

func (s ArgSet) String() string {
	var b strings.Builder
	for i, v := range s.Values() {
		if i > 0 {
			b.WriteString(" && ")
		}
		if v.Mask == ^uint64(0) {
			fmt.Fprintf(&b, "arg%d == %#x", v.Index, v.Value)
		} else {
			fmt.Fprintf(&b, "arg%d & %#x == %#x", v.Index, v.Mask, v.Value)
		}
	}
	return b.String()
}

// New returns an empty recording.
func New(mode string) *Recording {
	return &Recording{Mode: mode, Calls: map[Call]uint64{}}
}

// Add counts n calls.
func (r *Recording) Add(c Call, n uint64) {
	if r.Calls == nil {
		r.Calls = map[Call]uint64{}
	}
	r.Calls[c] += n
}

// AddNumber counts n calls of syscall number nr on arch, naming it from the tables.
func (r *Recording) AddNumber(arch syscalls.Arch, nr int, exe string, args ArgSet, n uint64) {
	r.Add(Call{Arch: arch, Name: SyscallName(arch, nr), Exe: exe, Args: args}, n)
}

// SyscallName returns nr's name on arch, or "syscall_N" when the tables don't know it.
func SyscallName(arch syscalls.Arch, nr int) string {
	if name, ok := syscalls.Name(arch, nr); ok {
		return name
	}
	return fmt.Sprintf("syscall_%d", nr)
}

// Merge adds every call of o to r (the union of two recordings, counts summed).
func (r *Recording) Merge(o *Recording) {
	for c, n := range o.Calls {
		r.Add(c, n)
	}
	if r.Mode == "" {
		r.Mode = o.Mode
	}
	if len(r.Command) == 0 {
		r.Command = o.Command
	}
	if len(o.Objects) > 0 {
		set := ObjectSet{}
		set.Add(r.Objects...)
		set.Add(o.Objects...)
		r.Objects = set.Sorted()
	}
	for _, g := range o.ObjectGaps {
		if !slices.Contains(r.ObjectGaps, g) {
			r.ObjectGaps = append(r.ObjectGaps, g)
		}
	}
}

// Len returns how many distinct (arch, syscall) pairs were seen.
func (r *Recording) Len() int { return len(r.Syscalls()) }

// Syscall is everything recorded about one syscall on one architecture.
type Syscall struct {
	Arch  syscalls.Arch
	Name  string
	Count uint64
	// Executables lists who made the call, most calls first; empty when not known.
	Executables []Counted[string]
	// ArgSets lists the argument values seen, most calls first. Unconditional counts the
	// calls made without recorded arguments: when it is non-zero the syscall must be
	// allowed whatever its arguments.
	ArgSets       []Counted[ArgSet]
	Unconditional uint64
}

// Counted is a value and how many calls had it.
type Counted[T any] struct {
	Value T
	Count uint64
}

// Syscalls returns the recording grouped by (arch, syscall), sorted by arch then name.
func (r *Recording) Syscalls() []Syscall {
	type key struct {
		arch syscalls.Arch
		name string
	}
	type acc struct {
		s    Syscall
		exes map[string]uint64
		args map[ArgSet]uint64
	}
	m := map[key]*acc{}
	for c, n := range r.Calls {
		k := key{c.Arch, c.Name}
		a := m[k]
		if a == nil {
			a = &acc{s: Syscall{Arch: c.Arch, Name: c.Name}, exes: map[string]uint64{}, args: map[ArgSet]uint64{}}
			m[k] = a
		}
		a.s.Count += n
		if c.Exe != "" {
			a.exes[c.Exe] += n
		}
		if c.Args.N > 0 {
			a.args[c.Args] += n
		} else {
			a.s.Unconditional += n
		}
	}
	out := make([]Syscall, 0, len(m))
	for _, a := range m {
		a.s.Executables = sortCounted(a.exes, strings.Compare)
		a.s.ArgSets = sortCounted(a.args, compareArgSets)
		out = append(out, a.s)
	}
	slices.SortFunc(out, func(a, b Syscall) int {
		return cmp.Or(cmp.Compare(a.Arch, b.Arch), strings.Compare(a.Name, b.Name))
	})
	return out
}

func sortCounted[T comparable](m map[T]uint64, compare func(a, b T) int) []Counted[T] {
	if len(m) == 0 {
		return nil
	}
	out := make([]Counted[T], 0, len(m))
	for v, n := range m {
		out = append(out, Counted[T]{v, n})
	}
	slices.SortFunc(out, func(a, b Counted[T]) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), compare(a.Value, b.Value))
	})
	return out
}

func compareArgSets(a, b ArgSet) int {
	if c := cmp.Compare(a.N, b.N); c != 0 {
		return c
	}
	for i := range a.N {
		x, y := a.A[i], b.A[i]
		if c := cmp.Or(cmp.Compare(x.Index, y.Index), cmp.Compare(x.Mask, y.Mask), cmp.Compare(x.Value, y.Value)); c != 0 {
			return c
		}
	}
	return 0
}

// Arches returns the architectures that made calls, in Arch order.
func (r *Recording) Arches() []syscalls.Arch {
	seen := map[syscalls.Arch]bool{}
	for c := range r.Calls {
		seen[c.Arch] = true
	}
	out := make([]syscalls.Arch, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Names returns the distinct syscall names made on arch, sorted.
func (r *Recording) Names(arch syscalls.Arch) []string {
	seen := map[string]bool{}
	for c := range r.Calls {
		if c.Arch == arch {
			seen[c.Name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
