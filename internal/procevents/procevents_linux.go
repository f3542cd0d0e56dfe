// Package procevents subscribes to the kernel's process events connector
// (CONFIG_PROC_EVENTS): a netlink multicast sent from inside fork and execve, before
// the new process or program runs. The recorder uses fork events to know the parent
// of a process that already exited; the monitor uses exec events to remember which
// container a short-lived process ran in.
package procevents

import (
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Kind is the proc_event "what" field.
type Kind uint32

// The events this package decodes; others are skipped.
const (
	Fork Kind = 0x00000001
	Exec Kind = 0x00000002
)

const (
	cnIdxProc         = 1
	cnValProc         = 1
	procCnMcastListen = 1
	cnMsgLen          = 20 // struct cn_msg without data
	eventHeader       = 16 // proc_event: what, cpu, timestamp_ns
)

// Event is one fork or exec. For a fork, ParentTgid is the forking process and Pid/Tgid
// the child (Pid != Tgid for a new thread); for an exec, Pid/Tgid the process.
type Event struct {
	Kind       Kind
	ParentTgid int
	Pid, Tgid  int
}

// Parse decodes one datagram: nlmsghdr, cn_msg, struct proc_event. ok is false for
// other kinds of event and for datagrams too short to hold one.
func Parse(b []byte) (Event, bool) {
	const off = unix.NLMSG_HDRLEN + cnMsgLen
	if len(b) < off+eventHeader+8 {
		return Event{}, false
	}
	ne := binary.NativeEndian
	data := b[off+eventHeader:]
	switch Kind(ne.Uint32(b[off:])) {
	case Fork:
		if len(data) < 16 {
			return Event{}, false
		}
		return Event{Kind: Fork, ParentTgid: int(ne.Uint32(data[4:])),
			Pid: int(ne.Uint32(data[8:])), Tgid: int(ne.Uint32(data[12:]))}, true
	case Exec:
		return Event{Kind: Exec, Pid: int(ne.Uint32(data[0:])), Tgid: int(ne.Uint32(data[4:]))}, true
	}
	return Event{}, false
}

// Conn is a subscription to process events.
type Conn struct {
	f   *os.File
	buf []byte
}

// Listen subscribes to process events with a receive buffer of rcvbuf bytes. It needs
// root in the initial user and pid namespaces (and CAP_NET_ADMIN before Linux 6.6).
func Listen(rcvbuf int) (*Conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("process events connector: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("process events connector: %w", err)
	}
	// Best effort: without it an overrun loses events, which callers tolerate.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf)
	// nlmsghdr, cn_msg{idx, val, seq, ack, len, flags}, then the operation. The 4-byte
	// form listens to every event; the filtered form exists only from Linux 6.6 and older
	// kernels ignore it silently.
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
	return &Conn{f: os.NewFile(uintptr(fd), "proc-events"), buf: make([]byte, 8192)}, nil
}

// Run calls handle for every fork and exec until Close. Events lost to an overrun
// (ENOBUFS) are skipped.
func (c *Conn) Run(handle func(Event)) {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), c.buf, 0)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return // closed
		}
		if rerr != nil {
			continue
		}
		if ev, ok := Parse(c.buf[:n]); ok {
			handle(ev)
		}
	}
}

// Drain calls handle for the events already queued, without waiting for more: every
// fork and exec that happened before the call has been handled by Run or by Drain when it
// returns. It may run concurrently with Run (it has its own buffer); handle must be safe
// for that.
func (c *Conn) Drain(handle func(Event)) {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, len(c.buf))
	for {
		var n int
		var rerr error
		rc.Control(func(fd uintptr) {
			n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
		})
		if rerr == unix.ENOBUFS || rerr == unix.EINTR {
			continue
		}
		if rerr != nil {
			return
		}
		if ev, ok := Parse(buf[:n]); ok {
			handle(ev)
		}
	}
}

// Close ends the subscription; a running Run returns.
func (c *Conn) Close() error { return c.f.Close() }
