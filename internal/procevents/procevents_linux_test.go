package procevents

import (
	"encoding/binary"
	"os"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// datagram builds a connector message as the kernel sends it.
func datagram(what uint32, ids ...uint32) []byte {
	b := make([]byte, unix.NLMSG_HDRLEN+cnMsgLen+eventHeader+4*len(ids))
	ne := binary.NativeEndian
	ne.PutUint32(b[unix.NLMSG_HDRLEN+cnMsgLen:], what)
	for i, id := range ids {
		ne.PutUint32(b[unix.NLMSG_HDRLEN+cnMsgLen+eventHeader+4*i:], id)
	}
	return b
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want Event
		ok   bool
	}{
		{"fork", datagram(1, 10, 10, 11, 11), Event{Kind: Fork, ParentTgid: 10, Pid: 11, Tgid: 11}, true},
		{"thread", datagram(1, 10, 10, 12, 11), Event{Kind: Fork, ParentTgid: 10, Pid: 12, Tgid: 11}, true},
		{"exec", datagram(2, 20, 20), Event{Kind: Exec, Pid: 20, Tgid: 20}, true},
		{"exit is skipped", datagram(0x80000000, 20, 20, 0, 0), Event{}, false},
		{"short fork", datagram(1, 10, 10), Event{}, false},
		{"short", make([]byte, 10), Event{}, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.b)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: Parse = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(datagram(1, 10, 10, 11, 11))
	f.Add(datagram(2, 20, 20))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ev, ok := Parse(b); ok && ev.Kind != Fork && ev.Kind != Exec {
			t.Fatalf("Parse returned kind %#x", ev.Kind)
		}
	})
}

// TestRootKernelForkAndExec subscribes for real and sees the fork and exec of a child.
func TestRootKernelForkAndExec(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the process events connector needs root")
	}
	conn, err := Listen(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan Event, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.Run(func(ev Event) {
			select {
			case events <- ev:
			default:
			}
		})
	}()
	defer func() { conn.Close(); <-done }()

	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	var forked, execed bool
	timeout := time.After(10 * time.Second)
	for !forked || !execed {
		select {
		case ev := <-events:
			switch {
			case ev.Kind == Fork && ev.Tgid == pid && ev.ParentTgid == os.Getpid():
				forked = true
			case ev.Kind == Exec && ev.Tgid == pid:
				execed = true
			}
		case <-timeout:
			t.Fatalf("child %d: fork seen %v, exec seen %v", pid, forked, execed)
		}
	}
}
