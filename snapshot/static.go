package snapshot

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Static is what static analysis found of the executables one container ran, as its
// node's agent looked at them (agent --record-static): the container's processes are
// looked at now and then, and each executable not seen before is analyzed once. It
// covers the executables seen running at those looks, no others: a program that ran
// only between two looks is not in it.
type Static struct {
	// Looks counts the times the container's processes were looked at, the first and
	// the last of them at First and Last.
	Looks       int          `json:"looks"`
	First       time.Time    `json:"first,omitzero"`
	Last        time.Time    `json:"last,omitzero"`
	Executables []Executable `json:"executables,omitempty"`
	// Errors say what could not be analyzed and why (a process gone before it was
	// read, a file that is not ELF, another architecture, more executables than the
	// bound): each is a gap in what Executables cover.
	Errors []string `json:"errors,omitempty"`
	// ErrorsDropped counts errors left out past MaxStaticErrors.
	ErrorsDropped int `json:"errorsDropped,omitempty"`
}

// Executable is one program a container ran and what it can reach.
type Executable struct {
	// Path is the executable's path in the container, BuildID its GNU build-id
	// (hex, "" when it has none).
	Path    string    `json:"path"`
	BuildID string    `json:"buildID,omitempty"`
	Seen    time.Time `json:"seen,omitzero"` // the look that first found it running
	// Objects is how many ELF objects the analysis covered: the executable, its
	// libraries and the modules its process had mapped.
	Objects int            `json:"objects"`
	Arches  []StaticArches `json:"arches"`
	// Withheld are the reachable syscalls of the dangerous list: collect never adds
	// them to a profile, it lists them for a human.
	Withheld []string `json:"withheld,omitempty"`
	// Unresolved counts reachable syscall sites whose number could not be read,
	// Missing needed libraries that were not found, each with a few examples.
	Unresolved         int      `json:"unresolved,omitempty"`
	UnresolvedExamples []string `json:"unresolvedExamples,omitempty"`
	Missing            int      `json:"missing,omitempty"`
	MissingExamples    []string `json:"missingExamples,omitempty"`
	// Notes say what else the analysis cannot see ("exec: 2 sites in libc.so.6").
	Notes []string `json:"notes,omitempty"`
}

// StaticArches is the reachable set of one architecture, sorted.
type StaticArches struct {
	Arch     syscalls.Arch `json:"arch"`
	Syscalls []string      `json:"syscalls"`
}

// Bounds on a container's static part, so that a container running many programs
// keeps the snapshot within its size bound: past them, what is left out is said.
const (
	MaxStaticExecutables = 16
	MaxStaticErrors      = 8
	MaxStaticExamples    = 3
)

// AddError records why something could not be analyzed, each reason once, at most
// MaxStaticErrors of them (the rest counted).
func (s *Static) AddError(msg string) {
	if slices.Contains(s.Errors, msg) {
		return
	}
	if len(s.Errors) >= MaxStaticErrors {
		s.ErrorsDropped++
		return
	}
	s.Errors = append(s.Errors, msg)
}

// Merge adds what o found to s: executables by path and build-id (the earlier sight
// kept), errors once each, looks added up.
func (s *Static) Merge(o *Static) {
	if o == nil {
		return
	}
	if o.Looks > 0 {
		if s.Looks == 0 || o.First.Before(s.First) {
			s.First = o.First
		}
		if o.Last.After(s.Last) {
			s.Last = o.Last
		}
		s.Looks += o.Looks
	}
	for _, e := range o.Executables {
		i := slices.IndexFunc(s.Executables, func(x Executable) bool { return x.Path == e.Path && x.BuildID == e.BuildID })
		switch {
		case i >= 0:
			if !e.Seen.IsZero() && (s.Executables[i].Seen.IsZero() || e.Seen.Before(s.Executables[i].Seen)) {
				s.Executables[i].Seen = e.Seen
			}
		case len(s.Executables) >= MaxStaticExecutables:
			s.AddError(fmt.Sprintf("%s: more than %d executables: not analyzed", e.Path, MaxStaticExecutables))
		default:
			s.Executables = append(s.Executables, e)
		}
	}
	for _, e := range o.Errors {
		s.AddError(e)
	}
	s.ErrorsDropped += o.ErrorsDropped
}

// Clone is a deep copy of s.
func (s *Static) Clone() *Static {
	if s == nil {
		return nil
	}
	c := *s
	c.Errors = slices.Clone(s.Errors)
	c.Executables = make([]Executable, len(s.Executables))
	for i, e := range s.Executables {
		e.Arches = slices.Clone(e.Arches)
		for j := range e.Arches {
			e.Arches[j].Syscalls = slices.Clone(e.Arches[j].Syscalls)
		}
		e.Withheld = slices.Clone(e.Withheld)
		e.UnresolvedExamples = slices.Clone(e.UnresolvedExamples)
		e.MissingExamples = slices.Clone(e.MissingExamples)
		e.Notes = slices.Clone(e.Notes)
		c.Executables[i] = e
	}
	return &c
}

// Covers says in words what s covers: "2 executables seen running in 5 looks from
// T1 to T2".
func (s *Static) Covers() string {
	if s == nil || s.Looks == 0 {
		return "never looked at"
	}
	var names []string
	for _, e := range s.Executables {
		names = append(names, e.Path)
	}
	what := "no executable"
	if len(names) > 0 {
		what = strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, seen running in %d look(s) from %s to %s", what, s.Looks,
		s.First.UTC().Format(time.RFC3339), s.Last.UTC().Format(time.RFC3339))
}
