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
// cgroup's processes. A process that starts and exits between two scans is missed (the
// eBPF program counts its syscalls, but its files are not analysed); ptrace mode reads
// them at every exec and exit instead.
const objectScanInterval = 100 * time.Millisecond

// objectScanner reads, every objectScanInterval until stopped, the executable and
// executable mappings of every process in a cgroup v2 directory.
type objectScanner struct {
	dir  string
	done chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	set  ObjectSet
	self string
}

func startObjectScanner(cgroupDir string) *objectScanner {
	s := &objectScanner{dir: cgroupDir, done: make(chan struct{}), set: ObjectSet{}}
	// A process still running our own binary is the command between fork and exec:
	// what it maps is seccompctl, not the command.
	s.self, _ = os.Executable()
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

// stop scans a last time, ends the scanner and returns what it found, sorted.
func (s *objectScanner) stop() []string {
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
