package agent

import (
	"errors"
	"sort"
	"sync"
)

// writers is how many files a sync writes at once.
const writers = 4

// SyncResult is what one sync did.
type SyncResult struct {
	Created, Updated, Removed []string
	Unchanged                 int
	// Rejected is the plan's refusals plus files the store would not write.
	Rejected []Rejection
	// Errors are failures to change the directory (the sync is retried).
	Errors []error
	// Installed is the ownership record after the sync.
	Installed map[string]Owned
	// Changed lists the sources whose files were created, updated or removed.
	Changed map[string]bool
}

// apply brings the store to the plan: claim new names, write what differs, remove
// owned files nothing wants any more (except those kept after a refused update).
func apply(st *Store, p Plan) SyncResult {
	res := SyncResult{Rejected: append([]Rejection(nil), p.Rejected...), Changed: map[string]bool{}}
	owned := st.Owned()
	claims := map[string]Owned{}
	for name, w := range p.Want {
		if o, ok := owned[name]; !ok || o.Source != w.Source {
			claims[name] = Owned{Source: w.Source}
		}
	}
	refused, err := st.Claim(claims)
	if err != nil {
		res.Errors = append(res.Errors, err)
		return res
	}
	names := make([]string, 0, len(p.Want))
	for name := range p.Want {
		names = append(names, name)
	}
	sort.Strings(names)
	// Writes run a few at a time: most of their time is fsync, which overlaps well.
	type job struct {
		name string
		had  bool
	}
	var jobs []job
	for _, name := range names {
		w := p.Want[name]
		if err := refused[name]; err != nil {
			reason := ReasonNotOwned
			if !errors.Is(err, ErrNotOwned) && !errors.Is(err, ErrNotRegular) {
				reason = ReasonWrite
			}
			res.Rejected = append(res.Rejected, Rejection{Source: w.Source, Key: name, Reason: reason, Message: err.Error()})
			continue
		}
		if st.Current(name, w.SHA256) {
			res.Unchanged++
			continue
		}
		o, had := owned[name]
		jobs = append(jobs, job{name: name, had: had && o.SHA256 != ""})
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, writers)
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = st.Write(j.name, []byte(p.Want[j.name].Data))
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		w := p.Want[j.name]
		if err := errs[i]; err != nil {
			res.Errors = append(res.Errors, err)
			reason := ReasonWrite
			if errors.Is(err, ErrNotRegular) {
				reason = ReasonNotOwned
			}
			res.Rejected = append(res.Rejected, Rejection{Source: w.Source, Key: j.name, Reason: reason, Message: err.Error()})
			continue
		}
		if j.had {
			res.Updated = append(res.Updated, j.name)
		} else {
			res.Created = append(res.Created, j.name)
		}
		res.Changed[w.Source] = true
	}
	for _, name := range st.List() {
		if _, want := p.Want[name]; want {
			continue
		}
		if _, keep := p.Keep[name]; keep {
			continue
		}
		src := owned[name].Source
		if err := st.Remove(name); err != nil {
			// A name that became a symlink or directory is forgotten, not removed.
			res.Errors = append(res.Errors, err)
			continue
		}
		res.Removed = append(res.Removed, name)
		res.Changed[src] = true
	}
	if len(jobs)+len(res.Removed) > 0 {
		if err := st.SyncDir(); err != nil {
			res.Errors = append(res.Errors, err)
		}
	}
	if err := st.Save(); err != nil {
		res.Errors = append(res.Errors, err)
	}
	res.Installed = st.Owned()
	sort.SliceStable(res.Rejected, func(i, j int) bool {
		a, b := res.Rejected[i], res.Rejected[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Key < b.Key
	})
	return res
}
