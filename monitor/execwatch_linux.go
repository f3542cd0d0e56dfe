package monitor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/seccompctl/seccompctl/internal/procevents"
)

// WatchExecs subscribes to the kernel's exec events (root or CAP_NET_ADMIN in the
// initial user and pid namespaces) and, until ctx is done, reads each new program's
// cgroup at once. A record whose process exited before Attribute could read
// /proc/PID/cgroup is then attributed from what the process had at its last exec. On
// error the Monitor works as before, from /proc alone.
func (m *Monitor) WatchExecs(ctx context.Context) error {
	m.init()
	m.mu.Lock()
	watching := m.execs != nil
	m.mu.Unlock()
	if watching {
		return errors.New("watching execs: already watching")
	}
	conn, err := procevents.Listen(8 << 20)
	if err != nil {
		return err
	}
	c := newExecCache(execCacheTTL, execCacheMax)
	m.mu.Lock()
	m.execs = c
	m.mu.Unlock()
	context.AfterFunc(ctx, func() { conn.Close() })
	go conn.Run(func(ev procevents.Event) { m.handleProcEvent(c, ev) })
	return nil
}

// handleProcEvent keeps the cache in step with one event: a new process (fork) drops
// what an earlier process of the same pid left; an exec records the container cgroup
// the program starts in, or drops the entry when it runs outside a container.
func (m *Monitor) handleProcEvent(c *execCache, ev procevents.Event) {
	switch ev.Kind {
	case procevents.Fork:
		if ev.Pid == ev.Tgid {
			c.forget(ev.Tgid)
		}
	case procevents.Exec:
		procRoot := m.ProcRoot
		if procRoot == "" {
			procRoot = "/proc"
		}
		cg, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(ev.Tgid), "cgroup"))
		if info, ok := ParseCgroup(cg); err == nil && ok {
			c.put(ev.Tgid, info, time.Now())
		} else {
			c.forget(ev.Tgid)
		}
	}
}
