package monitor

import (
	"sync"
	"time"
)

// Bounds of the exec-time cgroup cache: an audit record is read within milliseconds of
// its syscall, so a minute is ample, and 16k execs a minute is a busy node.
const (
	execCacheTTL = 60 * time.Second
	execCacheMax = 16 << 10
)

// execCache remembers the container cgroup each process had when it called execve, for
// the records of processes that exit before /proc/PID/cgroup is read. An entry lives
// until it expires, the ring evicts it, or the pid forks or execs anew (pid reuse).
type execCache struct {
	mu      sync.Mutex
	entries map[int]execEntry
	// ring holds insertions oldest first; an item whose seq no longer matches its pid's
	// entry was replaced and is skipped.
	ring       []execItem
	head, n    int
	seq        uint64
	ttl        time.Duration
	maxEntries int
}

type execEntry struct {
	info CgroupInfo
	seq  uint64
}

type execItem struct {
	pid int
	seq uint64
	at  time.Time
}

func newExecCache(ttl time.Duration, maxEntries int) *execCache {
	return &execCache{entries: map[int]execEntry{}, ring: make([]execItem, maxEntries), ttl: ttl, maxEntries: maxEntries}
}

// put records pid's cgroup at exec, replacing what an earlier process of that pid left.
func (c *execCache) put(pid int, info CgroupInfo, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if c.n == c.maxEntries {
		c.pop()
	}
	c.seq++
	c.entries[pid] = execEntry{info: info, seq: c.seq}
	c.ring[(c.head+c.n)%len(c.ring)] = execItem{pid: pid, seq: c.seq, at: now}
	c.n++
}

// forget drops pid: a new process now has that number.
func (c *execCache) forget(pid int) {
	c.mu.Lock()
	delete(c.entries, pid)
	c.mu.Unlock()
}

// get returns the cgroup pid had at its last exec, if that was recent.
func (c *execCache) get(pid int, now time.Time) (CgroupInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	e, ok := c.entries[pid]
	return e.info, ok
}

func (c *execCache) expire(now time.Time) {
	for c.n > 0 && now.Sub(c.ring[c.head].at) >= c.ttl {
		c.pop()
	}
}

func (c *execCache) pop() {
	it := c.ring[c.head]
	if e, ok := c.entries[it.pid]; ok && e.seq == it.seq {
		delete(c.entries, it.pid)
	}
	c.ring[c.head] = execItem{}
	c.head = (c.head + 1) % len(c.ring)
	c.n--
}
