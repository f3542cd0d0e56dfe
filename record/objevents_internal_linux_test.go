package record

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func rawObjectEvent(pid, kind uint32, path string) []byte {
	b := make([]byte, 8, objEventSize)
	binary.NativeEndian.PutUint32(b, pid)
	binary.NativeEndian.PutUint32(b[4:], kind)
	if kind == objEventExec {
		p := make([]byte, objPathMax)
		copy(p, path)
		b = append(b, p...)
	}
	return b
}

// rawMmapPathEvent builds an objEventMmapPath event from slots, file first.
func rawMmapPathEvent(pid uint32, complete bool, slots ...string) []byte {
	b := make([]byte, mmapPathSize)
	binary.NativeEndian.PutUint32(b, pid)
	binary.NativeEndian.PutUint32(b[4:], objEventMmapPath)
	binary.NativeEndian.PutUint32(b[8:], uint32(len(slots)))
	if complete {
		binary.NativeEndian.PutUint32(b[12:], 1)
	}
	for i, s := range slots {
		copy(b[mmapPathHeader+i*mmapSlotSize:][:mmapSlotSize-1], s)
	}
	return b
}

func TestParseObjectEvent(t *testing.T) {
	long := strings.Repeat("x", mmapSlotSize-1)
	for _, tc := range []struct {
		name string
		raw  []byte
		want objectEvent
		err  bool
	}{
		{"exec", rawObjectEvent(42, objEventExec, "/usr/bin/env"), objectEvent{42, objEventExec, "/usr/bin/env"}, false},
		{"exec without a path", rawObjectEvent(7, objEventExec, "")[:8], objectEvent{7, objEventExec, ""}, false},
		{"mmap", rawObjectEvent(9, objEventMmap, ""), objectEvent{9, objEventMmap, ""}, false},
		{"path filling the buffer", append(rawObjectEvent(1, objEventExec, "")[:8], []byte("/aaaa")...), objectEvent{1, objEventExec, "/aaaa"}, false},
		{"short", []byte{1, 2, 3}, objectEvent{}, true},
		{"unknown kind", rawObjectEvent(1, 4, ""), objectEvent{}, true},
		{"mmap with its path", rawMmapPathEvent(5, true, "_ssl.so", "lib-dynload", "/", "usr"), objectEvent{5, objEventMmap, "/usr/lib-dynload/_ssl.so"}, false},
		{"mmap walk not at the root", rawMmapPathEvent(5, false, "_ssl.so", "lib-dynload"), objectEvent{5, objEventMmap, ""}, false},
		{"mmap component perhaps cut short", rawMmapPathEvent(5, true, long, "usr"), objectEvent{5, objEventMmap, ""}, false},
		{"mmap component not read", rawMmapPathEvent(5, true, "a.so", "", "usr"), objectEvent{5, objEventMmap, ""}, false},
		{"mmap only mounts crossed", rawMmapPathEvent(5, true, "/"), objectEvent{5, objEventMmap, ""}, false},
		{"mmap path event short", rawMmapPathEvent(5, true, "a")[:100], objectEvent{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseObjectEvent(tc.raw)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("parseObjectEvent = %+v, %v; want %+v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func FuzzParseObjectEvent(f *testing.F) {
	f.Add(rawObjectEvent(42, objEventExec, "/bin/sh"))
	f.Add(rawObjectEvent(42, objEventMmap, ""))
	f.Add(rawMmapPathEvent(42, true, "libc.so.6", "lib", "usr"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := parseObjectEvent(raw)
		if err != nil {
			return
		}
		if len(ev.path) > len(raw)-8 {
			t.Fatalf("path %q longer than the event", ev.path)
		}
		if ev.kind == objEventMmap && ev.path != "" && (!filepath.IsAbs(ev.path) || filepath.Clean(ev.path) != ev.path) {
			t.Fatalf("mmap path %q is not a clean absolute path", ev.path)
		}
	})
}

// TestExecPath: the path a process exec'd is resolved to the ELF file it names; a
// script (the interpreter is what runs) and a missing file give nothing.
func TestExecPath(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755)
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	self := os.Getpid()
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, sh)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"/bin/sh", sh},
		{rel, sh}, // relative to the process's working directory
		{script, ""},
		{"/proc/self/exe", ""}, // the exec'ing process's own file, not ours: the scan names it
		{"/dev/fd/3", ""},
		{filepath.Join(dir, "missing"), ""},
		{"", ""},
	} {
		if got := execPath(self, tc.in); got != tc.want {
			t.Errorf("execPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMmapPathEventsAsRoot: the kernel names the file a process maps executable, walked
// up from its file descriptor, so a module dlopen'ed by a process that exits at once is
// named without reading /proc (here python3 is gone before the events are read). The
// module lives under a tmpfs mounted for the test, so the walk crosses a mount. Both
// ways the counting program attaches.
func TestMmapPathEventsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	if o, _ := loadKernelOffsets(); !o.files {
		t.Skip("the kernel's BTF lacks the offsets of the path walk")
	}
	ssl, _ := filepath.Glob("/usr/lib/python3*/lib-dynload/_ssl.*.so")
	if len(ssl) == 0 {
		t.Skip("python3's _ssl module is not installed")
	}
	// A copy on a tmpfs mounted at a directory of its own.
	mnt := t.TempDir()
	if err := unix.Mount("tmpfs", mnt, "tmpfs", 0, "size=64m"); err != nil {
		t.Skip(err)
	}
	defer unix.Unmount(mnt, unix.MNT_DETACH)
	dynload := filepath.Join(mnt, "dyn load")
	os.Mkdir(dynload, 0o755)
	data, err := os.ReadFile(ssl[0])
	if err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(dynload, filepath.Base(ssl[0]))
	if err := os.WriteFile(module, data, 0o755); err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(module)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []bool{false, true} {
		forceRawTracepoint = raw
		cg, err := newScratchCgroup()
		if err != nil {
			t.Skip(err)
		}
		oe, err := loadObjectEvents(cg.id)
		if err != nil {
			cg.remove()
			t.Fatalf("raw tracepoint %v: %v", raw, err)
		}
		p, err := loadCounter(cg.id, false, oe.ring())
		if err != nil {
			oe.close()
			cg.remove()
			t.Fatalf("raw tracepoint %v: counter with mmap events: %v", raw, err)
		}
		cmd := exec.Command("/usr/bin/python3", "-S", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import _ssl", dynload)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: cg.fd}
		out, runErr := cmd.CombinedOutput()
		var paths []string
		oe.flush()
		oe.run(func(ev objectEvent) {
			if ev.kind == objEventMmap {
				paths = append(paths, ev.path)
			}
		})
		p.close()
		oe.close()
		cg.remove()
		if runErr != nil {
			t.Fatalf("python3: %v\n%s", runErr, out)
		}
		if !slices.Contains(paths, want) {
			t.Errorf("raw tracepoint %v: no mmap event names %s: %q", raw, want, paths)
		}
		if !slices.Contains(paths, "/usr/lib/x86_64-linux-gnu/libc.so.6") && !slices.ContainsFunc(paths, func(p string) bool { return strings.HasSuffix(p, "/libc.so.6") }) {
			t.Errorf("raw tracepoint %v: no mmap event names libc.so.6: %q", raw, paths)
		}
	}
	forceRawTracepoint = false
}

// TestObjectEventsAsRoot: the exec and mmap events load and report with the counting
// program attached either way (tp_btf, or the plain raw tracepoint of older kernels),
// and name a module dlopen'ed by a process that lived a few milliseconds.
func TestObjectEventsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	for _, raw := range []bool{false, true} {
		forceRawTracepoint = raw
		oe, err := loadObjectEvents(1)
		if err != nil {
			t.Fatalf("raw tracepoint %v: %v", raw, err)
		}
		p, err := loadCounter(1, false, oe.ring())
		if err != nil {
			t.Fatalf("raw tracepoint %v: counter with mmap events: %v", raw, err)
		}
		p.close()
		oe.close()
		// The events alone must find the module: no periodic read of the processes
		// comes before the end (when python3 is gone). python3 stays 300 ms after
		// the import, so that a loaded machine's scanner has time to read its
		// mappings; one that exits within milliseconds may be missed, and the
		// recording's ObjectGaps says so.
		saved := objectScanInterval
		objectScanInterval = time.Hour
		res, err := Command(context.Background(), []string{"/bin/sh", "-c", "/usr/bin/python3 -S -c 'import _ssl, time; time.sleep(0.3)'"}, Options{Mode: ModeEBPF})
		objectScanInterval = saved
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(res.Recording.Objects, func(p string) bool { return strings.Contains(p, "lib-dynload/_ssl.") }) {
			t.Errorf("raw tracepoint %v: the dlopen'ed _ssl module is missing from %q", raw, res.Recording.Objects)
		}
	}
	forceRawTracepoint = false
}
