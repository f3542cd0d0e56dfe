//go:build !linux

package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/seccompctl/seccompctl/syscalls"
)

// errNotSupported is returned where the audit netlink socket does not exist.
var errNotSupported = fmt.Errorf("the audit netlink socket needs Linux: %w", syscalls.ErrNotSupported)

// Conn is a read-only subscription to the kernel's audit multicast group (Linux only).
type Conn struct{}

// Dial joins the audit multicast group (Linux only).
func Dial() (*Conn, error) { return nil, errNotSupported }

// Read returns the next record (Linux only).
func (c *Conn) Read() (Message, error) { return Message{}, errNotSupported }

// ReadQueued returns a queued record without waiting (Linux only).
func (c *Conn) ReadQueued() (Message, bool, error) { return Message{}, false, errNotSupported }

// SetReadDeadline sets a deadline for Read (Linux only).
func (c *Conn) SetReadDeadline(t time.Time) error { return errNotSupported }

// Overruns returns how many times records were dropped.
func (c *Conn) Overruns() uint64 { return 0 }

// Close leaves the group.
func (c *Conn) Close() error { return nil }

// Listen sends SECCOMP records until ctx is done (Linux only).
func Listen(ctx context.Context) (<-chan SeccompRecord, error) { return nil, errNotSupported }
