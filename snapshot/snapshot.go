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
	Error string `json:"error,omitempty"`
	// Started is when this node began recording the request; an agent restart keeps it.
	Started time.Time `json:"started,omitempty"`
	// Pods are the pods of this node the request matched, deleted ones included.
	Pods       []Pod       `json:"pods,omitempty"`
	Containers []Container `json:"containers,omitempty"`
	// Unresolved are cgroups below a matched pod's cgroup that name no container of its
	// status (the pod sandbox, a container whose ID the status never showed): counted,
	// never merged into a container.
	Unresolved []Unresolved `json:"unresolved,omitempty"`
	// NotCounted counts cgroups the recorder saw start but had no slot for: what ran in
	// them is missing.
	NotCounted uint64 `json:"notCounted,omitempty"`
	// Notes say what else a reader must know (the agent restarted and what ran meanwhile
	// was not seen, a pod was running before the recording started).
	Notes []string `json:"notes,omitempty"`
	// Dropped counts containers left out to keep the snapshot under its size bound, and
	// UnresolvedDropped unresolved cgroups left out for the same reason.
	Dropped           int `json:"dropped,omitempty"`
	UnresolvedDropped int `json:"unresolvedDropped,omitempty"`
}

// Pod is one matched pod on the node.
type Pod struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
	// Cgroup is the pod's cgroup directory, relative to the cgroup v2 mount; empty while
	// it has not appeared (the pod is not running yet).
	Cgroup string `json:"cgroup,omitempty"`
	// Deleted is set when the pod went away during the recording: what it made is kept.
	Deleted bool `json:"deleted,omitempty"`
}

// Unresolved is what one cgroup no container was known for made.
type Unresolved struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	// Cgroup is its path relative to the pod's cgroup ("" for the pod's own).
	Cgroup string `json:"cgroup"`
	// Unnamed is set for cgroups removed before they could be named (containers that
	// ran for a moment, such as a short init container); their Cgroup is "".
	Unnamed  bool   `json:"unnamed,omitempty"`
	Syscalls int    `json:"syscalls"`
	Calls    uint64 `json:"calls"`
}

// Container is what one container of one pod made.
type Container struct {
	Namespace string        `json:"namespace"`
	Pod       string        `json:"pod"`
	Container string        `json:"container"`
	Arch      syscalls.Arch `json:"arch"`
	// Since is set when the container was already running when the recording began: it
	// was counted from then on only, so what it made at start-up may be missing.
	Since    time.Time `json:"since,omitempty"`
	Syscalls []Seen    `json:"syscalls"`
}

// Seen is one syscall's count and when it was first and last seen.
//
// In JSON it is an array, [name, count, first, last], the times in Unix seconds: a
// snapshot holds thousands of them under its size bound, and this form is less than
// half the size of an object with RFC 3339 times. A time with a fraction of a second is
// written as an RFC 3339 string instead, and 0 is the zero time. The object form
// {"name", "count", "first", "last"} is read too.
type Seen struct {
	Name  string    `json:"name"`
	Count uint64    `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// MarshalJSON writes s as [name, count, first, last].
func (s Seen) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{s.Name, s.Count, jsonTime(s.First), jsonTime(s.Last)})
}

func jsonTime(t time.Time) any {
	switch {
	case t.IsZero():
		return 0
	case t.Nanosecond() != 0:
		return t.Format(time.RFC3339Nano)
	}
	return t.Unix()
}

// UnmarshalJSON reads the array form, or the object form.
func (s *Seen) UnmarshalJSON(data []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		type object Seen // without the methods
		var o object
		if oerr := json.Unmarshal(data, &o); oerr != nil {
			return fmt.Errorf("syscall entry: want [name, count, first, last]: %w", err)
		}
		*s = Seen(o)
		return nil
	}
	if len(parts) != 4 {
		return fmt.Errorf("syscall entry: %d elements, want [name, count, first, last]", len(parts))
	}
	var v Seen
	if err := json.Unmarshal(parts[0], &v.Name); err != nil {
		return fmt.Errorf("syscall entry name: %w", err)
	}
	if err := json.Unmarshal(parts[1], &v.Count); err != nil {
		return fmt.Errorf("syscall entry %s count: %w", v.Name, err)
	}
	for i, t := range []*time.Time{&v.First, &v.Last} {
		if err := parseJSONTime(parts[2+i], t); err != nil {
			return fmt.Errorf("syscall entry %s: %w", v.Name, err)
		}
	}
	*s = v
	return nil
}

func parseJSONTime(data json.RawMessage, t *time.Time) error {
	var secs int64
	if err := json.Unmarshal(data, &secs); err == nil {
		if secs != 0 {
			*t = time.Unix(secs, 0).UTC()
		}
		return nil
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return fmt.Errorf("time %s: want Unix seconds or an RFC 3339 string", data)
	}
	v, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return fmt.Errorf("time %q: %w", text, err)
	}
	*t = v
	return nil
}

// Encode writes s as JSON of at most limit bytes: when it is larger, unresolved cgroups
// are left out first (counted in UnresolvedDropped), then whole containers (the largest
// first, so the most containers stay; counted in Dropped).
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
		if n := len(s.Unresolved); n > 0 {
			// Halving keeps the number of encodings logarithmic in a long list.
			s.UnresolvedDropped += n - n/2
			s.Unresolved = s.Unresolved[:n/2]
			continue
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
