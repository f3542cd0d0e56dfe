package record

import (
	"fmt"
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
// stop instead. A variable so that a test can leave the events alone to find a module.
var objectScanInterval = 100 * time.Millisecond

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
	// later holds the processes to read again mmapRescanDelay after an mmap event;
	// timers counts those reads, which stop waits for.
	later  map[int]bool
	timers sync.WaitGroup
	// gone holds the processes that had exited when they were read again after an
	// mmap event the kernel could not name the file of: what they mapped last may not
	// be in the set.
	gone map[int]bool
	// unnamed holds the processes with such an event.
	unnamed map[int]bool
}

// mmapRescanDelay is how long after an mmap event a process's mappings are read again:
// the event comes when mmap starts, and the loader maps a library's segments one after
// the other; the second read sees them done.
const mmapRescanDelay = 2 * time.Millisecond

// startObjectScanner starts polling cgroupDir, and handling what events report (nil:
// polling only).
func startObjectScanner(cgroupDir string, events *objectEvents) *objectScanner {
	s := &objectScanner{dir: cgroupDir, done: make(chan struct{}), set: ObjectSet{}, later: map[int]bool{}, gone: map[int]bool{}, unnamed: map[int]bool{}}
	// A process still running our own binary is the command between fork and exec:
	// what it maps is seccompctl, not the command.
	s.self, _ = os.Executable()
	if events != nil {
		s.events, s.evDone = events, make(chan struct{})
		go func() {
			defer close(s.evDone)
			events.run(s.handle)
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
// mappings while it still runs (for an mmap, now and once more a moment later).
func (s *objectScanner) handle(ev objectEvent) {
	p := execPath(ev.pid, ev.path)
	s.mu.Lock()
	s.set.Add(p)
	if ev.kind == objEventMmap && p == "" {
		s.unnamed[ev.pid] = true
	}
	s.mu.Unlock()
	s.scanPid(ev.pid)
	if ev.kind != objEventMmap {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.later[ev.pid] {
		return
	}
	s.later[ev.pid] = true
	s.timers.Add(1)
	time.AfterFunc(mmapRescanDelay, func() {
		defer s.timers.Done()
		s.mu.Lock()
		delete(s.later, ev.pid)
		s.mu.Unlock()
		if !s.scanPid(ev.pid) {
			s.mu.Lock()
			if s.unnamed[ev.pid] {
				s.gone[ev.pid] = true
			}
			s.mu.Unlock()
		}
	})
}

// scanPid reads one process's executable and mappings; false when it is gone.
func (s *objectScanner) scanPid(pid int) bool {
	objs := processObjects(pid)
	if len(objs) > 0 && objs[0] == s.self {
		return true
	}
	s.mu.Lock()
	s.set.Add(objs...)
	s.mu.Unlock()
	return len(objs) > 0
}

// gaps says what the scanner may have missed, for Recording.ObjectGaps.
func (s *objectScanner) gaps() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.gone) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d processes mapped a file executable that the kernel could not name and exited before the recorder read their mappings: a module they loaded last may be missing from the files analyzed (ptrace mode reads them at exit)", len(s.gone))}
}

// stop handles the events still queued, scans a last time, ends the scanner and
// returns what it found, sorted.
func (s *objectScanner) stop() []string {
	if s.events != nil {
		s.events.flush()
		<-s.evDone
		s.timers.Wait()
		// Detaching waits for the kernel to quiesce (some 100 ms): nothing is read
		// from the programs any more, so the recording need not wait for it.
		go s.events.close()
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
