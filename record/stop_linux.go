package record

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// stopper turns stop requests into signals for the recorded command.
type stopper struct {
	requested atomic.Bool
	// requestedCh is closed at the first stop request.
	requestedCh chan struct{}
	once        sync.Once
	done        chan struct{}
}

func (s *stopper) request() {
	s.requested.Store(true)
	s.once.Do(func() { close(s.requestedCh) })
}

// watchStop passes the first stop request (a signal from sigs) to the command with
// forward, unless the terminal already sent it to the whole process group; a second
// request, or ctx ending, calls kill.
func watchStop(ctx context.Context, sigs <-chan os.Signal, forward func(unix.Signal), kill func()) *stopper {
	s := &stopper{done: make(chan struct{}), requestedCh: make(chan struct{})}
	go func() {
		n := 0
		ctxDone := ctx.Done()
		for {
			select {
			case <-s.done:
				return
			case <-ctxDone:
				ctxDone = nil
				s.request()
				kill()
			case sig := <-sigs:
				s.request()
				n++
				us, ok := sig.(unix.Signal)
				switch {
				case n > 1 || !ok || us == unix.SIGKILL:
					kill()
				case (us == unix.SIGINT || us == unix.SIGQUIT) && terminalSentIt():
					// The command got it from the terminal too.
				default:
					forward(us)
				}
			}
		}
	}()
	return s
}

func (s *stopper) close() { close(s.done) }

// terminalSentIt reports whether a SIGINT or SIGQUIT we received came from our
// controlling terminal, which sends it to the whole foreground process group, the
// recorded command included.
func terminalSentIt() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}

// killTree kills root and every process descending from it.
func killTree(root int) {
	for _, pid := range descendants(root) {
		unix.Kill(pid, unix.SIGKILL)
	}
	unix.Kill(root, unix.SIGKILL)
}

// descendants lists the processes below root, from /proc.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp := ppid(pid); pp > 0 {
			children[pp] = append(children[pp], pid)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// ppid reads the parent of pid from /proc/PID/stat ("PID (comm) S PPID ...").
func ppid(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}
