package agent

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/seccompctl/seccompctl/monitor"
)

// LoggedFile is the name of the agent's state file of logged syscalls, in Config.StateDir.
const LoggedFile = ".seccompctl-agent-logged.json"

// DefaultMaxLogged caps the entries kept on one node. An entry is one profile, syscall,
// arch, action, pod and container; past the cap new entries are dropped (and counted)
// while existing ones keep counting, so the metric's cardinality stays bounded too.
const DefaultMaxLogged = 2000

// Logged is one syscall logged under a Localhost profile on a node, by one container.
type Logged struct {
	// Profile is the profile's file name (web.json), the key of its ConfigMap.
	Profile   string    `json:"profile"`
	Syscall   string    `json:"syscall"`
	Arch      string    `json:"arch"`
	Action    string    `json:"action"`
	Node      string    `json:"node"`
	Namespace string    `json:"namespace,omitempty"`
	Pod       string    `json:"pod,omitempty"`
	Container string    `json:"container,omitempty"`
	Count     int       `json:"count"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
}

func (l Logged) key() string {
	return l.Profile + "\x00" + l.Syscall + "\x00" + l.Arch + "\x00" + l.Action + "\x00" +
		l.Node + "\x00" + l.Namespace + "\x00" + l.Pod + "\x00" + l.Container
}

// Violation is l as the monitor's JSON line, the shape `k8s promote --from` reads;
// Count and First carry the aggregate.
func (l Logged) Violation() monitor.Violation {
	return monitor.Violation{Time: l.Last, Node: l.Node, Arch: l.Arch, Syscall: l.Syscall, Action: l.Action,
		Container: monitor.Container{Namespace: l.Namespace, Pod: l.Pod, Name: l.Container, Profile: l.Profile},
		Count:     l.Count, First: l.First}
}

// LoggedState is the content of the state file and of the status Lease's
// seccompctl.io/logged annotation.
type LoggedState struct {
	Entries []Logged `json:"entries"`
	// Dropped counts records not kept because the cap was reached (or, in the
	// annotation, entries cut to fit its size bound).
	Dropped int `json:"dropped,omitempty"`
	// Complain lists the profiles (file names) installed on the node in complain mode,
	// sorted: when one of them is next installed enforcing, its entries are dropped.
	Complain []string `json:"complain,omitempty"`
}

// MergeLogged adds v to entries (keyed by profile, syscall, arch, action, node and
// container) and returns the result; a violation with no Localhost profile is not
// about any profile and is ignored (added false). Past limit entries, a new key is
// dropped: dropped is true.
func MergeLogged(entries map[string]*Logged, v monitor.Violation, limit int) (added, dropped bool) {
	if v.Profile == "" || v.Syscall == "" {
		return false, false
	}
	l := Logged{Profile: path.Base(v.Profile), Syscall: v.Syscall, Arch: v.Arch, Action: v.Action, Node: v.Node,
		Namespace: v.Namespace, Pod: v.Pod, Container: v.Name}
	n := max(v.Count, 1)
	first := v.Time
	if !v.First.IsZero() {
		first = v.First
	}
	k := l.key()
	cur := entries[k]
	if cur == nil {
		if len(entries) >= limit {
			return false, true
		}
		l.Count, l.First, l.Last = n, first, v.Time
		entries[k] = &l
		return true, false
	}
	cur.Count += n
	if first.Before(cur.First) {
		cur.First = first
	}
	if v.Time.After(cur.Last) {
		cur.Last = v.Time
	}
	return true, false
}

// SortedLogged lists entries in a stable order: profile, syscall, node, then the rest.
func SortedLogged(entries map[string]*Logged) []Logged {
	out := make([]Logged, 0, len(entries))
	for _, l := range entries {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// LoggedStore keeps the node's logged syscalls in memory and in a JSON file, so an
// agent restart loses nothing that was saved.
type LoggedStore struct {
	path string
	max  int

	mu       sync.Mutex
	entries  map[string]*Logged
	dropped  int
	complain map[string]bool
	dirty    bool
}

// OpenLogged reads the state file at file if it exists. A file that does not parse is
// an error naming it: the agent must not overwrite what it cannot read.
func OpenLogged(file string, max int) (*LoggedStore, error) {
	if max <= 0 {
		max = DefaultMaxLogged
	}
	s := &LoggedStore{path: file, max: max, entries: map[string]*Logged{}, complain: map[string]bool{}}
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading logged syscalls: %w", err)
	}
	var st LoggedState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: not a logged-syscalls state file (%w); move it away to start afresh", file, err)
	}
	for _, l := range st.Entries {
		l := l
		if len(s.entries) >= max {
			s.dropped++
			continue
		}
		s.entries[l.key()] = &l
	}
	s.dropped += st.Dropped
	for _, name := range st.Complain {
		s.complain[name] = true
	}
	return s, nil
}

// Add counts v; it reports whether v was about a profile.
func (s *LoggedStore) Add(v monitor.Violation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	added, dropped := MergeLogged(s.entries, v, s.max)
	if dropped {
		s.dropped++
	}
	if added || dropped {
		s.dirty = true
	}
	return added
}

// State is a copy of what is kept.
func (s *LoggedStore) State() LoggedState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stateLocked()
}

func (s *LoggedStore) stateLocked() LoggedState {
	var complain []string
	for name := range s.complain {
		complain = append(complain, name)
	}
	sort.Strings(complain)
	return LoggedState{Entries: SortedLogged(s.entries), Dropped: s.dropped, Complain: complain}
}

// SetModes records which profiles are installed in complain mode: installed maps the
// file name of every profile installed as wanted to whether it is in complain mode;
// the names in kept are still installed in an older version (the new one was
// refused), so their mode stays. A profile that was installed in complain mode and
// now is installed enforcing has been promoted (or the complain run given up): what
// was logged under it is obsolete, and its entries are dropped, so 'k8s status'
// starts clean. It returns those profiles, sorted.
func (s *LoggedStore) SetModes(installed map[string]bool, kept []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := map[string]bool{}
	var promoted []string
	for name, complain := range installed {
		if complain {
			next[name] = true
		} else if s.complain[name] {
			promoted = append(promoted, name)
		}
	}
	for _, name := range kept {
		if s.complain[name] {
			next[name] = true
		}
	}
	sort.Strings(promoted)
	for k, l := range s.entries {
		if slices.Contains(promoted, l.Profile) {
			delete(s.entries, k)
		}
	}
	if len(promoted) > 0 || !maps.Equal(next, s.complain) {
		s.dirty = true
	}
	s.complain = next
	return promoted
}

// Save writes the state file if anything changed since the last save: a temporary
// file in the same directory, synced, then renamed over the old one, so a crash
// leaves either the old or the new file. It reports whether it wrote.
func (s *LoggedStore) Save() (bool, error) {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return false, nil
	}
	st := s.stateLocked()
	s.dirty = false
	s.mu.Unlock()
	if err := writeAtomic(s.path, st); err != nil {
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		return false, err
	}
	return true, nil
}

func writeAtomic(file string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dir := filepath.Dir(file)
	f, err := os.CreateTemp(dir, ".logged-*.tmp")
	if err != nil {
		return fmt.Errorf("saving logged syscalls: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("saving logged syscalls to %s: %w", file, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself survives a crash only once the directory is synced
		d.Close()
	}
	return nil
}

// AggregateLogged sums per-node entries for profile (all profiles when "") across
// nodes into one entry per profile, syscall, arch, action, node and container,
// sorted. It is what `k8s status` prints.
func AggregateLogged(states []LoggedState, profile string) ([]Logged, int) {
	all := map[string]*Logged{}
	dropped := 0
	for _, st := range states {
		dropped += st.Dropped
		for _, l := range st.Entries {
			if profile != "" && l.Profile != profile {
				continue
			}
			MergeLogged(all, l.Violation(), int(^uint(0)>>1))
		}
	}
	return SortedLogged(all), dropped
}
