// Package snapshot holds what a node's agent recorded for one recording request, as it
// writes it for 'k8s record status' and 'k8s record collect', and turns the snapshots of
// every node into one profile per container name.
package snapshot

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Snapshot is one node's recording for one request.
type Snapshot struct {
	Request string    `json:"request"`
	Node    string    `json:"node"`
	Written time.Time `json:"written"`
	// Error says why this node records nothing (eBPF did not load, ...); empty when it
	// records.
	Error      string      `json:"error,omitempty"`
	Containers []Container `json:"containers,omitempty"`
	// Dropped counts containers left out to keep the snapshot under its size bound.
	Dropped int `json:"dropped,omitempty"`
}

// Container is what one container of one pod made.
type Container struct {
	Namespace string        `json:"namespace"`
	Pod       string        `json:"pod"`
	Container string        `json:"container"`
	Arch      syscalls.Arch `json:"arch"`
	Syscalls  []Seen        `json:"syscalls"`
}

// Seen is one syscall's count and when it was first and last seen.
type Seen struct {
	Name  string    `json:"name"`
	Count uint64    `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// Encode writes s as JSON of at most limit bytes: when it is larger, whole containers
// are left out (the largest first, so the most containers stay) and counted in Dropped.
func Encode(s Snapshot, limit int) ([]byte, error) {
	cs := slices.Clone(s.Containers)
	for {
		s.Containers = cs
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		if len(b) <= limit {
			return b, nil
		}
		if len(cs) == 0 {
			return nil, fmt.Errorf("snapshot of node %s for %s: %d bytes without any container, over the %d-byte bound", s.Node, s.Request, len(b), limit)
		}
		largest := 0
		for i, c := range cs {
			if len(c.Syscalls) > len(cs[largest].Syscalls) {
				largest = i
			}
		}
		cs = slices.Delete(slices.Clone(cs), largest, largest+1)
		s.Dropped++
	}
}

// Decode reads a snapshot Encode wrote; what names the source for errors.
func Decode(what string, data []byte) (Snapshot, error) {
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return Snapshot{}, fmt.Errorf("snapshot %s: %w", what, err)
	}
	return s, nil
}

// Coverage says which replicas made one syscall in one container name.
type Coverage struct {
	Replicas    []string // "node/namespace/pod", sorted
	Of          int      // replicas of this container name across all snapshots
	First, Last time.Time
}

func (c Coverage) String() string {
	return fmt.Sprintf("seen in %d of %d replicas, first %s, last %s", len(c.Replicas), c.Of,
		c.First.UTC().Format(time.RFC3339), c.Last.UTC().Format(time.RFC3339))
}

// Collected is the profile of one container name.
type Collected struct {
	Container string
	Profile   *profile.Profile
	Report    *generate.Report
	Coverage  map[string]Coverage // by syscall name
}

// Collect unions, per container name, what every replica on every node made, and
// generates one profile each with opts (opts.Runtime adds what the OCI runtime needs).
// Each recorded syscall's rule is commented with its replica coverage and first and
// last seen. Nodes that record nothing are ignored here: their Error is for status.
func Collect(snaps []Snapshot, opts generate.Options) ([]Collected, error) {
	type acc struct {
		rec      *record.Recording
		replicas map[string]bool
		cov      map[string]*Coverage
	}
	by := map[string]*acc{}
	for _, s := range snaps {
		for _, c := range s.Containers {
			a := by[c.Container]
			if a == nil {
				a = &acc{rec: record.New("ebpf"), replicas: map[string]bool{}, cov: map[string]*Coverage{}}
				by[c.Container] = a
			}
			replica := s.Node + "/" + c.Namespace + "/" + c.Pod
			a.replicas[replica] = true
			for _, sc := range c.Syscalls {
				if sc.Count == 0 {
					continue
				}
				a.rec.Add(record.Call{Arch: c.Arch, Name: sc.Name}, sc.Count)
				cv := a.cov[sc.Name]
				if cv == nil {
					cv = &Coverage{First: sc.First, Last: sc.Last}
					a.cov[sc.Name] = cv
				}
				if !slices.Contains(cv.Replicas, replica) {
					cv.Replicas = append(cv.Replicas, replica)
				}
				if sc.First.Before(cv.First) {
					cv.First = sc.First
				}
				if sc.Last.After(cv.Last) {
					cv.Last = sc.Last
				}
			}
		}
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Collected
	for _, n := range names {
		a := by[n]
		opts.Comments = true
		p, rep, err := generate.Profile(a.rec, opts)
		if err != nil {
			return nil, fmt.Errorf("container %s: %w", n, err)
		}
		cov := map[string]Coverage{}
		for name, c := range a.cov {
			sort.Strings(c.Replicas)
			c.Of = len(a.replicas)
			cov[name] = *c
		}
		for i, r := range p.Syscalls {
			if len(r.Names) != 1 {
				continue
			}
			if c, ok := cov[r.Names[0]]; ok {
				p.Syscalls[i].Comment = c.String() + " (" + strings.Join(c.Replicas, ", ") + ")"
			}
		}
		out = append(out, Collected{Container: n, Profile: p, Report: rep, Coverage: cov})
	}
	return out, nil
}
