package record

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// cgroup2Mount finds where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on a
// unified system, /sys/fs/cgroup/unified in hybrid mode.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER"
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return fields[4], nil
			}
		}
	}
	return "", fmt.Errorf("no cgroup v2 hierarchy mounted: %w", ErrNotSupported)
}

// cgroupID returns the id bpf_get_current_cgroup_id() reports for the cgroup at dir:
// the inode number of its directory.
func cgroupID(dir string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// scratchCgroup is a fresh cgroup v2 made for one recording.
type scratchCgroup struct {
	dir string
	fd  int
	id  uint64
}

// newScratchCgroup makes a cgroup for the recorded command next to ours (so it stays
// inside whatever delegation we run in) or, failing that, at the top.
func newScratchCgroup() (*scratchCgroup, error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s%d-%d", scratchPrefix, os.Getpid(), time.Now().UnixNano())
	var dir string
	var mkErr error
	for _, parent := range []string{ownCgroupParent(mount), mount} {
		sweepStale(parent)
		dir = filepath.Join(parent, name)
		if mkErr = os.Mkdir(dir, 0o755); mkErr == nil {
			break
		}
	}
	if mkErr != nil {
		return nil, fmt.Errorf("creating a cgroup for the command: %w", mkErr)
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(dir)
		return nil, err
	}
	id, err := cgroupID(dir)
	if err != nil {
		unix.Close(fd)
		os.Remove(dir)
		return nil, err
	}
	return &scratchCgroup{dir: dir, fd: fd, id: id}, nil
}

// scratchPrefix starts the name of every scratch cgroup; the recorder's pid follows.
const scratchPrefix = "seccompctl-record-"

// sweepStale kills what is left in, and removes, the scratch cgroups of recorders that
// no longer run: a recorder killed with SIGKILL cannot clean up after itself, and its
// command's children would run on, unrecorded, in a cgroup nobody removes.
func sweepStale(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), scratchPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || recorderAlive(pid) {
			continue
		}
		c := &scratchCgroup{dir: filepath.Join(parent, e.Name()), fd: -1}
		c.kill()
		c.remove()
	}
}

// recorderAlive reports whether process pid still exists. Any process will do: a pid
// reused by another program keeps a stale cgroup until that one ends too, which is
// better than killing the command of a recorder that still runs.
func recorderAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}

// signal sends sig to every process in the cgroup: the recorded command is all of them.
func (c *scratchCgroup) signal(sig unix.Signal) {
	b, _ := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			unix.Kill(pid, sig)
		}
	}
}

// ownCgroupParent returns the directory of our own cgroup v2, the parent of a new one.
// A process may not sit in a cgroup that has children with controllers, but the parent
// of our cgroup accepts siblings.
func ownCgroupParent(mount string) string {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return mount
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			if p == "/" || p == "" {
				return mount
			}
			return filepath.Dir(filepath.Join(mount, p))
		}
	}
	return mount
}

// populated reports whether any process is left in the cgroup.
func (c *scratchCgroup) populated() bool {
	b, err := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
	return err == nil && len(strings.TrimSpace(string(b))) > 0
}

// kill kills every process in the cgroup: with cgroup.kill (Linux 5.14), else one by one.
func (c *scratchCgroup) kill() {
	if os.WriteFile(filepath.Join(c.dir, "cgroup.kill"), []byte("1"), 0) == nil {
		return
	}
	b, _ := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
}

// waitEmpty waits until the last process in the cgroup has exited, by watching
// cgroup.events ("populated 0") with inotify, or until stop is closed.
func (c *scratchCgroup) waitEmpty(stop <-chan struct{}) {
	events := filepath.Join(c.dir, "cgroup.events")
	// Usually the command was alone and is gone: check before paying for inotify, whose
	// close waits for an SRCU grace period (about 15ms).
	if b, err := os.ReadFile(events); err != nil || strings.Contains(string(b), "populated 0") {
		return
	}
	ifd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		ifd = -1
	} else {
		defer unix.Close(ifd)
		unix.InotifyAddWatch(ifd, events, unix.IN_MODIFY)
	}
	buf := make([]byte, 4096)
	for {
		b, err := os.ReadFile(events)
		if err != nil || strings.Contains(string(b), "populated 0") {
			return
		}
		select {
		case <-stop:
			return
		default:
		}
		if ifd >= 0 {
			fds := []unix.PollFd{{Fd: int32(ifd), Events: unix.POLLIN}}
			unix.Poll(fds, 200)
			unix.Read(ifd, buf)
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// remove deletes the cgroup once it is empty.
func (c *scratchCgroup) remove() error {
	if c.fd >= 0 {
		unix.Close(c.fd)
	}
	// The last process may still be leaving the cgroup for a moment after it exited.
	var err error
	delay := time.Millisecond
	for range 20 {
		if err = os.Remove(c.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		time.Sleep(delay)
		delay = min(2*delay, 100*time.Millisecond)
	}
	return err
}
