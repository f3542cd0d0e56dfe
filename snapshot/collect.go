package snapshot

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Node is what the cluster's Node object says about a node the snapshots name.
type Node struct {
	Name string
	// Arch is status.nodeInfo.architecture (a GOARCH such as amd64); ArchInvalid when
	// the Node does not say or says something unknown.
	Arch syscalls.Arch
	// RuntimeVersion is status.nodeInfo.containerRuntimeVersion ("containerd://1.7.24").
	RuntimeVersion string
}

// OCIRuntimes says which OCI runtime a node whose container runtime reports version
// (status.nodeInfo.containerRuntimeVersion) starts containers with, and, when that
// cannot be told for sure, why (then both runc and crun are returned, so the profile
// lets the container start under either).
//
// containerd and Docker (cri-dockerd) run runc unless a node is configured otherwise.
// CRI-O's own default was runc until 1.31, whose release notes make crun the default;
// the upstream CRI-O packages already set crun in /etc/crio/crio.conf.d/10-crio.conf
// from 1.28 on (cri-o/cri-o#8626), so for 1.28 to 1.30 either may run.
func OCIRuntimes(version string) (runtimes []string, unsure string) {
	both := []string{"crun", "runc"}
	name, ver, _ := strings.Cut(version, "://")
	switch name {
	case "containerd", "docker":
		return []string{"runc"}, ""
	case "cri-o":
		major, minor, ok := majorMinor(ver)
		switch {
		case !ok:
			return both, fmt.Sprintf("CRI-O version %q not understood, so its OCI runtime (runc or crun) cannot be told", ver)
		case major == 1 && minor < 28:
			return []string{"runc"}, ""
		case major == 1 && minor <= 30:
			return both, fmt.Sprintf("CRI-O %s runs runc by default, but its upstream packages from 1.28 on configure crun", ver)
		default:
			return []string{"crun"}, ""
		}
	case "":
		return both, "the Node does not report its container runtime"
	}
	return both, fmt.Sprintf("container runtime %q is not one whose OCI runtime is known", name)
}

func majorMinor(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}

// Options say how Collect generates the profiles.
type Options struct {
	// Generate is passed on; Comments is always on, and Arches, Runtime and Runtimes
	// are set per container name from the nodes its replicas ran on.
	Generate generate.Options
	// Nodes are the Node objects found, by name. A node a snapshot names that is not
	// here is gone: its replicas' architecture is the one recorded in the snapshot,
	// and its OCI runtime is not known.
	Nodes map[string]Node
	// Runtime, when set ("runc", "crun", "none"), is every node's OCI runtime,
	// instead of the one each node's container runtime implies.
	Runtime string
	// Static completes each profile with what static analysis found its replicas'
	// executables can reach (the containers' Static parts): dangerous syscalls are
	// listed in the report, never added.
	Static bool
}

// ArchCoverage is how many replicas on nodes of one architecture made a syscall.
type ArchCoverage struct {
	Arch     syscalls.Arch
	Seen, Of int
}

// Coverage says which replicas made one syscall in one container name.
type Coverage struct {
	Replicas    []string // "node/namespace/pod", sorted
	Of          int      // replicas of this container name across all snapshots
	First, Last time.Time
	// PerArch splits the count by the replicas' architecture, sorted; only when the
	// replicas ran on more than one.
	PerArch []ArchCoverage
	// For lists the recorded calls this name stands in for on architectures that
	// lack them (open, for openat on aarch64).
	For []string
}

func (c Coverage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seen in %d of %d replicas", len(c.Replicas), c.Of)
	if len(c.PerArch) > 0 {
		var parts []string
		for _, a := range c.PerArch {
			parts = append(parts, fmt.Sprintf("%s %d of %d", a.Arch.Name(), a.Seen, a.Of))
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, ", first %s, last %s", c.First.UTC().Format(time.RFC3339), c.Last.UTC().Format(time.RFC3339))
	return b.String()
}

// Collected is the profile of one container name.
type Collected struct {
	Container string
	// Profile is nil when Empty.
	Profile  *profile.Profile
	Report   *generate.Report
	Coverage map[string]Coverage // by syscall name
	// Arches are the profile's architectures: those of the nodes the replicas ran on,
	// and any other the replicas' calls were recorded on (32-bit programs).
	Arches []syscalls.Arch
	// Runtimes are the OCI runtimes whose needs were added.
	Runtimes []string
	// Notes say what had to be assumed (a node that is gone, a runtime not known for
	// sure) and what may be missing (a replica already running when the recording
	// began). Sorted, each once. Those about runtimes are also in the runtime rule's
	// comment.
	Notes []string
	// Empty says no replica of this container made a syscall: there is no profile,
	// and one allowing nothing must not be installed.
	Empty bool
	// Static is what static completion did (Options.Static); nil without it.
	Static *StaticReport
}

// replica is one pod's container as collected.
type replica struct {
	id   string
	arch syscalls.Arch
}

// call is one recorded syscall of one replica, on the arch it was recorded on.
type call struct {
	r  replica
	sc Seen
	on syscalls.Arch
}

// Collect unions, per container name, what every replica on every node made, and
// generates one profile each. Each recorded syscall's rule is commented with its
// replica coverage and first and last seen (per architecture when the replicas ran
// on several). The profile lists the architecture of every node a replica ran on and
// allows what each of those nodes' OCI runtimes needs. Nodes that record nothing are
// ignored here: their Error is for status.
func Collect(snaps []Snapshot, opts Options) ([]Collected, error) {
	type acc struct {
		rec      *record.Recording
		replicas map[string]replica
		arches   map[syscalls.Arch]bool
		runtimes map[string]bool
		notes    map[string]bool
		rtNotes  map[string]bool
		calls    []call
		static   map[string]*Static // by replica ID; nil Static: not analyzed
	}
	by := map[string]*acc{}
	analyzing := map[string]bool{} // nodes whose agent analyzes
	for _, s := range snaps {
		if s.Error != "" {
			continue
		}
		for _, c := range s.Containers {
			analyzing[s.Node] = analyzing[s.Node] || c.Static != nil
		}
		arch, rts, archNote, rtNote := nodeFacts(s, opts)
		for _, c := range s.Containers {
			a := by[c.Container]
			if a == nil {
				a = &acc{rec: record.New("ebpf"), replicas: map[string]replica{}, arches: map[syscalls.Arch]bool{},
					runtimes: map[string]bool{}, notes: map[string]bool{}, rtNotes: map[string]bool{}, static: map[string]*Static{}}
				by[c.Container] = a
			}
			ra := arch
			if ra == syscalls.ArchInvalid {
				ra = c.Arch
			}
			r := replica{id: s.Node + "/" + c.Namespace + "/" + c.Pod, arch: ra}
			a.replicas[r.id] = r
			if c.Static != nil {
				// A replica's calls on two architectures are two entries; the agent
				// puts its static part in one of them.
				if a.static[r.id] == nil {
					a.static[r.id] = &Static{}
				}
				a.static[r.id].Merge(c.Static)
			}
			a.arches[ra] = true
			if c.Arch.Valid() {
				a.arches[c.Arch] = true
			}
			for _, rt := range rts {
				a.runtimes[rt] = true
			}
			for _, n := range []string{archNote, rtNote} {
				if n != "" {
					a.notes[n] = true
				}
			}
			if rtNote != "" {
				a.rtNotes[rtNote] = true
			}
			if !c.Since.IsZero() {
				a.notes[fmt.Sprintf("%s was already running when the recording began (counted from %s): what it made at start-up may be missing, so roll the profile out in complain mode first",
					r.id, c.Since.UTC().Format(time.RFC3339))] = true
			}
			if c.AllTasks {
				a.notes[fmt.Sprintf("%s was counted with every task of its cgroup, the node having no room to tell the container's own tasks apart: the set-up its runtime made there (runc init for kubectl exec) may be among the syscalls, so review them",
					r.id)] = true
			}
			for _, sc := range c.Syscalls {
				if sc.Count == 0 {
					continue
				}
				a.rec.Add(record.Call{Arch: c.Arch, Name: sc.Name}, sc.Count)
				a.calls = append(a.calls, call{r: r, sc: sc, on: c.Arch})
			}
		}
	}
	var out []Collected
	for _, n := range slices.Sorted(maps.Keys(by)) {
		a := by[n]
		c := Collected{Container: n, Arches: slices.Sorted(maps.Keys(a.arches)), Notes: slices.Sorted(maps.Keys(a.notes))}
		delete(a.runtimes, "none")
		c.Runtimes = slices.Sorted(maps.Keys(a.runtimes))
		if len(a.rec.Calls) == 0 {
			c.Empty = true
			out = append(out, c)
			continue
		}
		g := opts.Generate
		g.Comments = true
		g.Arches = c.Arches
		g.Runtime, g.Runtimes = "", c.Runtimes
		if opts.Static {
			c.Static = staticOf(slices.Sorted(maps.Keys(a.replicas)), a.static, analyzing)
			g.Complete, g.Withhold = c.Static.reachable, syscalls.Dangerous
		}
		p, rep, err := generate.Profile(a.rec, g)
		if err != nil {
			return nil, fmt.Errorf("container %s: %w", n, err)
		}
		c.Profile, c.Report = p, rep
		if c.Static != nil {
			c.Static.Added, c.Static.Withheld = rep.Completed, rep.Withheld
		}

		// Coverage by the name each call is allowed under on every target arch: a
		// call recorded as open on x86_64 is allowed as openat on aarch64.
		perArch := map[syscalls.Arch]int{}
		for _, r := range a.replicas {
			perArch[r.arch]++
		}
		type cov struct {
			Coverage
			replicas map[string]replica
			via      map[string]bool
		}
		covs := map[string]*cov{}
		for _, cl := range a.calls {
			for _, name := range placedAs(cl.sc.Name, cl.on, c.Arches) {
				cv := covs[name]
				if cv == nil {
					cv = &cov{Coverage: Coverage{First: cl.sc.First, Last: cl.sc.Last}, replicas: map[string]replica{}, via: map[string]bool{}}
					covs[name] = cv
				}
				cv.replicas[cl.r.id] = cl.r
				if name != cl.sc.Name {
					cv.via[cl.sc.Name] = true
				}
				if cl.sc.First.Before(cv.First) {
					cv.First = cl.sc.First
				}
				if cl.sc.Last.After(cv.Last) {
					cv.Last = cl.sc.Last
				}
			}
		}
		c.Coverage = map[string]Coverage{}
		for name, cv := range covs {
			cv.Replicas = slices.Sorted(maps.Keys(cv.replicas))
			cv.Of = len(a.replicas)
			cv.For = slices.Sorted(maps.Keys(cv.via))
			if len(perArch) > 1 {
				seen := map[syscalls.Arch]int{}
				for _, r := range cv.replicas {
					seen[r.arch]++
				}
				for _, arch := range slices.Sorted(maps.Keys(perArch)) {
					cv.PerArch = append(cv.PerArch, ArchCoverage{Arch: arch, Seen: seen[arch], Of: perArch[arch]})
				}
			}
			c.Coverage[name] = cv.Coverage
		}
		for i, r := range p.Syscalls {
			if len(r.Names) != 1 {
				continue
			}
			cv, ok := c.Coverage[r.Names[0]]
			if !ok {
				continue
			}
			comment := cv.String() + " (" + strings.Join(cv.Replicas, ", ") + ")"
			if len(cv.For) > 0 {
				comment += "; in place of " + strings.Join(cv.For, ", ") + " where the architecture lacks it"
			}
			p.Syscalls[i].Comment = comment
		}
		if len(a.rtNotes) > 0 {
			for i, r := range p.Syscalls {
				if strings.HasPrefix(r.Comment, "needed by ") {
					p.Syscalls[i].Comment += "; " + strings.Join(slices.Sorted(maps.Keys(a.rtNotes)), "; ")
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// nodeFacts returns the architecture of s's node (ArchInvalid: take each container's
// recorded one), its OCI runtimes, and notes on what was assumed of each.
func nodeFacts(s Snapshot, opts Options) (arch syscalls.Arch, runtimes []string, archNote, rtNote string) {
	n, found := opts.Nodes[s.Node]
	arch = n.Arch
	switch {
	case !found:
		archNote = fmt.Sprintf("node %s has no Node object (gone?): architecture taken from its snapshot", s.Node)
	case !arch.Valid():
		archNote = fmt.Sprintf("node %s does not report a known architecture: architecture taken from its snapshot", s.Node)
		arch = syscalls.ArchInvalid
	}
	if opts.Runtime != "" {
		return arch, []string{opts.Runtime}, archNote, ""
	}
	if !found {
		return arch, []string{"crun", "runc"}, archNote, fmt.Sprintf("node %s: its OCI runtime cannot be told, so what runc and crun need is allowed", s.Node)
	}
	rts, unsure := OCIRuntimes(n.RuntimeVersion)
	if unsure != "" {
		rtNote = fmt.Sprintf("node %s: %s, so what %s need is allowed", s.Node, unsure, strings.Join(rts, " and "))
	}
	return arch, rts, archNote, rtNote
}

// placedAs lists the names a call recorded as name on arch is allowed under on the
// target arches of the same word size: itself, and its replacement where a target
// lacks it (open → openat on aarch64). It mirrors how package generate places calls.
func placedAs(name string, arch syscalls.Arch, targets []syscalls.Arch) []string {
	var out []string
	for _, t := range targets {
		if t != arch && (t == syscalls.X32 || arch == syscalls.X32 || t.Is64() != arch.Is64()) {
			continue
		}
		n := name
		if !syscalls.Exists(t, name) {
			r, ok := syscalls.Replacement(name)
			if !ok || !syscalls.Exists(t, r) {
				continue
			}
			n = r
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
