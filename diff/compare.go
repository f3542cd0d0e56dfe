package diff

import (
	"fmt"
	"sort"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Comparison says how much narrower a profile is than a baseline on one architecture.
// A syscall counts as allowed when at least some of its calls get through.
type Comparison struct {
	Profile  string `json:"profile"`
	Baseline string `json:"baseline"`
	Arch     string `json:"arch"`
	// Categories in Categories order, only those with a syscall either side allows.
	Categories []CategoryCount `json:"categories"`
	Total      CategoryCount   `json:"total"`
	// Narrower is the share of the baseline's allowed syscalls the profile denies.
	Narrower float64 `json:"narrower"`
}

// CategoryCount counts allowed syscalls of one category.
type CategoryCount struct {
	Category string `json:"category"`
	Profile  int    `json:"profile"`
	Baseline int    `json:"baseline"`
	// Denied are the syscalls the baseline allows and the profile denies; Added those
	// the profile allows and the baseline denies.
	Denied []string `json:"denied"`
	Added  []string `json:"added"`
}

// Compare compares p with baseline on each architecture of p (or opts.Arches) for a
// container with opts.Caps.
func Compare(p, baseline *profile.Profile, opts Options) ([]Comparison, error) {
	caps := opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	arches := opts.Arches
	if len(arches) == 0 {
		arches = archesOf(p)
	}
	var out []Comparison
	for _, arch := range arches {
		pv, err := newView(p, arch, caps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name(p), err)
		}
		bv, err := newView(baseline, arch, caps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name(baseline), err)
		}
		out = append(out, compareViews(pv, bv, name(p), name(baseline)))
	}
	return out, nil
}

func compareViews(pv, bv *view, pname, bname string) Comparison {
	c := Comparison{Profile: pname, Baseline: bname, Arch: pv.arch.String(), Total: CategoryCount{Category: "total", Denied: []string{}, Added: []string{}}}
	by := map[string]*CategoryCount{}
	for _, e := range syscalls.Table(pv.arch) {
		n := e.Name
		pOK, bOK := pv.get(n).passes != "none", bv.get(n).passes != "none"
		if !pOK && !bOK {
			continue
		}
		cat := Category(n)
		cc := by[cat]
		if cc == nil {
			cc = &CategoryCount{Category: cat, Denied: []string{}, Added: []string{}}
			by[cat] = cc
		}
		for _, x := range []*CategoryCount{cc, &c.Total} {
			if pOK {
				x.Profile++
			}
			if bOK {
				x.Baseline++
			}
			switch {
			case bOK && !pOK:
				x.Denied = append(x.Denied, n)
			case pOK && !bOK:
				x.Added = append(x.Added, n)
			}
		}
	}
	for _, cat := range Categories {
		if cc := by[cat]; cc != nil {
			sort.Strings(cc.Denied)
			sort.Strings(cc.Added)
			c.Categories = append(c.Categories, *cc)
		}
	}
	sort.Strings(c.Total.Denied)
	sort.Strings(c.Total.Added)
	if c.Total.Baseline > 0 {
		c.Narrower = float64(len(c.Total.Denied)) / float64(c.Total.Baseline)
	}
	return c
}
