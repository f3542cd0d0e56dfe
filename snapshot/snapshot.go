// Package snapshot holds what a node's agent recorded for one recording request, as it
// writes it for 'k8s record status' and 'k8s record collect', and turns the snapshots of
// every node into one profile per container name.
package snapshot

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

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
