// Package snapshot holds what a node's agent recorded for one recording request, as it
// writes it for 'k8s record status' and 'k8s record collect', and turns the snapshots of
// every node into one profile per container name.
package snapshot

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
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
	// Part numbers the pieces of a snapshot too large for one object (EncodeParts): part
	// 0 holds everything but the containers that did not fit in it, the others hold only
	// containers (and what they dropped). Join puts them together again.
	Part int `json:"part,omitempty"`
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
	Since time.Time `json:"since,omitempty"`
	// AllTasks is set when, for lack of room to tell them apart, every task in the
	// container's cgroup was counted, not only the container's own: the set-up a runtime
	// makes in the cgroup (runc init for `kubectl exec`) may be among the syscalls. Not
	// set for a container already running (Since), whose tasks are all counted anyway.
	AllTasks bool   `json:"allTasks,omitempty"`
	Syscalls []Seen `json:"syscalls"`
	// Static is what static analysis found of the executables the container ran
	// (agent --record-static); nil when the node's agent does not analyze.
	Static *Static `json:"static,omitempty"`
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

// pack gzips JSON and base64-encodes it: a snapshot's JSON repeats the same names and
// times thousands of times and shrinks several times over, which is what lets hundreds
// of containers fit in an object's annotations.
func pack(raw []byte) []byte {
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
	w.Write(raw) // a bytes.Buffer takes all
	w.Close()
	out := make([]byte, base64.StdEncoding.EncodedLen(z.Len()))
	base64.StdEncoding.Encode(out, z.Bytes())
	return out
}

// packedSize is s packed, and its JSON's length.
func packedSize(s Snapshot) ([]byte, int, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, 0, err
	}
	return pack(raw), len(raw), nil
}

// rawSize is the length of v's JSON (0 if it has none).
func rawSize(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}

// EncodeParts writes s packed (gzipped JSON in base64, which Decode reads) in as few
// parts of at most limit bytes as hold it, at most maxParts: the first part holds
// everything but the containers that did not fit in it, each next one as many of the
// remaining containers as fit. Only what the last part cannot hold is left out, as
// Encode does: unresolved cgroups first, then the largest containers, counted.
//
// How many containers a part holds is worked out from their JSON sizes and the ratio
// the last packing gave, then checked by packing: a few packings per part, not one per
// container.
func EncodeParts(s Snapshot, limit, maxParts int) ([][]byte, error) {
	maxParts = max(maxParts, 1)
	sizes := make([]int, len(s.Containers))
	for i, c := range s.Containers {
		sizes[i] = rawSize(c) + 1 // and its comma
	}
	rest, restSizes := s.Containers, sizes
	var out [][]byte
	for p := 0; ; p++ {
		part := Snapshot{Request: s.Request, Node: s.Node, Written: s.Written, Part: p}
		if p == 0 {
			part = s
			part.Part = 0
		}
		if p == maxParts-1 {
			part.Containers = rest
			b, err := packBounded(part, limit)
			if err != nil {
				return nil, err
			}
			return append(out, b), nil
		}
		part.Containers = nil
		header := rawSize(part)
		k := len(rest)
		for {
			part.Containers = rest[:k]
			b, raw, err := packedSize(part)
			if err != nil {
				return nil, err
			}
			if len(b) <= limit {
				break
			}
			// Aim a little under the bound at the ratio just seen.
			target := int(float64(limit) * 0.97 * float64(raw) / float64(len(b)))
			n, sum := 0, header
			for n < k-1 && sum+restSizes[n] <= target {
				sum += restSizes[n]
				n++
			}
			if n >= k {
				n = k - 1
			}
			k = n
			if k == 0 {
				break
			}
		}
		if k == 0 {
			// Not even one container fits beside what the part must hold (a container
			// alone over the bound, or a first part whose pods fill it): the part drops
			// as the last part does.
			k = min(1, len(rest))
			part.Containers = rest[:k]
		}
		b, err := packBounded(part, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		rest, restSizes = rest[k:], restSizes[k:]
		if len(rest) == 0 {
			return out, nil
		}
	}
}

// packBounded packs s in at most limit bytes, leaving out what does not fit:
// unresolved cgroups first (counted in UnresolvedDropped), then whole containers, the
// largest first (counted in Dropped). Each round leaves out what the ratio of the last
// packing says is too much, at least one entry.
func packBounded(s Snapshot, limit int) ([]byte, error) {
	cs := slices.Clone(s.Containers)
	us := slices.Clone(s.Unresolved)
	for {
		s.Containers, s.Unresolved = cs, us
		b, raw, err := packedSize(s)
		if err != nil {
			return nil, err
		}
		if len(b) <= limit {
			return b, nil
		}
		if len(cs) == 0 && len(us) == 0 {
			return nil, fmt.Errorf("snapshot of node %s for %s: %d bytes packed without any container, over the %d-byte bound", s.Node, s.Request, len(b), limit)
		}
		excess := int(float64(len(b)-limit)*float64(raw)/float64(len(b))) + 1
		for excess > 0 && len(us) > 0 {
			excess -= rawSize(us[len(us)-1]) + 1
			us = us[:len(us)-1]
			s.UnresolvedDropped++
		}
		for excess > 0 && len(cs) > 0 {
			largest := 0
			for i, c := range cs {
				if len(c.Syscalls) > len(cs[largest].Syscalls) {
					largest = i
				}
			}
			excess -= rawSize(cs[largest]) + 1
			cs = slices.Delete(cs, largest, largest+1)
			s.Dropped++
		}
	}
}

// maxUnpacked bounds what a packed snapshot may unpack to: a part is at most a few
// hundred KiB packed, and JSON shrinks some tens of times at most.
const maxUnpacked = 64 << 20

// Decode reads a snapshot Encode or EncodeParts wrote (plain JSON or packed); what
// names the source for errors.
func Decode(what string, data []byte) (Snapshot, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '{' {
		z, err := base64.StdEncoding.DecodeString(string(t))
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot %s: neither JSON nor base64: %w", what, err)
		}
		r, err := gzip.NewReader(bytes.NewReader(z))
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot %s: not gzip: %w", what, err)
		}
		raw, err := io.ReadAll(io.LimitReader(r, maxUnpacked+1))
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot %s: unpacking: %w", what, err)
		}
		if len(raw) > maxUnpacked {
			return Snapshot{}, fmt.Errorf("snapshot %s: unpacks to more than %d bytes", what, maxUnpacked)
		}
		data = raw
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return Snapshot{}, fmt.Errorf("snapshot %s: %w", what, err)
	}
	return s, nil
}

// Join puts the parts of each node's snapshot together (EncodeParts), one snapshot per
// node and request, sorted by node. Parts written at different times (a reader between
// two of the agent's writes) are joined too, a container found in two parts taken from
// the later one, and a note says so; containers keep the order of the parts. A node whose part 0 is missing keeps what the
// others hold, with a note.
func Join(parts []Snapshot) []Snapshot {
	type key struct{ request, node string }
	byNode := map[key][]Snapshot{}
	var keys []key
	for _, p := range parts {
		k := key{p.Request, p.Node}
		if _, ok := byNode[k]; !ok {
			keys = append(keys, k)
		}
		byNode[k] = append(byNode[k], p)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].node != keys[j].node {
			return keys[i].node < keys[j].node
		}
		return keys[i].request < keys[j].request
	})
	out := make([]Snapshot, 0, len(keys))
	for _, k := range keys {
		ps := byNode[k]
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Part < ps[j].Part })
		if len(ps) == 1 && ps[0].Part == 0 {
			out = append(out, ps[0])
			continue
		}
		s := ps[0]
		if s.Part != 0 {
			s = Snapshot{Request: k.request, Node: k.node, Written: ps[0].Written}
			s.Notes = append(s.Notes, "the first part of this node's snapshot is missing: its pods, unresolved cgroups and notes are not shown")
		}
		type ckey struct {
			namespace, pod, container string
			arch                      syscalls.Arch
		}
		idx := map[ckey]int{}
		from := map[ckey]time.Time{}
		s.Containers, s.Dropped, s.UnresolvedDropped = nil, 0, 0
		mixed := false
		for _, p := range ps {
			if !p.Written.Equal(s.Written) {
				mixed = true
			}
			s.Dropped += p.Dropped
			s.UnresolvedDropped += p.UnresolvedDropped
			for _, c := range p.Containers {
				ck := ckey{c.Namespace, c.Pod, c.Container, c.Arch}
				if i, ok := idx[ck]; ok {
					if p.Written.After(from[ck]) {
						s.Containers[i], from[ck] = c, p.Written
					}
					continue
				}
				idx[ck], from[ck] = len(s.Containers), p.Written
				s.Containers = append(s.Containers, c)
			}
		}
		if mixed {
			s.Notes = append(s.Notes, "the parts of this node's snapshot were written at different times (the agent was writing them): read again for one consistent view")
		}
		s.Part = 0
		out = append(out, s)
	}
	return out
}
