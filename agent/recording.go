package agent

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// This file is the pure part of recording: what one request has seen, kept from the
// recorder's cumulative per-cgroup counts, and the snapshot made of it. The informers,
// the recorder and the Leases are in recorder.go.

// cgroupCount is one cgroup's cumulative counts as the recorder reports them (the
// fields of record.CgroupCount the agent reads).
type cgroupCount struct {
	ID uint64
	// Tree is the watched directory (a pod's cgroup) and Name the cgroup's path below it,
	// "" for the tree itself or a cgroup never named.
	Tree, Name    string
	StartedBefore bool
	// AllTasks is set when every task in the cgroup is counted, not only the
	// container's (record.CgroupCount.AllTasks).
	AllTasks bool
	Gone     bool
	// Unnamed is set when Name is "" and the cgroup is not the tree itself: its
	// directory was removed before it could be named.
	Unnamed bool
	Calls   map[record.Call]uint64
}

// recording is what this node has of one request.
type recording struct {
	req     kube.RecordingRequest
	started time.Time
	// notes carry over restarts (the agent restarted at T...).
	notes []string
	pods  map[string]*podRecord // by UID
	// cgroups is what each counted cgroup made, kept after it is gone.
	cgroups map[uint64]*cgroupRecord
	// base is what an earlier run of the agent recorded (restored from its snapshot);
	// counts seen since add to it.
	base           map[containerKey]snapshot.Container
	baseUnresolved []snapshot.Unresolved
	basePods       []snapshot.Pod
}

type podRecord struct {
	namespace, name, uid string
	// names maps every container ID the pod's status has shown (running, init, and
	// last terminated) to its container's name; kept as the status moves on.
	names map[string]string
	// cgroup is the pod's cgroup relative to the cgroup root; "" until it appears.
	cgroup string
	// since is when its cgroup began to be watched.
	since   time.Time
	deleted bool
	// running says its status shows a running container: its cgroup exists.
	running bool
	// done says every container has ended for good (phase Succeeded or Failed): its
	// cgroup is gone and need not be looked for.
	done bool
}

type cgroupRecord struct {
	podUID        string
	name          string
	unnamed       bool
	startedBefore bool
	// allTasks is set, and stays set, once the recorder counts every task of the
	// cgroup.
	allTasks bool
	// gone says the cgroup was removed (its container ended).
	gone  bool
	since time.Time
	prev  map[record.Call]uint64
	seen  map[record.Call]*snapshot.Seen
}

type containerKey struct {
	namespace, pod, container string
	arch                      syscalls.Arch
}

func newRecording(req kube.RecordingRequest, now time.Time) *recording {
	return &recording{req: req, started: now, pods: map[string]*podRecord{}, cgroups: map[uint64]*cgroupRecord{}, base: map[containerKey]snapshot.Container{}}
}

// resume adds what an earlier run of the agent wrote for this request, and says in a
// note that what ran between that snapshot and now was not seen.
func (r *recording) resume(old snapshot.Snapshot, now time.Time) {
	if !old.Started.IsZero() {
		r.started = old.Started
	}
	r.notes = append(append([]string(nil), old.Notes...), fmt.Sprintf("the agent restarted at %s: what ran after its snapshot of %s and before then was not seen",
		now.UTC().Format(time.RFC3339), old.Written.UTC().Format(time.RFC3339)))
	for _, c := range old.Containers {
		r.base[containerKey{c.Namespace, c.Pod, c.Container, c.Arch}] = c
	}
	r.baseUnresolved = old.Unresolved
	r.basePods = old.Pods
}

// detached is told that the recorder was closed after its last read: a recorder opened
// later counts every cgroup from zero, so its counts add to what was seen whole.
func (r *recording) detached() {
	for _, cg := range r.cgroups {
		clear(cg.prev)
	}
}

// matches says whether the request selects pod.
func matches(req kube.RecordingRequest, sel labels.Selector, pod *corev1.Pod) bool {
	return pod.Namespace == req.Namespace && sel.Matches(labels.Set(pod.Labels))
}

// containerNames maps the container IDs a pod's status shows to their names: running
// and waiting containers, init containers, and the previous run of restarted ones.
func containerNames(pod *corev1.Pod) map[string]string {
	out := map[string]string{}
	add := func(sts []corev1.ContainerStatus) {
		for _, s := range sts {
			ids := []string{s.ContainerID}
			if t := s.LastTerminationState.Terminated; t != nil {
				ids = append(ids, t.ContainerID)
			}
			if t := s.State.Terminated; t != nil {
				ids = append(ids, t.ContainerID)
			}
			for _, id := range ids {
				if _, cid, err := monitor.SplitContainerID(id); err == nil {
					out[cid] = s.Name
				}
			}
		}
	}
	add(pod.Status.InitContainerStatuses)
	add(pod.Status.ContainerStatuses)
	add(pod.Status.EphemeralContainerStatuses)
	return out
}

// update takes the pods matched now (nil lister state aside): new ones are added, known
// ones learn their status's container IDs, and ones no longer there are marked
// deleted, keeping what they made.
func (r *recording) update(pods []*corev1.Pod) {
	present := map[string]bool{}
	for _, p := range pods {
		uid := string(p.UID)
		present[uid] = true
		pr := r.pods[uid]
		if pr == nil {
			pr = &podRecord{namespace: p.Namespace, name: p.Name, uid: uid, names: map[string]string{}}
			r.pods[uid] = pr
		}
		pr.deleted = false
		pr.done = p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
		pr.running = false
		for _, s := range p.Status.ContainerStatuses {
			pr.running = pr.running || s.State.Running != nil
		}
		for id, n := range containerNames(p) {
			pr.names[id] = n
		}
	}
	for uid, pr := range r.pods {
		if !present[uid] {
			pr.deleted = true
		}
	}
}

// observe adds one read of a cgroup's cumulative counts of pod podUID at now: a call
// whose count grew is seen at now (first seen the first time it grows).
func (r *recording) observe(podUID string, c cgroupCount, since, now time.Time) {
	cg := r.cgroups[c.ID]
	if cg == nil {
		cg = &cgroupRecord{podUID: podUID, startedBefore: c.StartedBefore, since: since, prev: map[record.Call]uint64{}, seen: map[record.Call]*snapshot.Seen{}}
		r.cgroups[c.ID] = cg
	}
	cg.allTasks = cg.allTasks || c.AllTasks
	cg.gone = c.Gone
	if c.Name != "" {
		cg.name, cg.unnamed = c.Name, false
	} else if cg.name == "" {
		cg.unnamed = c.Unnamed
	}
	for call, n := range c.Calls {
		call = record.Call{Arch: call.Arch, Name: call.Name}
		prev := cg.prev[call]
		if n <= prev {
			continue
		}
		cg.prev[call] = n
		s := cg.seen[call]
		if s == nil {
			s = &snapshot.Seen{Name: call.Name, First: now}
			cg.seen[call] = s
		}
		s.Count += n - prev
		s.Last = now
	}
}

// snapshot is the request's snapshot for node at now; notCounted is the recorder's
// count of cgroups it had no slot for, recErr why the node records nothing ("" when it
// records).
func (r *recording) snapshot(node string, now time.Time, recErr string, notCounted uint64) snapshot.Snapshot {
	s := snapshot.Snapshot{Request: r.req.Name, Node: node, Written: now, Error: recErr, Started: r.started, NotCounted: notCounted}
	s.Notes = append(s.Notes, r.notes...)

	known := map[string]bool{}
	uids := make([]string, 0, len(r.pods))
	for uid := range r.pods {
		uids = append(uids, uid)
	}
	sort.Strings(uids)
	for _, uid := range uids {
		p := r.pods[uid]
		known[uid] = true
		s.Pods = append(s.Pods, snapshot.Pod{Namespace: p.namespace, Name: p.name, UID: uid, Cgroup: p.cgroup, Deleted: p.deleted})
	}
	for _, p := range r.basePods {
		if !known[p.UID] {
			p.Deleted = true // not matched since the restart
			s.Pods = append(s.Pods, p)
		}
	}

	selected := func(name string) bool {
		return len(r.req.Containers) == 0 || contains(r.req.Containers, name)
	}
	acc := map[containerKey]*snapshot.Container{}
	seenByKey := map[containerKey]map[string]*snapshot.Seen{}
	get := func(k containerKey) (*snapshot.Container, map[string]*snapshot.Seen) {
		if c := acc[k]; c != nil {
			return c, seenByKey[k]
		}
		c := &snapshot.Container{Namespace: k.namespace, Pod: k.pod, Container: k.container, Arch: k.arch}
		m := map[string]*snapshot.Seen{}
		if b, ok := r.base[k]; ok {
			c.Since, c.AllTasks, c.Static = b.Since, b.AllTasks, b.Static.Clone()
			for _, sc := range b.Syscalls {
				sc := sc
				m[sc.Name] = &sc
			}
		}
		acc[k], seenByKey[k] = c, m
		return c, m
	}
	for k := range r.base {
		get(k)
	}
	type unresolvedKey struct {
		pod, cgroup string
		unnamed     bool
	}
	unresolved := map[unresolvedKey]*snapshot.Unresolved{}
	startedBefore := map[string]time.Time{} // pod UID → since
	ids := make([]uint64, 0, len(r.cgroups))
	for id := range r.cgroups {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		cg := r.cgroups[id]
		p := r.pods[cg.podUID]
		if p == nil || len(cg.seen) == 0 {
			continue
		}
		cid, ok := monitor.ContainerIDOfCgroup(cg.name)
		name := ""
		if ok {
			name = p.names[cid]
		}
		if name == "" {
			k := unresolvedKey{p.uid, cg.name, cg.unnamed}
			u := unresolved[k]
			if u == nil {
				u = &snapshot.Unresolved{Namespace: p.namespace, Pod: p.name, Cgroup: cg.name, Unnamed: cg.unnamed}
				unresolved[k] = u
			}
			for _, sc := range cg.seen {
				u.Syscalls++
				u.Calls += sc.Count
			}
			continue
		}
		if !selected(name) {
			continue
		}
		for call, sc := range cg.seen {
			k := containerKey{p.namespace, p.name, name, call.Arch}
			c, m := get(k)
			if cg.startedBefore {
				if _, restored := r.base[k]; !restored && (c.Since.IsZero() || cg.since.Before(c.Since)) {
					c.Since = cg.since
				}
				startedBefore[p.uid] = cg.since
			} else if cg.allTasks {
				c.AllTasks = true
			}
			merged := m[sc.Name]
			if merged == nil {
				v := *sc
				m[sc.Name] = &v
				continue
			}
			merged.Count += sc.Count
			if sc.First.Before(merged.First) {
				merged.First = sc.First
			}
			if sc.Last.After(merged.Last) {
				merged.Last = sc.Last
			}
		}
	}
	keys := make([]containerKey, 0, len(acc))
	for k := range acc {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	for _, k := range keys {
		c := acc[k]
		for _, sc := range seenByKey[k] {
			c.Syscalls = append(c.Syscalls, *sc)
		}
		sort.Slice(c.Syscalls, func(i, j int) bool { return c.Syscalls[i].Name < c.Syscalls[j].Name })
		if len(c.Syscalls) > 0 {
			s.Containers = append(s.Containers, *c)
		}
	}
	s.Unresolved = append(s.Unresolved, r.baseUnresolved...)
	us := make([]*snapshot.Unresolved, 0, len(unresolved))
	for _, u := range unresolved {
		us = append(us, u)
	}
	sort.Slice(us, func(i, j int) bool {
		if us[i].Pod != us[j].Pod {
			return us[i].Pod < us[j].Pod
		}
		if us[i].Cgroup != us[j].Cgroup {
			return us[i].Cgroup < us[j].Cgroup
		}
		return !us[i].Unnamed && us[j].Unnamed
	})
	for _, u := range us {
		s.Unresolved = append(s.Unresolved, *u)
	}
	restored := map[string]bool{}
	for _, p := range r.basePods {
		restored[p.UID] = true
	}
	for _, uid := range uids {
		// A pod recorded before an agent restart runs on across it: the restart's note
		// says what was missed, not this one.
		if t, ok := startedBefore[uid]; ok && !restored[uid] {
			p := r.pods[uid]
			s.Notes = append(s.Notes, fmt.Sprintf("pod %s/%s was running before the recording started: counted from %s", p.namespace, p.name, t.UTC().Format(time.RFC3339)))
		}
	}
	for _, uid := range uids {
		if p := r.pods[uid]; p.deleted {
			s.Notes = append(s.Notes, fmt.Sprintf("pod %s/%s went away during the recording (deleted, or no longer matched): what it made is kept", p.namespace, p.name))
		}
	}
	// Notes carried over a restart are made again from the same facts: once each.
	seen := map[string]bool{}
	notes := s.Notes[:0]
	for _, n := range s.Notes {
		if !seen[n] {
			seen[n] = true
			notes = append(notes, n)
		}
	}
	s.Notes = notes
	return s
}

// staticTargets are the containers of the request's pods running now whose cgroup is
// named for them (dir relative to the cgroup root), for static analysis.
func (r *recording) staticTargets() []staticTarget {
	var out []staticTarget
	for _, cg := range r.cgroups {
		p := r.pods[cg.podUID]
		if cg.gone || cg.name == "" || p == nil || p.deleted || p.cgroup == "" {
			continue
		}
		cid, ok := monitor.ContainerIDOfCgroup(cg.name)
		if !ok {
			continue
		}
		name := p.names[cid]
		if name == "" || (len(r.req.Containers) > 0 && !contains(r.req.Containers, name)) {
			continue
		}
		out = append(out, staticTarget{key: staticKey{p.namespace, p.name, name}, id: cid, dir: filepath.Join(p.cgroup, cg.name)})
	}
	return out
}

func keyLess(a, b containerKey) bool {
	for _, c := range [][2]string{{a.namespace, b.namespace}, {a.pod, b.pod}, {a.container, b.container}} {
		if c[0] != c[1] {
			return c[0] < c[1]
		}
	}
	return a.arch < b.arch
}

// cgroup2Mount finds the cgroup v2 mount point in the text of /proc/self/mountinfo: the
// place to look for pod cgroups when no --cgroup-root is given.
func cgroup2Mount(mountinfo string) (string, error) {
	for _, line := range strings.Split(mountinfo, "\n") {
		// "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER"
		fields := strings.Fields(line)
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return unescapeMount(fields[4]), nil
			}
		}
	}
	return "", fmt.Errorf("no cgroup v2 hierarchy mounted: pass --cgroup-root")
}

// unescapeMount undoes mountinfo's octal escapes of space, tab, newline and backslash.
func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}
