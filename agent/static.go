package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/seccompctl/seccompctl/analyze"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// This file is the agent's static analysis of recorded containers (--record-static):
// the executables a container runs are found from its cgroup's processes and each is
// analyzed once, so that 'k8s record collect' can add what they can reach on paths the
// recording did not exercise. It runs on a goroutine of its own, one analysis at a
// time: an analysis takes seconds and tens of MiB, and counting and snapshots must not
// wait for it.

// staticTarget is a recorded container whose processes are looked at.
type staticTarget struct {
	key staticKey
	id  string // container ID: each run of a container is looked at anew
	dir string // its cgroup directory
}

// staticKey names a container as its snapshot entry does.
type staticKey struct{ namespace, pod, container string }

// staticAnalyzer finds and analyzes the executables of recorded containers.
type staticAnalyzer struct {
	log      *slog.Logger
	interval time.Duration // a container's processes are looked at again after this
	now      func() time.Time
	// analyze analyzes the executable of a running process, through /proc/PID.
	analyze func(ctx context.Context, pid int) (*analyze.Result, error)
	in      chan []staticTarget
	// analyses counts analyses by result (ok, error) for the metrics; may be nil.
	analyses func(result string)

	mu      sync.Mutex
	results map[staticKey]*snapshot.Static

	// Owned by run's goroutine.
	looked map[string]time.Time       // container ID → its last look
	seen   map[string]map[string]bool // container ID → executable identities taken
}

func newStaticAnalyzer(log *slog.Logger, cacheDir string, interval time.Duration) *staticAnalyzer {
	return &staticAnalyzer{
		log: log, interval: interval, now: time.Now, in: make(chan []staticTarget, 1),
		analyze: func(ctx context.Context, pid int) (*analyze.Result, error) {
			// One object at a time: the agent's memory limit must hold the largest.
			return analyze.Analyze(ctx, nil, analyze.Options{PIDs: []int{pid}, CacheDir: cacheDir, Workers: 1})
		},
		results: map[staticKey]*snapshot.Static{}, looked: map[string]time.Time{}, seen: map[string]map[string]bool{},
	}
}

// offer hands over the containers to look at now, replacing any list not taken yet:
// the analyzer always works on the latest, and the caller never waits.
func (a *staticAnalyzer) offer(ts []staticTarget) {
	select {
	case <-a.in:
	default:
	}
	select {
	case a.in <- ts:
	default:
	}
}

// run looks at the containers offered until ctx ends.
func (a *staticAnalyzer) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ts := <-a.in:
			a.lookAll(ctx, ts)
		}
	}
}

// lookAll looks at every target not looked at for an interval, and forgets the
// containers that are no longer offered (ended).
func (a *staticAnalyzer) lookAll(ctx context.Context, ts []staticTarget) {
	live := map[string]bool{}
	for _, t := range ts {
		live[t.id] = true
		if ctx.Err() != nil {
			return
		}
		if last, ok := a.looked[t.id]; ok && a.now().Sub(last) < a.interval {
			continue
		}
		a.look(ctx, t)
	}
	for id := range a.looked {
		if !live[id] {
			delete(a.looked, id)
			delete(a.seen, id)
		}
	}
}

// look lists the container's processes and analyzes each executable not analyzed in
// this container before. Whatever fails is recorded as the container's error.
func (a *staticAnalyzer) look(ctx context.Context, t staticTarget) {
	now := a.now().UTC().Truncate(time.Second)
	first := a.looked[t.id].IsZero()
	a.looked[t.id] = now
	pids, err := cgroupPIDs(t.dir)
	if errors.Is(err, fs.ErrNotExist) {
		if first {
			a.update(t.key, func(s *snapshot.Static) {
				s.AddError(fmt.Sprintf("container %s ended before its processes could be looked at", shortID(t.id)))
			})
		}
		return
	}
	a.update(t.key, func(s *snapshot.Static) {
		if s.Looks == 0 || now.Before(s.First) {
			s.First = now
		}
		if now.After(s.Last) {
			s.Last = now
		}
		s.Looks++
		if err != nil {
			s.AddError(fmt.Sprintf("listing the processes of container %s: %v", shortID(t.id), err))
		}
	})
	if a.seen[t.id] == nil {
		a.seen[t.id] = map[string]bool{}
	}
	for _, pid := range pids {
		if ctx.Err() != nil {
			return
		}
		ident, path, err := exeIdentity(pid)
		if err != nil {
			a.update(t.key, func(s *snapshot.Static) { s.AddError(exeError(err)) })
			continue
		}
		if a.seen[t.id][ident] {
			continue
		}
		a.seen[t.id][ident] = true
		start := time.Now()
		res, err := a.analyze(ctx, pid)
		took := time.Since(start).Round(time.Millisecond)
		// An analysis holds the whole call graph; give it back before the next.
		debug.FreeOSMemory()
		if ctx.Err() != nil {
			return
		}
		if err != nil && errors.Is(err, fs.ErrNotExist) && !processAlive(pid) {
			// Gone between the listing and the analysis: another process running
			// the same file is analyzed at a later look.
			delete(a.seen[t.id], ident)
			a.update(t.key, func(s *snapshot.Static) { s.AddError(exeError(err)) })
			continue
		}
		if err != nil {
			a.count("error")
			a.log.Warn("static analysis failed", "pod", t.key.namespace+"/"+t.key.pod, "container", t.key.container, "executable", path, "err", err)
			a.update(t.key, func(s *snapshot.Static) { s.AddError(fmt.Sprintf("%s: %v", path, err)) })
			continue
		}
		a.count("ok")
		e := executableOf(res, path, now)
		a.log.Info("executable analyzed", "pod", t.key.namespace+"/"+t.key.pod, "container", t.key.container, "executable", e.Path, "objects", e.Objects, "took", took)
		a.update(t.key, func(s *snapshot.Static) { s.Merge(&snapshot.Static{Executables: []snapshot.Executable{e}}) })
	}
}

func (a *staticAnalyzer) count(result string) {
	if a.analyses != nil {
		a.analyses(result)
	}
}

func (a *staticAnalyzer) update(k staticKey, f func(*snapshot.Static)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.results[k]
	if s == nil {
		s = &snapshot.Static{}
		a.results[k] = s
	}
	f(s)
}

// attach adds what was found of each container to the first entry of it in s (a
// container's calls on two architectures are two entries), merged with what the
// entry already holds (restored from an earlier run of the agent).
func (a *staticAnalyzer) attach(s *snapshot.Snapshot) {
	a.mu.Lock()
	defer a.mu.Unlock()
	done := map[staticKey]bool{}
	for i, c := range s.Containers {
		k := staticKey{c.Namespace, c.Pod, c.Container}
		if done[k] {
			continue
		}
		done[k] = true
		st := a.results[k]
		if st == nil {
			continue
		}
		merged := c.Static.Clone()
		if merged == nil {
			merged = &snapshot.Static{}
		}
		merged.Merge(st.Clone())
		s.Containers[i].Static = merged
	}
}

// retain forgets the results of containers of pods keep does not hold.
func (a *staticAnalyzer) retain(keep func(namespace, pod string) bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k := range a.results {
		if !keep(k.namespace, k.pod) {
			delete(a.results, k)
		}
	}
}

// cgroupPIDs lists the processes of the cgroup at dir and of the cgroups below it
// (a container may make its own).
func cgroupPIDs(dir string) ([]int, error) {
	var pids []int
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // a child cgroup removed meanwhile
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(f)
			// 0 is a process outside the agent's PID namespace: without the host's
			// PID namespace the agent sees none of them.
			if err != nil || pid == 0 {
				return fmt.Errorf("%s lists process %q, which is not in the agent's PID namespace (the agent needs hostPID)", filepath.Join(p, "cgroup.procs"), f)
			}
			pids = append(pids, pid)
		}
		return nil
	})
	slices.Sort(pids)
	return slices.Compact(pids), err
}

// exeIdentity is what tells one executable from another for a process: the device
// and inode of its file (the same program in two processes is one analysis), and its
// path in the process's mount namespace.
func exeIdentity(pid int) (ident, path string, err error) {
	link := fmt.Sprintf("/proc/%d/exe", pid)
	path, err = os.Readlink(link)
	if err != nil {
		return "", "", fmt.Errorf("pid %d: %w", pid, err)
	}
	fi, err := os.Stat(link)
	if err != nil {
		return "", "", fmt.Errorf("pid %d (%s): %w", pid, path, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", "", fmt.Errorf("pid %d (%s): no device and inode", pid, path)
	}
	return fmt.Sprintf("%d:%d:%s", st.Dev, st.Ino, path), path, nil
}

// exeError says why a process's executable could not be read, once per kind: a
// process that exits between two looks is common and must not fill the errors.
func exeError(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "a process exited (or was a zombie) before its executable could be read: what it ran is not analyzed"
	case errors.Is(err, fs.ErrPermission):
		return "a process's executable is not readable: " + err.Error() + " (the agent needs CAP_SYS_PTRACE and the host's PID namespace)"
	}
	return err.Error()
}

func processAlive(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// executableOf keeps of an analysis what a snapshot holds.
func executableOf(res *analyze.Result, path string, now time.Time) snapshot.Executable {
	e := snapshot.Executable{Path: path, Seen: now, Objects: len(res.Objects)}
	for _, o := range res.Objects {
		if strings.HasPrefix(o.Reason, "executable") {
			e.Path, e.BuildID = o.Path, o.BuildID
			break
		}
	}
	withheld := map[string]bool{}
	for _, ar := range res.Arches {
		arch, err := syscalls.ParseArch(ar.Arch)
		if err != nil {
			continue
		}
		sa := snapshot.StaticArches{Arch: arch}
		for _, s := range ar.Syscalls {
			sa.Syscalls = append(sa.Syscalls, s.Name)
			if _, ok := syscalls.Dangerous(s.Name); ok {
				withheld[s.Name] = true
			}
		}
		e.Arches = append(e.Arches, sa)
	}
	for n := range withheld {
		e.Withheld = append(e.Withheld, n)
	}
	slices.Sort(e.Withheld)
	e.Unresolved, e.Missing = len(res.Unresolved), len(res.Missing)
	for _, u := range res.Unresolved {
		if len(e.UnresolvedExamples) == snapshot.MaxStaticExamples {
			break
		}
		fn := u.Function
		if fn == "" {
			fn = fmt.Sprintf("%#x", u.Addr)
		}
		e.UnresolvedExamples = append(e.UnresolvedExamples, fmt.Sprintf("%s in %s: %s", fn, filepath.Base(u.Object), u.Reason))
	}
	for _, m := range res.Missing {
		if len(e.MissingExamples) == snapshot.MaxStaticExamples {
			break
		}
		e.MissingExamples = append(e.MissingExamples, fmt.Sprintf("%s (needed by %s)", m.Name, m.NeededBy))
	}
	type noteKey struct{ kind, object string }
	counts := map[noteKey]int{}
	var order []noteKey
	for _, n := range res.Notes {
		k := noteKey{n.Kind, filepath.Base(n.Object)}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	for _, k := range order {
		e.Notes = append(e.Notes, fmt.Sprintf("%s: %d site(s) in %s", k.kind, counts[k], k.object))
	}
	return e
}
