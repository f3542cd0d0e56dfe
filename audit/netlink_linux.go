package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// nlgrpReadlog is AUDIT_NLGRP_READLOG: the multicast group that receives a copy of
// every audit record, whether or not an audit daemon is registered.
const nlgrpReadlog = 1

// maxRecord is larger than the kernel's MAX_AUDIT_MESSAGE_LENGTH (8970).
const maxRecord = 1 << 14

// Conn is a read-only subscription to the kernel's audit multicast group. Joining needs
// CAP_AUDIT_READ. It receives every record type; Listen keeps only SECCOMP ones.
type Conn struct {
	f        *os.File
	buf      []byte
	overruns atomic.Uint64
}

// Dial joins the audit multicast group.
func Dial() (*Conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("opening audit netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (nlgrpReadlog - 1)}); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("joining the audit multicast group needs CAP_AUDIT_READ (run as root): %w", err)
		}
		return nil, fmt.Errorf("joining the audit multicast group: %w", err)
	}
	// A large buffer rides out bursts (one record per logged syscall); FORCE needs
	// CAP_NET_ADMIN, the plain option is capped by net.core.rmem_max.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 32<<20) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 32<<20)
	}
	return &Conn{f: os.NewFile(uintptr(fd), "audit-netlink"), buf: make([]byte, maxRecord)}, nil
}

// Read blocks until the next record arrives or the Conn is closed (os.ErrClosed).
// Records the socket had to drop because the reader was too slow are counted in
// Overruns, not reported as errors.
func (c *Conn) Read() (Message, error) {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return Message{}, err
	}
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), c.buf, unix.MSG_DONTWAIT)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return Message{}, err
		}
		switch {
		case rerr == unix.ENOBUFS:
			c.overruns.Add(1)
			continue
		case rerr == unix.EINTR:
			continue
		case rerr != nil:
			return Message{}, fmt.Errorf("reading audit netlink socket: %w", rerr)
		}
		if m, ok := decodeMessage(c.buf[:n]); ok {
			return m, nil
		}
	}
}

// ReadQueued returns the next record already queued on the socket without waiting; ok
// is false when none is. After a stop request, it drains what the kernel has already
// sent, so that stopping a recording loses nothing that happened before.
func (c *Conn) ReadQueued() (m Message, ok bool, err error) {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return Message{}, false, err
	}
	for {
		var n int
		var rerr error
		if err := rc.Control(func(fd uintptr) {
			n, _, rerr = unix.Recvfrom(int(fd), c.buf, unix.MSG_DONTWAIT)
		}); err != nil {
			return Message{}, false, err
		}
		switch {
		case rerr == unix.EAGAIN:
			return Message{}, false, nil
		case rerr == unix.ENOBUFS:
			c.overruns.Add(1)
			continue
		case rerr == unix.EINTR:
			continue
		case rerr != nil:
			return Message{}, false, fmt.Errorf("reading audit netlink socket: %w", rerr)
		}
		if m, ok := decodeMessage(c.buf[:n]); ok {
			return m, true, nil
		}
	}
}

// SetReadDeadline makes a blocked or later Read return os.ErrDeadlineExceeded at t.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.f.SetReadDeadline(t) }

// Overruns returns how many times the kernel reported dropped records (ENOBUFS) since
// Dial. Each overrun is at least one lost record.
func (c *Conn) Overruns() uint64 { return c.overruns.Load() }

// Close leaves the group; a blocked Read returns.
func (c *Conn) Close() error { return c.f.Close() }

// Listen joins the audit multicast group and sends every SECCOMP record on the returned
// channel until ctx is done, then closes the channel. Records that cannot be parsed are
// skipped. For overrun counts or other record types use Dial.
func Listen(ctx context.Context) (<-chan SeccompRecord, error) {
	c, err := Dial()
	if err != nil {
		return nil, err
	}
	out := make(chan SeccompRecord, 1024)
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	go func() {
		defer close(out)
		for {
			m, err := c.Read()
			if err != nil {
				return
			}
			if m.Type != TypeSeccomp {
				continue
			}
			r, err := parsePayload(m.Data)
			if err != nil {
				continue
			}
			select {
			case out <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
