package monitor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// The kernel's process events connector (CONFIG_PROC_EVENTS): a netlink multicast sent
// from inside fork and execve, before the new program runs. Package record subscribes
// the same way for fork events; this is a separate minimal copy so that monitor does
// not depend on the recorder.
const (
	cnIdxProc         = 1
	cnValProc         = 1
	procCnMcastListen = 1
	procEventFork     = 0x00000001
	procEventExec     = 0x00000002
	cnMsgLen          = 20 // struct cn_msg without data
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
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		return fmt.Errorf("process events connector: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("process events connector: %w", err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
	// nlmsghdr, cn_msg{idx, val, seq, ack, len, flags}, then the operation.
	msg := make([]byte, unix.NLMSG_HDRLEN+cnMsgLen+4)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.NLMSG_DONE)
	ne.PutUint32(msg[12:], uint32(os.Getpid()))
	cn := msg[unix.NLMSG_HDRLEN:]
	ne.PutUint32(cn[0:], cnIdxProc)
	ne.PutUint32(cn[4:], cnValProc)
	ne.PutUint16(cn[16:], 4)
	ne.PutUint32(cn[cnMsgLen:], procCnMcastListen)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("subscribing to process events: %w", err)
	}
	f := os.NewFile(uintptr(fd), "proc-events")
	c := newExecCache(execCacheTTL, execCacheMax)
	m.mu.Lock()
	m.execs = c
	m.mu.Unlock()
	context.AfterFunc(ctx, func() { f.Close() })
	go m.readExecs(f, c)
	return nil
}

func (m *Monitor) readExecs(f *os.File, c *execCache) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 8192)
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return // closed
		}
		// ENOBUFS: events were lost to an overrun; those processes fall back to /proc.
		if rerr == nil {
			m.handleProcEvent(c, buf[:n])
		}
	}
}

// handleProcEvent reads one datagram: nlmsghdr, cn_msg, then struct proc_event (what,
// cpu, timestamp; for a fork parent pid/tgid and child pid/tgid, for an exec pid/tgid).
func (m *Monitor) handleProcEvent(c *execCache, b []byte) {
	const ev = unix.NLMSG_HDRLEN + cnMsgLen
	if len(b) < ev+16+8 {
		return
	}
	ne := binary.NativeEndian
	data := b[ev+16:]
	switch ne.Uint32(b[ev:]) {
	case procEventFork:
		if len(data) < 16 {
			return
		}
		if pid, tgid := int(ne.Uint32(data[8:])), int(ne.Uint32(data[12:])); pid == tgid {
			c.forget(tgid) // a new process: whatever an earlier one of this pid left is stale
		}
	case procEventExec:
		tgid := int(ne.Uint32(data[4:]))
		procRoot := m.ProcRoot
		if procRoot == "" {
			procRoot = "/proc"
		}
		cg, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(tgid), "cgroup"))
		if info, ok := ParseCgroup(cg); err == nil && ok {
			c.put(tgid, info, time.Now())
		} else {
			c.forget(tgid)
		}
	}
}
