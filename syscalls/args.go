package syscalls

import (
	"strings"
	"sync"
)

// Arg is one syscall argument: its name in the kernel and the kind of value it carries
// (ptr, flags, mode, fd, enum, int; see argData).
type Arg struct {
	Name string
	Kind string
}

// Argument kinds.
const (
	KindPtr   = "ptr"
	KindFlags = "flags"
	KindMode  = "mode"
	KindFD    = "fd"
	KindEnum  = "enum"
	KindInt   = "int"
)

var parsedArgs = sync.OnceValue(func() map[string][]Arg {
	out := make(map[string][]Arg, len(argData))
	for name, list := range argData {
		out[name] = parseArgList(list)
	}
	return out
})

func parseArgList(list string) []Arg {
	specs := []Arg{}
	for _, f := range strings.Fields(list) {
		n, k, _ := strings.Cut(f, ":")
		specs = append(specs, Arg{n, k})
	}
	return specs
}

// Args returns the arguments of syscall name on arch, in register order, with the
// architectures' quirks applied (s390's clone takes the stack first; old_mmap on x86
// and s390 takes one pointer). ok is false when the facts do not describe the syscall.
// The result is the caller's to keep.
func Args(arch Arch, name string) ([]Arg, bool) {
	if o, ok := archArgOverrides[name][arch]; ok {
		return parseArgList(o), true
	}
	specs, ok := parsedArgs()[name]
	return append([]Arg(nil), specs...), ok
}

// ArgIndex returns where the argument that most architectures pass at position common
// sits on arch: the same position unless a quirk moves it (clone on s390), and ok false
// when arch does not pass it at all (old_mmap). A syscall the facts do not describe
// keeps its position.
func ArgIndex(arch Arch, name string, common int) (int, bool) {
	generic, ok := parsedArgs()[name]
	if !ok || common >= len(generic) {
		return common, true
	}
	o, ok := archArgOverrides[name][arch]
	if !ok {
		return common, true
	}
	for i, a := range parseArgList(o) {
		if a.Name == generic[common].Name {
			return i, true
		}
	}
	return 0, false
}

// ArgNote says, for a syscall whose interesting arguments seccomp cannot see, where
// they are; "" when there is nothing to say.
func ArgNote(name string) string { return argNotes[name] }
