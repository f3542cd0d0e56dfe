package record

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// The kernel's process events connector (CONFIG_PROC_EVENTS): a netlink multicast of
// every fork, sent from the fork itself, before the child runs. Audit mode uses it to
// know the parent of a process whose records arrive after it exited, when /proc can no
// longer say which cgroup it was in or whom it descends from.
const (
	cnIdxProc         = 1
	cnValProc         = 1
	procCnMcastListen = 1
	procEventFork     = 0x00000001
	cnMsgLen          = 20 // struct cn_msg without data
)

// forkWatcher keeps child → parent process ids from fork events.
type forkWatcher struct {
	f       *os.File
	mu      sync.Mutex
	parents map[int]int
	buf     []byte
	done    chan struct{}
}

// watchForks subscribes to fork events (needs CAP_NET_ADMIN) and records them until
// close.
func watchForks() (*forkWatcher, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("process events connector: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc, Pid: 0}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("process events connector: %w", err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 16<<20)
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
		return nil, fmt.Errorf("subscribing to process events: %w", err)
	}
	w := &forkWatcher{f: os.NewFile(uintptr(fd), "proc-events"), parents: map[int]int{}, buf: make([]byte, 8192), done: make(chan struct{})}
	go w.run()
	return w, nil
}

func (w *forkWatcher) run() {
	defer close(w.done)
	rc, err := w.f.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), w.buf, 0)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return
		}
		if rerr == nil {
			w.handle(w.buf[:n])
		}
	}
}

// drain reads the events already queued: every fork that happened before the call.
func (w *forkWatcher) drain() {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		rc.Control(func(fd uintptr) {
			n, _, rerr = unix.Recvfrom(int(fd), w.buf, unix.MSG_DONTWAIT)
		})
		if rerr == unix.ENOBUFS || rerr == unix.EINTR {
			continue
		}
		if rerr != nil {
			return
		}
		w.handle(w.buf[:n])
	}
}

// handle reads one datagram: nlmsghdr, cn_msg, struct proc_event.
func (w *forkWatcher) handle(b []byte) {
	const ev = unix.NLMSG_HDRLEN + cnMsgLen
	// proc_event: what, cpu, timestamp, then for a fork parent pid/tgid, child pid/tgid.
	if len(b) < ev+16+16 {
		return
	}
	ne := binary.NativeEndian
	if ne.Uint32(b[ev:]) != procEventFork {
		return
	}
	data := b[ev+16:]
	parentTgid := int(ne.Uint32(data[4:]))
	childPid, childTgid := int(ne.Uint32(data[8:])), int(ne.Uint32(data[12:]))
	if childPid != childTgid {
		return // a thread
	}
	w.mu.Lock()
	w.parents[childTgid] = parentTgid
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
	w.f.Close()
	<-w.done
}
