package record_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/internal/bpffd"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// cgroupRoot is the cgroup v2 hierarchy of the test machine, found as the recorder finds it.
func cgroupRoot(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for i, x := range f {
			if x == "-" && i+1 < len(f) && f[i+1] == "cgroup2" && len(f) > 4 {
				return f[4]
			}
		}
	}
	t.Skip("no cgroup v2 hierarchy mounted")
	return ""
}

var scratchSeq int

// scratchTree makes an empty cgroup directory for one test at the top of the hierarchy;
// cleanup kills what runs below it and removes it, deepest first.
func scratchTree(t *testing.T) string {
	t.Helper()
	scratchSeq++
	dir := filepath.Join(cgroupRoot(t), fmt.Sprintf("seccompctl-cgtest-%d-%d", os.Getpid(), scratchSeq))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeCgroupTree(t, dir) })
	return dir
}

func removeCgroupTree(t *testing.T, dir string) {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.WriteFile(filepath.Join(dirs[i], "cgroup.kill"), []byte("1"), 0)
		waitFor(t, "cgroup "+dirs[i]+" to empty", func() bool {
			b, err := os.ReadFile(filepath.Join(dirs[i], "cgroup.procs"))
			return err != nil || len(strings.TrimSpace(string(b))) == 0
		})
		if err := os.Remove(dirs[i]); err != nil && !os.IsNotExist(err) {
			t.Errorf("removing %s: %v", dirs[i], err)
		}
	}
}

// cgroupChild is the test binary running as the getppid workload (see cgroupTestChild)
// inside a cgroup.
type cgroupChild struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startInCgroup starts the workload inside the cgroup at dir. Between fork and exec the
// child calls setpgid and chdir, which the workload itself never makes.
func startInCgroup(t *testing.T, dir string) *cgroupChild {
	t.Helper()
	return startInCgroupVia(t, dir, 0)
}

// startInCgroupVia starts the workload inside the cgroup at dir, cloned with the given
// flags, through the command prefix, which executes the workload binary (passed as its
// last argument).
func startInCgroupVia(t *testing.T, dir string, cloneflags uintptr, prefix ...string) *cgroupChild {
	t.Helper()
	fd, err := syscall.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	argv := append(prefix, os.Args[0])
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "SECCOMPCTL_CGROUP_TEST_CHILD=1")
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd, Setpgid: true, Pdeathsig: syscall.SIGKILL, Cloneflags: cloneflags}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &cgroupChild{cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() { c.in.Close(); c.cmd.Process.Kill(); c.cmd.Wait() })
	return c
}

// getppid makes the workload call getppid n times and waits until it has.
func (c *cgroupChild) getppid(t *testing.T, n int) {
	t.Helper()
	for range n {
		if _, err := io.WriteString(c.in, "x\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.out.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
}

// ask sends a line to the workload and checks its answer; want "" takes a thread's
// answer ("tid pid"), asking again while the thread was the leader.
func (c *cgroupChild) ask(t *testing.T, line, want string) {
	t.Helper()
	for range 10 {
		if _, err := io.WriteString(c.in, line+"\n"); err != nil {
			t.Fatal(err)
		}
		got, err := c.out.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		got = strings.TrimSpace(got)
		if want != "" {
			if got != want {
				t.Fatalf("%s: the workload answered %q, want %q", line, got, want)
			}
			return
		}
		var tid, pid int
		if _, err := fmt.Sscan(got, &tid, &pid); err != nil {
			t.Fatalf("%s: the workload answered %q", line, got)
		}
		if tid != 0 && tid != pid {
			return
		}
	}
	t.Fatalf("%s: no thread other than the leader", line)
}

// exit ends the workload and waits for it.
func (c *cgroupChild) exit(t *testing.T) {
	t.Helper()
	c.in.Close()
	if err := c.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func newCgroupRecorder(t *testing.T, opts record.CgroupRecorderOptions) *record.CgroupRecorder {
	t.Helper()
	needRoot(t)
	r, err := record.NewCgroupRecorder(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func cgroupID(t *testing.T, dir string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// countOf returns the counts of cgroup id, and whether it is counted.
func countOf(t *testing.T, r *record.CgroupRecorder, id uint64) (record.CgroupCount, bool) {
	t.Helper()
	counts, err := r.Counts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if c.ID == id {
			return c, true
		}
	}
	return record.CgroupCount{}, false
}

func native(name string) record.Call { return record.Call{Arch: syscalls.Native(), Name: name} }

// A container started after WatchTree is counted from its first exec, while it runs;
// its directory keeps its name once removed, and Forget frees its slot.
func TestCgroupRecorderNewContainerAsRoot(t *testing.T) {
	tree := scratchTree(t)
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{})
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	// The pod's directory comes first, its container's a moment later, as with runc.
	ctr := filepath.Join(tree, "pod1", "ctr1")
	if err := os.MkdirAll(ctr, 0o755); err != nil {
		t.Fatal(err)
	}
	id := cgroupID(t, ctr)
	child := startInCgroup(t, ctr)
	child.getppid(t, 3)

	c, ok := countOf(t, r, id)
	if !ok {
		t.Fatal("the container's cgroup is not counted")
	}
	if c.Tree != tree || c.Name != "pod1/ctr1" || c.StartedBefore || c.Gone {
		t.Errorf("got tree %q name %q started before %v gone %v, want %q pod1/ctr1 false false", c.Tree, c.Name, c.StartedBefore, c.Gone, tree)
	}
	if n := c.Calls[native("getppid")]; n != 3 {
		t.Errorf("getppid counted %d times, want 3", n)
	}
	if n := c.Calls[native("execve")]; n != 1 {
		t.Errorf("execve counted %d times, want 1 (the workload's own)", n)
	}
	// What the parent did in the cgroup between fork and exec.
	for _, name := range []string{"setpgid", "chdir"} {
		if n := c.Calls[native(name)]; n != 0 {
			t.Errorf("%s, made before the exec, counted %d times", name, n)
		}
	}

	// Counted while it runs.
	child.getppid(t, 2)
	if c, _ = countOf(t, r, id); c.Calls[native("getppid")] != 5 {
		t.Errorf("getppid counted %d times after 5 calls", c.Calls[native("getppid")])
	}

	child.exit(t)
	if err := os.Remove(ctr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removed cgroup to be gone", func() bool {
		c, _ = countOf(t, r, id)
		return c.Gone
	})
	if c.Name != "pod1/ctr1" || c.Calls[native("getppid")] != 5 {
		t.Errorf("gone cgroup: name %q, getppid %d; want pod1/ctr1, 5", c.Name, c.Calls[native("getppid")])
	}
	if s := r.Stats(); s.Counted != 1 || s.Free != record.DefaultMaxCgroups-1 {
		t.Errorf("stats before Forget: %+v", s)
	}
	r.Forget(id)
	if _, ok := countOf(t, r, id); ok {
		t.Error("a forgotten cgroup is still counted")
	}
	if s := r.Stats(); s.Counted != 0 || s.Free != record.DefaultMaxCgroups {
		t.Errorf("stats after Forget: %+v", s)
	}
}

// A container already running when its tree is watched is counted from then on, and
// says so; one outside every watched tree is not counted.
func TestCgroupRecorderRunningAndOutsideAsRoot(t *testing.T) {
	tree := scratchTree(t)
	ctr := filepath.Join(tree, "ctr0")
	outside := scratchTree(t)
	for _, d := range []string{ctr} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	running := startInCgroup(t, ctr)
	running.getppid(t, 4)
	other := startInCgroup(t, outside)
	// An empty cgroup present at WatchTree is counted from its first exec.
	empty := filepath.Join(tree, "ctr-empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}

	r := newCgroupRecorder(t, record.CgroupRecorderOptions{})
	rel, err := filepath.Rel(cgroupRoot(t), tree)
	if err != nil {
		t.Fatal(err)
	}
	// Relative to the root, as the agent may pass it.
	if err := r.WatchTree(rel); err != nil {
		t.Fatal(err)
	}
	running.getppid(t, 2)
	other.getppid(t, 2)
	late := startInCgroup(t, empty)
	late.getppid(t, 1)

	c, ok := countOf(t, r, cgroupID(t, ctr))
	if !ok {
		t.Fatal("the running container is not counted")
	}
	if !c.StartedBefore || c.Name != "ctr0" || c.Tree != rel {
		t.Errorf("running container: started before %v, name %q, tree %q", c.StartedBefore, c.Name, c.Tree)
	}
	if n := c.Calls[native("getppid")]; n != 2 {
		t.Errorf("getppid counted %d times, want the 2 made after WatchTree", n)
	}
	if c, ok := countOf(t, r, cgroupID(t, empty)); !ok || c.StartedBefore || c.Calls[native("execve")] != 1 || c.Calls[native("getppid")] != 1 {
		t.Errorf("container started after WatchTree in an existing cgroup: counted %v, %+v", ok, c)
	}
	if _, ok := countOf(t, r, cgroupID(t, outside)); ok {
		t.Error("a cgroup outside the tree is counted")
	}
	// Once unwatched, a new container below the tree is not counted.
	if err := r.UnwatchTree(rel); err != nil {
		t.Fatal(err)
	}
	after := filepath.Join(tree, "ctr-after")
	if err := os.Mkdir(after, 0o755); err != nil {
		t.Fatal(err)
	}
	startInCgroup(t, after).getppid(t, 1)
	if _, ok := countOf(t, r, cgroupID(t, after)); ok {
		t.Error("a container started after UnwatchTree is counted")
	}
	if _, ok := countOf(t, r, cgroupID(t, ctr)); !ok {
		t.Error("UnwatchTree dropped a counted cgroup")
	}
}

// With every slot taken, a new container is not counted and Stats says so.
func TestCgroupRecorderFullAsRoot(t *testing.T) {
	tree := scratchTree(t)
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{MaxCgroups: 1})
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, name := range []string{"a", "b"} {
		d := filepath.Join(tree, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cgroupID(t, d))
		startInCgroup(t, d).getppid(t, 1)
	}
	if _, ok := countOf(t, r, ids[0]); !ok {
		t.Error("the first container is not counted")
	}
	if _, ok := countOf(t, r, ids[1]); ok {
		t.Error("the second container is counted with one slot")
	}
	s := r.Stats()
	if s.Counted != 1 || s.Free != 0 || s.NotCounted != 1 || s.NotCountedExecs != 1 {
		t.Errorf("stats %+v, want 1 counted, 0 free, 1 not counted after 1 exec", s)
	}
	// A slot freed, the refused cgroup is counted at its next exec, and says it missed
	// the start.
	r.Forget(ids[0])
	startInCgroup(t, filepath.Join(tree, "b")).getppid(t, 1)
	c, ok := countOf(t, r, ids[1])
	if !ok || !c.StartedBefore || c.Calls[native("getppid")] != 1 {
		t.Errorf("the once refused cgroup: counted %v, started before %v, calls %v", ok, c.StartedBefore, c.Calls)
	}
	if s := r.Stats(); s.Counted != 1 || s.NotCounted != 0 || s.NotCountedExecs != 1 {
		t.Errorf("stats %+v, want 1 counted, 0 not counted now, 1 exec refused", s)
	}
}

// Calls of 32-bit code land on the compat architecture.
func TestCgroupRecorderCompatArchAsRoot(t *testing.T) {
	if syscalls.Native() != syscalls.X86_64 {
		t.Skip("the i386 workload runs on x86_64 only")
	}
	needRoot(t)
	prog := i386Program(t)
	tree := scratchTree(t)
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{})
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	ctr := filepath.Join(tree, "ctr")
	if err := os.Mkdir(ctr, 0o755); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(ctr, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	cmd := exec.Command(prog)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	c, ok := countOf(t, r, cgroupID(t, ctr))
	if !ok {
		t.Fatal("not counted")
	}
	want := map[record.Call]uint64{
		native("execve"):                     1, // made by the 64-bit parent
		{Arch: syscalls.X86, Name: "getpid"}: 1,
		{Arch: syscalls.X86, Name: "exit"}:   1,
	}
	if fmt.Sprint(c.Calls) != fmt.Sprint(want) {
		t.Errorf("calls %v, want %v", c.Calls, want)
	}
}

// Close detaches both programs: none of them is left in the kernel.
func TestCgroupRecorderCloseAsRoot(t *testing.T) {
	needRoot(t)
	// The programs this process holds, not all the kernel's: `go test ./...` runs the
	// agent's tests, which load the same programs, at the same time.
	before := heldPrograms(t, "sc_cg_")
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{})
	var ours []ebpf.ProgramID
	for id := range heldPrograms(t, "sc_cg_") {
		if !before[id] {
			ours = append(ours, id)
		}
	}
	if len(ours) != 2 {
		t.Fatalf("%d programs loaded, want 2", len(ours))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// The kernel frees a program a moment after its last reference goes.
	waitFor(t, "the programs to be freed", func() bool {
		now := loadedPrograms(t, "sc_cg_")
		for _, id := range ours {
			if now[id] {
				return false
			}
		}
		return true
	})
	if err := r.WatchTree(cgroupRoot(t)); err == nil {
		t.Error("WatchTree after Close succeeded")
	}
}

// heldPrograms returns the ids of the BPF programs this process holds a descriptor of
// whose name starts with prefix.
func heldPrograms(t testing.TB, prefix string) map[ebpf.ProgramID]bool {
	t.Helper()
	held, err := bpffd.ProgramIDs(bpffd.Program, prefix)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[ebpf.ProgramID]bool{}
	for id := range held {
		ids[id] = true
	}
	return ids
}

// loadedPrograms returns the ids of the BPF programs in the kernel whose name starts
// with prefix.
func loadedPrograms(t testing.TB, prefix string) map[ebpf.ProgramID]bool {
	t.Helper()
	ids := map[ebpf.ProgramID]bool{}
	var id ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if err != nil {
			return ids
		}
		id = next
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			continue
		}
		if info, err := p.Info(); err == nil && strings.HasPrefix(info.Name, prefix) {
			ids[id] = true
		}
		p.Close()
	}
}

// With ContainerExecs a cgroup is counted from the first exec in a new mount namespace,
// as a container runtime executes the entrypoint: not from an exec in the parent's (the
// runtime re-executing itself), and not what came between.
func TestCgroupRecorderContainerExecAsRoot(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	tree := scratchTree(t)
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{ContainerExecs: true})
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	plain, ctr := filepath.Join(tree, "plain"), filepath.Join(tree, "ctr")
	for _, d := range []string{plain, ctr} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// In our mount namespace: never counted.
	startInCgroup(t, plain).getppid(t, 1)
	if _, ok := countOf(t, r, cgroupID(t, plain)); ok {
		t.Error("a cgroup whose only exec stayed in its parent's mount namespace is counted")
	}
	// The shell and unshare execute in our mount namespace; unshare makes a new one
	// and executes the workload there.
	child := startInCgroupVia(t, ctr, 0, "/bin/sh", "-c", `exec "$0" -m -- "$1"`, unshare)
	child.getppid(t, 2)
	c, ok := countOf(t, r, cgroupID(t, ctr))
	if !ok {
		t.Fatal("the exec in a new mount namespace did not start the count")
	}
	if c.Calls[native("execve")] != 1 || c.Calls[native("getppid")] != 2 {
		t.Errorf("execve %d, getppid %d; want 1 and 2", c.Calls[native("execve")], c.Calls[native("getppid")])
	}
	for _, name := range []string{"unshare", "setpgid", "chdir"} {
		if n := c.Calls[native(name)]; n != 0 {
			t.Errorf("%s, made before the workload's exec, counted %d times", name, n)
		}
	}
	// A process cloned into a new mount namespace counts from its own exec: how a test
	// stands in for a container.
	cloned := filepath.Join(tree, "cloned")
	if err := os.Mkdir(cloned, 0o755); err != nil {
		t.Fatal(err)
	}
	startInCgroupVia(t, cloned, syscall.CLONE_NEWNS).getppid(t, 1)
	if c, ok := countOf(t, r, cgroupID(t, cloned)); !ok || c.Calls[native("execve")] != 1 || c.Calls[native("getppid")] != 1 {
		t.Errorf("a process cloned into a new mount namespace: counted %v, %v", ok, c.Calls)
	}
}

// A real runc container below a watched tree is counted from its entrypoint's exec with
// ContainerExecs: what runc does to set the container up is not counted, however its
// runc init re-execution and its move into the cgroup are ordered. Several runs, since
// the order changes between runs (without ContainerExecs, runc's set-up was counted in
// some of four runs here).
func TestCgroupRecorderRuncContainerAsRoot(t *testing.T) {
	needRoot(t)
	runc, work, rel, r := runcBundleInTree(t)
	// What runc does in the container's set-up, and nothing the entrypoint does.
	setup := []string{"pivot_root", "mount", "umount2", "setns", "unshare", "execveat", "sethostname"}
	for i := range 4 {
		name := fmt.Sprintf("ctr%d", i)
		writeRuncConfig(t, work, "/"+rel+"/"+name, []string{"/bin/busybox", "echo", "hello"})
		id := fmt.Sprintf("seccompctl-cgtest-%d-%d", os.Getpid(), i)
		out, err := exec.Command(runc, "--root", filepath.Join(work, "state"), "run", "--bundle", work, id).CombinedOutput()
		if err != nil {
			t.Fatalf("runc run: %v: %s", err, out)
		}
		if !strings.Contains(string(out), "hello") {
			t.Fatalf("the container printed %q", out)
		}
		var c record.CgroupCount
		var ok bool
		counts, err := r.Counts()
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range counts {
			if x.Name == name {
				c, ok = x, true
			}
		}
		if !ok {
			t.Fatalf("run %d: the container's cgroup %s is not counted: %+v", i, name, counts)
		}
		if c.Calls[native("execve")] != 1 || c.Calls[native("write")] == 0 || c.Calls[native("exit_group")] == 0 {
			t.Errorf("run %d: the entrypoint's calls are missing: %v", i, c.Calls)
		}
		for _, s := range setup {
			if n := c.Calls[native(s)]; n != 0 {
				t.Errorf("run %d: runc's %s counted %d times: %v", i, s, n, c.Calls)
			}
		}
	}
}

// writeRuncConfig sets, in the config.json runc spec wrote in bundle, the command, the
// cgroup path and no terminal.
func writeRuncConfig(t *testing.T, bundle, cgroupsPath string, args []string) {
	t.Helper()
	editRuncConfig(t, bundle, func(spec map[string]any) {
		process := spec["process"].(map[string]any)
		process["args"] = args
		process["terminal"] = false
		spec["linux"].(map[string]any)["cgroupsPath"] = cgroupsPath
	})
}

// editRuncConfig reads the config.json in bundle, lets edit change it and writes it back.
func editRuncConfig(t *testing.T, bundle string, edit func(spec map[string]any)) {
	t.Helper()
	path := filepath.Join(bundle, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	edit(spec)
	if b, err = json.Marshal(spec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// With ContainerExecs only the task of the entry exec and what it starts count: its
// child processes and threads, and a program one of its threads executes; not a task
// that joins the cgroup otherwise (a runtime's `runc exec` does, and sets itself up
// there before its exec).
func TestCgroupRecorderContainerTasksAsRoot(t *testing.T) {
	tree := scratchTree(t)
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{ContainerExecs: true})
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	ctr := filepath.Join(tree, "ctr")
	if err := os.Mkdir(ctr, 0o755); err != nil {
		t.Fatal(err)
	}
	id := cgroupID(t, ctr)
	entry := startInCgroupVia(t, ctr, syscall.CLONE_NEWNS)
	entry.getppid(t, 2)
	// Joins the counted cgroup, in our mount namespace, as runc exec's runc init does.
	startInCgroup(t, ctr).getppid(t, 5)
	c, ok := countOf(t, r, id)
	if !ok {
		t.Fatal("the cgroup is not counted")
	}
	if c.Calls[native("getppid")] != 2 || c.AllTasks {
		t.Errorf("getppid counted %d times (want the entry task's 2, not the joined task's 5), all tasks %v", c.Calls[native("getppid")], c.AllTasks)
	}
	entry.ask(t, "fork", "ok")
	if c, _ := countOf(t, r, id); c.Calls[native("getpgid")] != 3 {
		t.Errorf("the entry task's child: getpgid counted %d times, want 3", c.Calls[native("getpgid")])
	}
	entry.ask(t, "thread", "")
	if c, _ := countOf(t, r, id); c.Calls[native("getpgid")] != 4 {
		t.Errorf("the entry task's thread: getpgid counted %d times, want 4", c.Calls[native("getpgid")])
	}
	// A thread that executes takes its leader's id.
	before, _ := countOf(t, r, id)
	for i := 0; ; i++ {
		if _, err := io.WriteString(entry.in, "exec-from-thread\n"); err != nil {
			t.Fatal(err)
		}
		// The executed program exits without a word.
		out, err := entry.out.ReadString('\n')
		if err == io.EOF && out == "" {
			break
		}
		if out != "on the leader\n" || i == 10 {
			t.Fatalf("exec-from-thread: the workload said %q (%v)", out, err)
		}
	}
	entry.cmd.Wait()
	c, _ = countOf(t, r, id)
	if n := c.Calls[native("getpgid")] - before.Calls[native("getpgid")]; n != 3 {
		t.Errorf("the program a thread executed: getpgid counted %d times, want 3", n)
	}
	if s := r.Stats(); s.UnmarkedTasks != 0 {
		t.Errorf("stats %+v: tasks found no room", s)
	}
}

// When the task map is full the cgroup counts every task, and Stats says so: calls
// are never dropped for lack of room.
func TestCgroupRecorderTaskMapFullAsRoot(t *testing.T) {
	tree := scratchTree(t)
	// The entry task takes the one place; the threads Go starts find none.
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{ContainerExecs: true, MaxTasks: 1})
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	ctr := filepath.Join(tree, "ctr")
	if err := os.Mkdir(ctr, 0o755); err != nil {
		t.Fatal(err)
	}
	id := cgroupID(t, ctr)
	startInCgroupVia(t, ctr, syscall.CLONE_NEWNS).getppid(t, 2)
	startInCgroup(t, ctr).getppid(t, 5)
	c, ok := countOf(t, r, id)
	if !ok {
		t.Fatal("the cgroup is not counted")
	}
	// At least 2 + 5: the joined task's fork path makes one more (Go checks its
	// parent after setting Pdeathsig).
	if !c.AllTasks || c.Calls[native("getppid")] < 7 {
		t.Errorf("all tasks %v, getppid counted %d times; want true and at least 7", c.AllTasks, c.Calls[native("getppid")])
	}
	if s := r.Stats(); s.UnmarkedTasks == 0 {
		t.Errorf("stats %+v: no task said to have found no room", s)
	}
}

// `runc exec` into a counted container: its runc init joins the container's cgroup and
// sets itself up there (joins the namespaces, applies no_new_privs and the seccomp
// filter, starts its Go runtime) before it executes the command. With ContainerExecs
// the command's calls are counted and runc init's are not.
func TestCgroupRecorderRuncExecAsRoot(t *testing.T) {
	needRoot(t)
	runc, work, rel, r := runcBundleInTree(t)
	writeRuncConfig(t, work, "/"+rel+"/ctr", []string{"/bin/busybox", "sleep", "1000"})
	// A seccomp filter, which runc init loads in the cgroup before it executes the
	// command (its seccomp call landed in a recorded profile that way).
	addRuncSeccomp(t, work)
	state := filepath.Join(work, "state")
	id := fmt.Sprintf("seccompctl-cgexec-%d", os.Getpid())
	// The container keeps its output: a file, not a pipe that would stay open.
	logPath := filepath.Join(work, "run.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	run := exec.Command(runc, "--root", state, "run", "--detach", "--bundle", work, id)
	run.Stdout, run.Stderr = log, log
	if err := run.Run(); err != nil {
		out, _ := os.ReadFile(logPath)
		t.Fatalf("runc run: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command(runc, "--root", state, "delete", "--force", id).Run() })
	cg := filepath.Join(cgroupRoot(t), rel, "ctr")
	// runc run --detach returns once it has told runc init to go on, maybe before the
	// entrypoint's exec: wait until sleep sleeps, its start-up counted and done.
	var before record.CgroupCount
	waitFor(t, "the entrypoint to sleep", func() bool {
		c, ok := countOf(t, r, cgroupID(t, cg))
		before = c
		return ok && c.Calls[native("execve")] == 1 && (c.Calls[native("nanosleep")] > 0 || c.Calls[native("clock_nanosleep")] > 0)
	})
	if before.Calls[native("uname")] != 0 {
		t.Fatalf("uname counted before runc exec: %v", before.Calls)
	}
	out, err := exec.Command(runc, "--root", state, "exec", id, "/bin/busybox", "uname", "-n").CombinedOutput()
	if err != nil {
		t.Fatalf("runc exec: %v: %s", err, out)
	}
	if strings.TrimSpace(string(out)) == "" {
		t.Fatal("runc exec: uname -n printed nothing")
	}
	c, _ := countOf(t, r, cgroupID(t, cg))
	delta := func(name string) uint64 { return c.Calls[native(name)] - before.Calls[native(name)] }
	if delta("execve") != 1 || delta("uname") == 0 || delta("write") == 0 || c.AllTasks {
		t.Errorf("the command's calls are missing (execve %d, uname %d, write %d; all tasks %v): %v",
			delta("execve"), delta("uname"), delta("write"), c.AllTasks, c.Calls)
	}
	// prctl is not among them: busybox makes one too.
	for _, s := range []string{"seccomp", "setns", "sched_getaffinity", "sigaltstack", "rt_sigaction", "clone"} {
		if n := delta(s); n != 0 {
			t.Errorf("runc init's %s counted %d times: %v", s, n, c.Calls)
		}
	}
}

// addRuncSeccomp adds to the config.json in bundle a seccomp filter that allows every
// call but one no test makes.
func addRuncSeccomp(t *testing.T, bundle string) {
	t.Helper()
	editRuncConfig(t, bundle, func(spec map[string]any) {
		spec["linux"].(map[string]any)["seccomp"] = map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls":      []any{map[string]any{"names": []string{"kexec_load"}, "action": "SCMP_ACT_ERRNO"}},
		}
	})
}

// runcBundleInTree makes a scratch tree watched by a ContainerExecs recorder and a runc
// bundle holding busybox; treeRel is the tree relative to the cgroup v2 mount. It skips
// when runc or busybox is not installed.
func runcBundleInTree(t *testing.T) (runcPath, bundle, treeRel string, rec *record.CgroupRecorder) {
	t.Helper()
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc is not installed (scripts/deps.sh installs it)")
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox is not installed (scripts/deps.sh installs busybox-static)")
	}
	tree := scratchTree(t)
	rel, err := filepath.Rel(cgroupRoot(t), tree)
	if err != nil {
		t.Fatal(err)
	}
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{ContainerExecs: true})
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	rootfs := filepath.Join(work, "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(runc, "spec", "--bundle", work).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	return runc, work, rel, r
}

// A kernel before 6.10 has no sched_prepare_exec: the exec program is attached at
// sched_process_exec. The tests of what starts a count run again there, the one of a
// 32-bit entrypoint included: there the pt_regs already say the new image's ABI, and
// the execve the 64-bit parent made must not be counted as a 32-bit one.
func TestCgroupRecorderProcessExecHookAsRoot(t *testing.T) {
	needRoot(t)
	restore := record.UseOnlyProcessExecForTest()
	defer restore()
	r := newCgroupRecorder(t, record.CgroupRecorderOptions{ContainerExecs: true})
	if hook := record.ExecHook(r); hook != "sched_process_exec" {
		t.Fatalf("exec program attached at %q, want sched_process_exec", hook)
	}
	r.Close()
	for name, test := range map[string]func(*testing.T){
		"NewContainer":      TestCgroupRecorderNewContainerAsRoot,
		"RunningAndOutside": TestCgroupRecorderRunningAndOutsideAsRoot,
		"Full":              TestCgroupRecorderFullAsRoot,
		"CompatArch":        TestCgroupRecorderCompatArchAsRoot,
		"ContainerExec":     TestCgroupRecorderContainerExecAsRoot,
		"RuncContainer":     TestCgroupRecorderRuncContainerAsRoot,
		"ContainerTasks":    TestCgroupRecorderContainerTasksAsRoot,
		"TaskMapFull":       TestCgroupRecorderTaskMapFullAsRoot,
		"RuncExec":          TestCgroupRecorderRuncExecAsRoot,
	} {
		t.Run(name, test)
	}
}
