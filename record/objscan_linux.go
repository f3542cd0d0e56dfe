package record

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// objectScanInterval is how often eBPF mode reads the mappings of the recorded
// cgroup's processes. Where the kernel has a BPF ring buffer, the scanner also hears of
// every exec (with the path) and every executable mapping as they happen
// (objevents_linux.go), so only a process that maps a module and exits before the
// scanner reads its mappings is missed; ptrace mode reads them at every exec and exit
// stop instead.
const objectScanInterval = 100 * time.Millisecond

// objectScanner reads, every objectScanInterval until stopped, the executable and
// executable mappings of every process in a cgroup v2 directory.
type objectScanner struct {
	dir    string
	events *objectEvents // nil: polling only
	evDone chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	set    ObjectSet
	self   string
}

func startObjectScanner(cgroupDir string, cgid uint64) *objectScanner {
	s := &objectScanner{dir: cgroupDir, done: make(chan struct{}), set: ObjectSet{}}
	// A process still running our own binary is the command between fork and exec:
	// what it maps is seccompctl, not the command.
	s.self, _ = os.Executable()
	// Without the event programs (no ring buffer before Linux 5.8) the scanner polls.
	if ev, err := loadObjectEvents(cgid); err == nil {
		s.events, s.evDone = ev, make(chan struct{})
		go func() {
			defer close(s.evDone)
			ev.run(s.handle)
		}()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(objectScanInterval)
		defer tick.Stop()
		for {
			s.scan()
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// scan reads the cgroup's processes once.
func (s *objectScanner) scan() {
	b, err := os.ReadFile(filepath.Join(s.dir, "cgroup.procs"))
	if err != nil {
		return
	}
	var found []string
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		objs := processObjects(pid)
		if len(objs) > 0 && objs[0] == s.self {
			continue
		}
		found = append(found, objs...)
	}
	s.mu.Lock()
	s.set.Add(found...)
	s.mu.Unlock()
}

// handle reads what an event names: the path exec'd, and the process's executable and
// mappings while it still runs.
func (s *objectScanner) handle(ev objectEvent) {
	var found []string
	if ev.kind == objEventExec {
		found = append(found, execPath(ev.pid, ev.path))
	}
	if objs := processObjects(ev.pid); len(objs) == 0 || objs[0] != s.self {
		found = append(found, objs...)
	}
	s.mu.Lock()
	s.set.Add(found...)
	s.mu.Unlock()
}

// stop handles the events still queued, scans a last time, ends the scanner and
// returns what it found, sorted.
func (s *objectScanner) stop() []string {
	if s.events != nil {
		s.events.flush()
		<-s.evDone
		s.events.close()
	}
	close(s.done)
	s.wg.Wait()
	s.scan()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set.Sorted()
}

// processObjects returns pid's executable, first, and the files it maps executable.
func processObjects(pid int) []string {
	proc := "/proc/" + strconv.Itoa(pid)
	var out []string
	if exe, err := os.Readlink(proc + "/exe"); err == nil && !strings.HasSuffix(exe, " (deleted)") {
		out = append(out, exe)
	}
	f, err := os.Open(proc + "/maps")
	if err != nil {
		return out
	}
	defer f.Close()
	return append(out, MappedObjects(f)...)
}
