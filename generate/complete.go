package generate

import (
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Reachable is a syscall that static analysis found the recorded program can make, and
// why (the call chain, as a sentence), for Options.Complete.
type Reachable struct {
	Arch syscalls.Arch
	Name string
	// Why says how the program reaches it: "reachable from sendfile64 in libc.so.6,
	// called by network_write in /usr/sbin/NAME".
	Why string
}

// Withheld is a reachable syscall completion did not add: it is for a human to decide.
type Withheld struct {
	Name string `json:"name"`
	// Why is how the program reaches it, Reason why it is not added on trust.
	Why    string `json:"why"`
	Reason string `json:"reason"`
}

// completionSuffix ends every comment of an added rule, so a reader tells them apart
// from what was recorded.
const completionSuffix = "; not seen while recording"

// addComplete allows, one rule each with its reason, the reachable syscalls the
// recording, the runtime and the exit handling did not already allow. Those withhold
// names are listed in the report instead.
func (b *builder) addComplete(reach []Reachable, withhold func(name string) (string, bool)) {
	for _, r := range reach {
		if !syscalls.Known(r.Name) {
			continue
		}
		for _, target := range b.arches {
			if !sameABIFamily(r.Arch, target) {
				continue
			}
			name, ok := nameOn(target, r.Name)
			if !ok {
				continue
			}
			if b.allowed(name) {
				continue
			}
			if withhold != nil {
				if reason, ok := withhold(name); ok {
					if !slices.ContainsFunc(b.report.Withheld, func(w Withheld) bool { return w.Name == name }) {
						b.report.Withheld = append(b.report.Withheld, Withheld{Name: name, Why: r.Why, Reason: reason})
					}
					continue
				}
			}
			b.static[name] = r.Why + completionSuffix
		}
	}
	b.report.Completed = b.report.Completed[:0]
	for n := range b.static {
		b.report.Completed = append(b.report.Completed, n)
	}
	slices.Sort(b.report.Completed)
	slices.SortFunc(b.report.Withheld, func(x, y Withheld) int { return strings.Compare(x.Name, y.Name) })
}

// allowed reports whether name is already allowed by the recording, the runtime, the
// exit handling or completion.
func (b *builder) allowed(name string) bool {
	_, u := b.uses[name]
	_, rt := b.runtime[name]
	_, e := b.essence[name]
	_, s := b.static[name]
	return u || rt || e || s
}

// completedRules renders one rule per added syscall, each with its reason.
func (b *builder) completedRules() []profile.Rule {
	names := make([]string, 0, len(b.static))
	for n := range b.static {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]profile.Rule, len(names))
	for i, n := range names {
		out[i] = profile.Rule{Names: []string{n}, Action: profile.ActAllow, Comment: b.static[n]}
	}
	return out
}
