package agent_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/snapshot"
)

// runCmd starts argv in the cgroup at dir, in a mount namespace of its own as a
// runtime executes a container's entrypoint, with stdin from the returned writer.
func (e *recEnv) runCmd(dir string, argv ...string) (*exec.Cmd, io.WriteCloser) {
	e.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd, Pdeathsig: syscall.SIGKILL, Cloneflags: syscall.CLONE_NEWNS}
	in, err := cmd.StdinPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	// Registered after newRecEnv's cleanup, so run before it removes the cgroups.
	e.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, in
}

func waitRunning(t *testing.T, pid int, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if p, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && p == path {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never ran %s", pid, path)
}

func staticExes(c *snapshot.Container) []string {
	if c == nil || c.Static == nil {
		return nil
	}
	var out []string
	for _, e := range c.Static.Executables {
		out = append(out, e.Path)
	}
	return out
}

// TestAPIServerAgentRecordStatic runs the agent with --record and --record-static
// against a real API server, with real processes in real cgroups: the executables
// each recorded container runs are analyzed, a program a shell exec's into later is
// found at a later look, a replica whose analysis fails says so in its snapshot, and
// 'k8s record collect' completes the profile from the analyzed replica while naming
// the failed one.
func TestAPIServerAgentRecordStatic(t *testing.T) {
	e := newRecEnv(t)
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	sleep, err := filepath.EvalSymlinks("/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	a, _ := e.startAgentWith(time.Second, func(c *agent.Config) { c.RecordStatic, c.AnalysisCacheDir = true, cache })
	name := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=kv", "-n", e.appNS))
	kv := map[string]string{"app": "kv"}
	p1 := e.pod(e.appNS, "kv-1", kv, nil, "server")
	p2 := e.pod(e.appNS, "kv-2", kv, nil, "server")
	for _, p := range []string{e.podDir(p1, "besteffort"), e.podDir(p2, "besteffort")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.waitSnapshot("both pods watched", name, func(s snapshot.Snapshot) (bool, string) {
		a, b := podOf(s, "kv-1"), podOf(s, "kv-2")
		return a != nil && b != nil && a.Cgroup != "" && b.Cgroup != "", fmt.Sprintf("pods %+v", s.Pods)
	})

	// kv-1 runs an entrypoint shell that execs the server when told; kv-2 runs a
	// server whose executable was deleted once it started: nothing is left to analyze.
	id1, id2 := newID(), newID()
	shell, in := e.runCmd(filepath.Join(e.podDir(p1, "besteffort"), id1), "/bin/sh", "-c", "read go; exec "+sleep+" 300")
	waitRunning(t, shell.Process.Pid, sh)
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(t.TempDir(), "kv-server")
	if err := os.WriteFile(gone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	server2, _ := e.runCmd(filepath.Join(e.podDir(p2, "besteffort"), id2), gone, "300")
	waitRunning(t, server2.Process.Pid, gone)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	e.setStatus(p1, map[string]string{"server": id1}, nil)
	e.setStatus(p2, map[string]string{"server": id2}, nil)

	e.waitSnapshot("kv-1's shell analyzed", name, func(s snapshot.Snapshot) (bool, string) {
		c := container(s, "kv-1", "server")
		return slices.Contains(staticExes(c), sh), fmt.Sprintf("kv-1/server: %+v", c)
	})
	io.WriteString(in, "go\n")
	s := e.waitSnapshot("the server kv-1's shell exec'ed analyzed, kv-2's failure recorded", name, func(s snapshot.Snapshot) (bool, string) {
		c1, c2 := container(s, "kv-1", "server"), container(s, "kv-2", "server")
		ok := slices.Equal(staticExes(c1), []string{sh, sleep}) && c2 != nil && c2.Static != nil && len(c2.Static.Errors) > 0
		return ok, fmt.Sprintf("kv-1: %+v\nkv-2: %+v", c1, c2)
	})
	c1, c2 := container(s, "kv-1", "server"), container(s, "kv-2", "server")
	if c1.Static.Looks < 2 || len(c1.Static.Errors) != 0 {
		t.Errorf("kv-1: %d looks, errors %q; want at least 2 looks (before and after the exec), no error", c1.Static.Looks, c1.Static.Errors)
	}
	if len(c2.Static.Executables) != 0 || !strings.Contains(c2.Static.Errors[0], gone) {
		t.Errorf("kv-2: executables %v, errors %q; want none analyzed and an error naming %s", staticExes(c2), c2.Static.Errors, gone)
	}
	if n := gauge(t, a, "seccompctl_agent_static_analyses_total"); n < 3 {
		t.Errorf("seccompctl_agent_static_analyses_total %v; want at least 3 (two analyzed, one failed)", n)
	}

	// collect: kv-1's executables complete the profile, kv-2's failed analysis is
	// named on stderr and in the JSON: the union must not hide it.
	dir := t.TempDir()
	out := e.cli("k8s", "record", "collect", name, "-o", dir, "--runtime", "none", "--format", "json")
	var res struct {
		Files []struct {
			Container string                 `json:"container"`
			Static    *snapshot.StaticReport `json:"static"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("collect --format json: %v\n%s", err, out)
	}
	if len(res.Files) != 1 || res.Files[0].Static == nil {
		t.Fatalf("collect wrote %+v; want one profile with a static report", res.Files)
	}
	rep := res.Files[0].Static
	if !rep.Unsure || !slices.ContainsFunc(rep.Errors, func(e string) bool { return strings.Contains(e, "/kv-2: ") && strings.Contains(e, gone) }) {
		t.Errorf("static report %+v: want it unsure, naming kv-2's failed analysis", rep)
	}
	if len(rep.Added) == 0 {
		t.Errorf("static report %+v: nothing added from kv-1's executables", rep)
	}
	prof, err := os.ReadFile(filepath.Join(dir, "server.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prof), "(static analysis); not seen while recording") {
		t.Errorf("no rule of the collected profile is commented as static:\n%s", prof)
	}
}
