package monitor

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/profile"
)

// Suggestion is the change to one profile that would have allowed what it denied (or
// logged), in the manner of audit2allow.
type Suggestion struct {
	// Profile is the profile's path on the node, "" when the runtime did not say.
	Profile string `json:"profile,omitempty"`
	// LocalhostProfile is Profile relative to the kubelet's seccomp directory.
	LocalhostProfile string `json:"localhostProfile,omitempty"`
	// Containers are the "namespace/pod/container" (or container IDs) that hit it.
	Containers []string `json:"containers"`
	Arch       string   `json:"arch"`
	// Denied counts records by syscall.
	Denied map[string]int `json:"denied"`
	// Rule allows the syscalls the profile does not allow at all.
	Rule *profile.Rule `json:"rule,omitempty"`
	// Notes explain syscalls the rule leaves out: allowed only under argument conditions
	// the call did not meet, or already allowed (the profile changed since).
	Notes []string `json:"notes,omitempty"`
}

// Suggester collects violations and proposes profile changes.
type Suggester struct {
	groups map[string]*group
}

type group struct {
	profile    string
	arch       string
	containers map[string]bool
	denied     map[string]int
}

// Add records v; allowed syscalls (never logged) and records of processes outside any
// known container with no profile are kept too, under the container or process.
func (s *Suggester) Add(v Violation) {
	if v.Action == profile.ActAllow.String() {
		return
	}
	if s.groups == nil {
		s.groups = map[string]*group{}
	}
	who := containerName(v)
	key := v.Profile + "\x00" + v.Arch
	if v.Profile == "" {
		key = "?" + who + "\x00" + v.Arch
	}
	g := s.groups[key]
	if g == nil {
		g = &group{profile: v.Profile, arch: v.Arch, containers: map[string]bool{}, denied: map[string]int{}}
		s.groups[key] = g
	}
	g.containers[who] = true
	g.denied[v.Syscall]++
}

func containerName(v Violation) string {
	switch {
	case v.Pod != "":
		return v.Namespace + "/" + v.Pod + "/" + v.Container.Name
	case v.ID != "":
		return "container " + v.ID
	}
	return fmt.Sprintf("pid %d (%s)", v.PID, v.Comm)
}

// Suggestions returns one suggestion per profile and architecture, sorted. load reads
// a profile from the node (nil: profiles are not read, every denied syscall is
// suggested).
func (s *Suggester) Suggestions(load func(path string) (*profile.Profile, error)) []Suggestion {
	var out []Suggestion
	for _, g := range s.groups {
		sg := Suggestion{Profile: g.profile, LocalhostProfile: relToSeccompDir(g.profile), Arch: g.arch, Denied: g.denied}
		for c := range g.containers {
			sg.Containers = append(sg.Containers, c)
		}
		sort.Strings(sg.Containers)
		var p *profile.Profile
		if g.profile != "" && load != nil {
			var err error
			if p, err = load(g.profile); err != nil {
				sg.Notes = append(sg.Notes, fmt.Sprintf("could not read the profile (%v): every denied syscall is listed", err))
				p = nil
			}
		}
		var names []string
		for name := range g.denied {
			names = append(names, name)
		}
		sort.Strings(names)
		var allow []string
		for _, name := range names {
			if note := ruleNote(p, name); note != "" {
				sg.Notes = append(sg.Notes, note)
				continue
			}
			allow = append(allow, name)
		}
		if len(allow) > 0 {
			sg.Rule = &profile.Rule{Names: allow, Action: profile.ActAllow}
		}
		out = append(out, sg)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Profile != out[j].Profile {
			return out[i].Profile < out[j].Profile
		}
		if out[i].Arch != out[j].Arch {
			return out[i].Arch < out[j].Arch
		}
		return strings.Join(out[i].Containers, ",") < strings.Join(out[j].Containers, ",")
	})
	return out
}

// ruleNote says why name should not simply be allowed: a rule already allows it under
// conditions, or outright.
func ruleNote(p *profile.Profile, name string) string {
	if p == nil {
		return ""
	}
	for i, r := range p.Syscalls {
		if r.Action != profile.ActAllow || !slices.Contains(r.AllNames(), name) {
			continue
		}
		if len(r.Args) > 0 {
			return fmt.Sprintf("%s is allowed by syscalls[%d] only when its arguments match; the denied call did not: widen that rule's conditions rather than allowing %s outright", name, i, name)
		}
		if r.Includes == nil && r.Excludes == nil {
			return fmt.Sprintf("%s is already allowed by syscalls[%d]: the container runs an older version of the profile (restart it to pick up the file)", name, i)
		}
		return fmt.Sprintf("%s is allowed by syscalls[%d] only for some capabilities, architectures or kernels (includes/excludes)", name, i)
	}
	return ""
}

func relToSeccompDir(path string) string {
	if i := strings.LastIndex(path, "/seccomp/"); i >= 0 {
		return path[i+len("/seccomp/"):]
	}
	return ""
}

// WriteSuggestions prints suggestions for people: what was denied, the rule to add.
func WriteSuggestions(w io.Writer, sgs []Suggestion) error {
	if len(sgs) == 0 {
		_, err := fmt.Fprintln(w, "# no denials seen")
		return err
	}
	for i, sg := range sgs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		switch {
		case sg.LocalhostProfile != "":
			fmt.Fprintf(w, "# profile %s (localhostProfile: %s)\n", sg.Profile, sg.LocalhostProfile)
		case sg.Profile != "":
			fmt.Fprintf(w, "# profile %s\n", sg.Profile)
		default:
			fmt.Fprintln(w, "# profile unknown (the runtime did not report it)")
		}
		fmt.Fprintf(w, "#   used by %s\n", strings.Join(sg.Containers, ", "))
		var denied []string
		for name, n := range sg.Denied {
			denied = append(denied, fmt.Sprintf("%s (%d)", name, n))
		}
		sort.Strings(denied)
		fmt.Fprintf(w, "#   denied or logged on %s: %s\n", sg.Arch, strings.Join(denied, ", "))
		for _, n := range sg.Notes {
			fmt.Fprintf(w, "# note: %s\n", n)
		}
		if sg.Rule == nil {
			continue
		}
		fmt.Fprintln(w, `# add to "syscalls":`)
		names, err := json.Marshal(sg.Rule.Names)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "{\"names\": %s, \"action\": %q}\n", strings.ReplaceAll(string(names), ",", ", "), sg.Rule.Action.String()); err != nil {
			return err
		}
	}
	return nil
}
