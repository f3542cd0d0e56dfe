package record

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/syscalls"
)

// The plain raw tracepoint (kernels without tp_btf) counts the same calls, compat ones
// included.
func TestRawTracepointFallbackAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	forceRawTracepoint = true
	defer func() { forceRawTracepoint = false }()
	p, err := loadCounter(1, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.prog.Type() != ebpf.RawTracepoint {
		t.Fatalf("loaded a %v program", p.prog.Type())
	}
	p.close()
	for _, argv := range [][]string{{"/bin/sh", "-c", "echo hi >/dev/null"}} {
		res, err := Command(context.Background(), argv, Options{Mode: ModeEBPF})
		if err != nil {
			t.Fatal(err)
		}
		names := res.Recording.Names(syscalls.Native())
		for _, want := range []string{"execve", "write", "exit_group"} {
			if !slices.Contains(names, want) {
				t.Errorf("%s missing: %v", want, names)
			}
		}
	}
}

// Without tp_btf the cgroup recorder's programs are plain raw tracepoints and still
// count a new container from its exec.
func TestCgroupRecorderRawTracepointAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	forceRawTracepoint = true
	defer func() { forceRawTracepoint = false }()
	r, err := NewCgroupRecorder(CgroupRecorderOptions{MaxCgroups: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, p := range r.progs {
		if p.Type() != ebpf.RawTracepoint {
			t.Fatalf("loaded a %v program", p.Type())
		}
	}
	ctr := watchedContainer(t, r, "seccompctl-cgtest-raw-")
	runIn(t, ctr, "/bin/sh", "-c", "echo hi >/dev/null")
	counts, err := r.Counts()
	if err != nil || len(counts) != 1 {
		t.Fatalf("counts %+v, %v; want one cgroup", counts, err)
	}
	native := syscalls.Native()
	for _, name := range []string{"execve", "write", "exit_group"} {
		if counts[0].Calls[Call{Arch: native, Name: name}] == 0 {
			t.Errorf("%s not counted: %v", name, counts[0].Calls)
		}
	}
	if counts[0].Name != "ctr" {
		t.Errorf("name %q, want ctr", counts[0].Name)
	}
}

// Two counted cgroups in one filter bucket: forgetting one leaves the other counted.
func TestCgroupRecorderSharedFilterBucketAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	saved := filterBuckets
	filterBuckets = 1
	defer func() { filterBuckets = saved }()
	r, err := NewCgroupRecorder(CgroupRecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tree, err := os.MkdirTemp(r.root, "seccompctl-cgtest-bucket-")
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(tree, "a"), filepath.Join(tree, "b")
	defer func() { os.Remove(a); os.Remove(b); os.Remove(tree) }()
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	run := func(dir string) { runIn(t, dir, "/bin/sh", "-c", "echo hi >/dev/null") }
	execs := func(dir string) uint64 {
		t.Helper()
		id, err := cgroupID(dir)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := r.Counts()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			if c.ID == id {
				return c.Calls[Call{Arch: syscalls.Native(), Name: "execve"}]
			}
		}
		return 0
	}
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		run(d)
	}
	if execs(a) != 1 || execs(b) != 1 {
		t.Fatalf("execve counted %d and %d times, want 1 and 1", execs(a), execs(b))
	}
	ida, _ := cgroupID(a)
	r.Forget(ida)
	run(b)
	if n := execs(b); n != 2 {
		t.Errorf("after forgetting a cgroup in the same bucket, the other's execve counted %d times, want 2", n)
	}
}

// A cgroup whose directory was gone before user space named it keeps the name the exec
// program read: here user space forgets what inotify told it, as if the directory had
// come and gone between two reads of its events.
func TestCgroupRecorderExecNamesAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	r, err := NewCgroupRecorder(CgroupRecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.nameOffsets == nil {
		t.Skip("this kernel's BTF lacks the cgroup name fields")
	}
	tree, err := os.MkdirTemp(r.root, "seccompctl-cgtest-names-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(tree)
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"init-ctr", "pod/init-ctr"} {
		dir := filepath.Join(tree, rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		id, err := cgroupID(dir)
		if err != nil {
			t.Fatal(err)
		}
		runIn(t, dir, "/bin/true")
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		delete(r.names, id)
		for _, w := range r.treeIDs {
			delete(w.rels, rel)
		}
		r.mu.Unlock()
		counts, err := r.Counts()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range counts {
			if c.ID != id {
				continue
			}
			found = true
			if c.Name != rel || !c.Gone || c.Tree != tree {
				t.Errorf("%s: name %q gone %v tree %q; want %q true %q", rel, c.Name, c.Gone, c.Tree, rel, tree)
			}
		}
		if !found {
			t.Errorf("%s: not counted", rel)
		}
	}
	os.Remove(filepath.Join(tree, "pod"))
}

// runIn runs argv to its end inside the cgroup at dir.
func runIn(t *testing.T, dir string, argv ...string) {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
}

// With ContainerExecs the fork, exit and exec hooks load as typed programs where the
// kernel has BTF, and as raw tracepoint programs when forced to; either way a child
// the entry task forks is counted and the runtime's own exec before it is not.
func TestCgroupRecorderContainerExecsProgramsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw=%v", raw), func(t *testing.T) {
			forceRawTracepoint = raw
			defer func() { forceRawTracepoint = false }()
			r, err := NewCgroupRecorder(CgroupRecorderOptions{MaxCgroups: 4, ContainerExecs: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			want := ebpf.Tracing
			if raw {
				want = ebpf.RawTracepoint
			}
			if len(r.progs) != 5 {
				t.Fatalf("%d programs, want 5", len(r.progs))
			}
			for _, p := range r.progs {
				if p.Type() != want {
					t.Fatalf("loaded a %v program, want %v", p.Type(), want)
				}
			}
			ctr := watchedContainer(t, r, "seccompctl-cgtest-hooks-")
			// unshare executes in our mount namespace (not counted), the shell in a new
			// one (the entry exec), /bin/true in the shell's forked child.
			runIn(t, ctr, unshare, "-m", "--", "/bin/sh", "-c", "/bin/true; echo hi >/dev/null")
			counts, err := r.Counts()
			if err != nil || len(counts) != 1 {
				t.Fatalf("counts %+v, %v; want one cgroup", counts, err)
			}
			calls := counts[0].Calls
			native := syscalls.Native()
			if n := calls[Call{Arch: native, Name: "execve"}]; n != 2 {
				t.Errorf("execve counted %d times, want 2 (the shell's and its child's): %v", n, calls)
			}
			if calls[Call{Arch: native, Name: "unshare"}] != 0 || calls[Call{Arch: native, Name: "write"}] == 0 {
				t.Errorf("unshare counted or write not: %v", calls)
			}
		})
	}
}

// watchedContainer makes a scratch tree (named from prefix) under r's root, has r watch
// it, and makes a container cgroup "ctr" below it; both are removed when t ends.
func watchedContainer(t *testing.T, r *CgroupRecorder, prefix string) string {
	t.Helper()
	tree, err := os.MkdirTemp(r.root, prefix)
	if err != nil {
		t.Fatal(err)
	}
	ctr := filepath.Join(tree, "ctr")
	t.Cleanup(func() { os.Remove(ctr); os.Remove(tree) })
	if err := r.WatchTree(tree); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(ctr, 0o755); err != nil {
		t.Fatal(err)
	}
	return ctr
}
