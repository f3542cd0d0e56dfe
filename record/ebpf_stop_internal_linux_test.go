package record

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func needRootEBPF(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("eBPF recording needs root")
	}
}

// ourScratchCgroups lists the scratch cgroups this process made.
func ourScratchCgroups(t *testing.T) []string {
	t.Helper()
	mount, err := cgroup2Mount()
	if err != nil {
		t.Skip(err)
	}
	var out []string
	filepath.WalkDir(mount, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), scratchPrefix+strconv.Itoa(os.Getpid())+"-") {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// A stop request (SIGTERM or Ctrl-C to the recorder) reaches every process of the
// command, and what ignores it is killed after the grace period: the recording ends
// and nothing of the command, nor its cgroup, is left behind.
func TestEBPFStopEndsWholeCommandAsRoot(t *testing.T) {
	needRootEBPF(t)
	old := stopGrace
	stopGrace = 500 * time.Millisecond
	defer func() { stopGrace = old }()
	marker := "seccompctl-stop-test-" + strconv.Itoa(os.Getpid())
	for _, script := range []string{
		// The shell's child would have outlived a signal sent to the shell alone.
		"sleep 300 # " + marker,
		// Ignores SIGTERM: killed after the grace period.
		"trap '' TERM; sleep 300 & wait; sleep 300 # " + marker,
	} {
		sigs := make(chan os.Signal, 1)
		go func() {
			time.Sleep(time.Second)
			sigs <- syscall.SIGTERM
		}()
		res, err := Command(context.Background(), []string{"/bin/sh", "-c", script + "; true"}, Options{Mode: ModeEBPF, Signals: sigs})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Interrupted {
			t.Errorf("%q: not marked interrupted", script)
		}
		if out, _ := exec.Command("pgrep", "-f", marker).Output(); len(out) > 0 {
			t.Errorf("%q: processes left running: %s", script, out)
		}
		if left := ourScratchCgroups(t); len(left) > 0 {
			t.Errorf("%q: cgroups left behind: %v", script, left)
		}
	}
}

// The scratch cgroup of a recorder that was killed (SIGKILL: no clean-up of its own)
// is emptied and removed by the next recording.
func TestStaleScratchCgroupSweptAsRoot(t *testing.T) {
	needRootEBPF(t)
	mount, err := cgroup2Mount()
	if err != nil {
		t.Skip(err)
	}
	// A pid that no longer runs: a process that has exited.
	gone := exec.Command("/bin/true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	parent := ownCgroupParent(mount)
	stale := filepath.Join(parent, scratchPrefix+strconv.Itoa(gone.Process.Pid)+"-1")
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Skip(err)
	}
	defer os.Remove(stale)
	orphan := exec.Command("/bin/sleep", "300")
	orphan.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true}
	fd, err := unix.Open(stale, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	orphan.SysProcAttr.CgroupFD = fd
	err = orphan.Start()
	unix.Close(fd)
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- orphan.Wait() }()

	cg, err := newScratchCgroup()
	if err != nil {
		orphan.Process.Kill()
		t.Fatal(err)
	}
	cg.remove()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		orphan.Process.Kill()
		t.Fatal("the process left in the stale cgroup was not killed")
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale cgroup %s is still there (%v)", stale, err)
	}
}
