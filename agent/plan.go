package agent

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/seccompctl/seccompctl/kube"
)

// Source is a labelled ConfigMap as the agent sees it.
type Source struct {
	Namespace, Name string
	UID             string
	Created         time.Time
	// Data holds data and binaryData together; keys are file names. Strings, as the
	// informer's cache holds them, so a sync copies nothing.
	Data map[string]string
	// Complain names the keys in complain mode (kube.InComplainMode).
	Complain map[string]bool
}

// ID is "namespace/name".
func (s *Source) ID() string { return s.Namespace + "/" + s.Name }

// Reasons a profile is not installed, used in Events, the status and metrics.
const (
	ReasonUnsafeName = "UnsafeName"
	ReasonInvalid    = "InvalidProfile"
	ReasonConflict   = "Conflict"
	ReasonNotOwned   = "NotOwned"
	ReasonWrite      = "WriteFailed"
)

// Rejection is one profile the agent did not install, and why.
type Rejection struct {
	Source  string `json:"source"`
	Key     string `json:"key"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func (r Rejection) String() string {
	return fmt.Sprintf("%s key %s: %s: %s", r.Source, r.Key, r.Reason, r.Message)
}

// Wanted is a file the node should hold.
type Wanted struct {
	Data   string
	SHA256 string
	Source string
	// Complain says the profile is installed in complain mode.
	Complain bool
}

// Plan is the state the node should be in after a sync.
type Plan struct {
	// Want is every file to install, by name.
	Want map[string]Wanted
	// Keep names files whose ConfigMap now holds a version that was refused: the
	// installed one, if any, stays until a valid version or a deletion arrives, so pods
	// that use it keep starting.
	Keep map[string]string
	// Rejected lists what was refused, sorted by source and key.
	Rejected []Rejection
}

// Validator returns an error saying why data (the profile named name) must not be
// installed, or nil. It is called concurrently.
type Validator func(name string, data []byte) error

// checker says why a profile must not be installed; sha is the digest of data.
type checker func(name, sha, data string) error

// plan computes the wanted state from every labelled ConfigMap. Keys that are not safe
// file names are refused. When several ConfigMaps hold the same key, the oldest wins
// (then the lowest namespace/name), which stays stable as others come and go.
func plan(sources []*Source, validate checker) Plan {
	p := Plan{Want: map[string]Wanted{}, Keep: map[string]string{}}
	sorted := append([]*Source(nil), sources...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.ID() < b.ID()
	})
	winner := map[string]string{}
	type check struct {
		src  *Source
		key  string
		data string
		sha  string
		err  error
	}
	var checks []*check
	for _, s := range sorted {
		keys := make([]string, 0, len(s.Data))
		for k := range s.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			reject := func(reason, msg string) {
				p.Rejected = append(p.Rejected, Rejection{Source: s.ID(), Key: k, Reason: reason, Message: msg})
			}
			if err := kube.ValidProfileName(k); err != nil {
				reject(ReasonUnsafeName, err.Error())
				continue
			}
			if w, ok := winner[k]; ok {
				reject(ReasonConflict, fmt.Sprintf("ConfigMap %s, which is older, already provides %s", w, k))
				continue
			}
			winner[k] = s.ID()
			checks = append(checks, &check{src: s, key: k, data: s.Data[k]})
		}
	}
	// Linting is the costly part of a first sync: spread it over the CPUs.
	var wg sync.WaitGroup
	next := make(chan *check)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				c.sha = sum(c.data)
				c.err = validate(c.key, c.sha, c.data)
			}
		}()
	}
	for _, c := range checks {
		next <- c
	}
	close(next)
	wg.Wait()
	for _, c := range checks {
		if c.err != nil {
			p.Rejected = append(p.Rejected, Rejection{Source: c.src.ID(), Key: c.key, Reason: ReasonInvalid, Message: c.err.Error()})
			p.Keep[c.key] = c.src.ID()
			continue
		}
		p.Want[c.key] = Wanted{Data: c.data, SHA256: c.sha, Source: c.src.ID(), Complain: c.src.Complain[c.key]}
	}
	sort.SliceStable(p.Rejected, func(i, j int) bool {
		a, b := p.Rejected[i], p.Rejected[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Key < b.Key
	})
	return p
}
