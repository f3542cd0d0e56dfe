package record

import (
	"sync"

	"github.com/seccompctl/seccompctl/internal/procevents"
)

// forkWatcher keeps child → parent process ids from the kernel's fork events. Audit mode
// uses it to know the parent of a process whose records arrive after it exited, when
// /proc can no longer say which cgroup it was in or whom it descends from.
type forkWatcher struct {
	conn    *procevents.Conn
	mu      sync.Mutex
	parents map[int]int
	done    chan struct{}
}

// watchForks subscribes to fork events and records them until close.
func watchForks() (*forkWatcher, error) {
	conn, err := procevents.Listen(16 << 20)
	if err != nil {
		return nil, err
	}
	w := &forkWatcher{conn: conn, parents: map[int]int{}, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		conn.Run(w.handle)
	}()
	return w, nil
}

// drain handles the events already queued: every fork that happened before the call.
func (w *forkWatcher) drain() { w.conn.Drain(w.handle) }

func (w *forkWatcher) handle(ev procevents.Event) {
	if ev.Kind != procevents.Fork || ev.Pid != ev.Tgid {
		return // not a fork, or a new thread
	}
	w.mu.Lock()
	w.parents[ev.Tgid] = ev.ParentTgid
	w.mu.Unlock()
}

// parent returns the parent of pid if its fork was seen.
func (w *forkWatcher) parent(pid int) (int, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.parents[pid]
	return p, ok
}

func (w *forkWatcher) close() {
	w.conn.Close()
	<-w.done
}
