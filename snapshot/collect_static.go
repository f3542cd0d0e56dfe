package snapshot

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/syscalls"
)

// StaticReport is what static completion did for one container name, over its
// replicas, and what it could not vouch for.
type StaticReport struct {
	// Executables are those analyzed in any replica, "PATH" or "PATH (build-id
	// ID)", sorted.
	Executables []string `json:"executables"`
	// Added are the syscalls the profile allows because an executable can reach
	// them, not because a replica made them; Withheld the dangerous ones it can
	// reach and that were not added.
	Added    []string            `json:"added"`
	Withheld []generate.Withheld `json:"withheld,omitempty"`
	// Analyzed are the replicas ("node/namespace/pod") whose executables were
	// analyzed, each with what the analysis covers.
	Analyzed []string `json:"analyzed,omitempty"`
	// NotAnalyzed are the replicas with no analysis at all, and why.
	NotAnalyzed []string `json:"notAnalyzed,omitempty"`
	// Errors are what an analysis could not do, "replica: error".
	Errors []string `json:"errors,omitempty"`
	// Unresolved counts syscall sites whose number was not read and Missing the
	// libraries not found, over the distinct executables, with a few examples.
	Unresolved         int      `json:"unresolved,omitempty"`
	UnresolvedExamples []string `json:"unresolvedExamples,omitempty"`
	Missing            int      `json:"missing,omitempty"`
	MissingExamples    []string `json:"missingExamples,omitempty"`
	Notes              []string `json:"notes,omitempty"`
	// Unsure says the completed profile may still lack what the executables need: a
	// replica not analyzed or whose analysis failed in part, a site whose number was
	// not read, a library not found.
	Unsure bool `json:"unsure"`

	reachable []generate.Reachable
}

// staticOf unions the static parts of a container name's replicas. Each executable
// counts once however many replicas ran it; a replica without any analysis, or whose
// analysis had errors, is named: the union of the others must not hide it.
//
// analyzing names the nodes whose agent analyzes (some container of their snapshot
// has a static part): a replica on such a node that has none was never found
// running, which is not the same as a node that does not analyze.
func staticOf(replicas []string, parts map[string]*Static, analyzing map[string]bool) *StaticReport {
	rep := &StaticReport{Executables: []string{}, Added: []string{}}
	type exeKey struct{ path, buildID string }
	exes := map[exeKey]Executable{}
	for _, id := range replicas {
		s := parts[id]
		if s == nil || s.Looks == 0 {
			node, _, _ := strings.Cut(id, "/")
			why := "its node's agent runs without --record-static"
			if analyzing[node] {
				why = "its node's agent never found the container running (it ended before it was looked at, as a short init container does, or has not been looked at yet)"
			}
			rep.NotAnalyzed = append(rep.NotAnalyzed, id+": not analyzed: "+why)
			if s != nil {
				for _, e := range s.Errors {
					rep.Errors = append(rep.Errors, id+": "+e)
				}
			}
			continue
		}
		if len(s.Executables) == 0 {
			why := "no executable was analyzed"
			if len(s.Errors) == 0 {
				why += " (no process was running when it was looked at)"
			}
			rep.NotAnalyzed = append(rep.NotAnalyzed, fmt.Sprintf("%s: %s in %d look(s)", id, why, s.Looks))
		} else {
			rep.Analyzed = append(rep.Analyzed, id+": "+s.Covers())
		}
		for _, e := range s.Errors {
			rep.Errors = append(rep.Errors, id+": "+e)
		}
		if s.ErrorsDropped > 0 {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %d more error(s) left out by the snapshot's bound", id, s.ErrorsDropped))
		}
		for _, e := range s.Executables {
			k := exeKey{e.Path, e.BuildID}
			if _, ok := exes[k]; !ok {
				exes[k] = e
			}
		}
	}
	// Which executables reach each syscall, for its rule's comment.
	type reachKey struct {
		arch syscalls.Arch
		name string
	}
	by := map[reachKey][]string{}
	notes := map[string]bool{}
	keys := slices.SortedFunc(maps.Keys(exes), func(a, b exeKey) int {
		return strings.Compare(a.path+"\x00"+a.buildID, b.path+"\x00"+b.buildID)
	})
	for _, k := range keys {
		e := exes[k]
		name := e.Path
		if e.BuildID != "" {
			name += " (build-id " + e.BuildID + ")"
		}
		rep.Executables = append(rep.Executables, name)
		for _, a := range e.Arches {
			for _, sc := range a.Syscalls {
				rk := reachKey{a.Arch, sc}
				if !slices.Contains(by[rk], e.Path) {
					by[rk] = append(by[rk], e.Path)
				}
			}
		}
		rep.Unresolved += e.Unresolved
		rep.Missing += e.Missing
		for _, x := range e.UnresolvedExamples {
			if len(rep.UnresolvedExamples) < MaxStaticExamples {
				rep.UnresolvedExamples = append(rep.UnresolvedExamples, e.Path+": "+x)
			}
		}
		for _, x := range e.MissingExamples {
			if len(rep.MissingExamples) < MaxStaticExamples {
				rep.MissingExamples = append(rep.MissingExamples, e.Path+": "+x)
			}
		}
		for _, n := range e.Notes {
			notes[e.Path+": "+n] = true
		}
	}
	rep.Notes = slices.Sorted(maps.Keys(notes))
	rep.Unsure = len(rep.NotAnalyzed) > 0 || len(rep.Errors) > 0 || rep.Unresolved > 0 || rep.Missing > 0
	for _, rk := range slices.SortedFunc(maps.Keys(by), func(a, b reachKey) int {
		if a.arch != b.arch {
			return int(a.arch) - int(b.arch)
		}
		return strings.Compare(a.name, b.name)
	}) {
		rep.reachable = append(rep.reachable, generate.Reachable{Arch: rk.arch, Name: rk.name,
			Why: "reachable in " + strings.Join(by[rk], ", ") + " (static analysis)"})
	}
	return rep
}
