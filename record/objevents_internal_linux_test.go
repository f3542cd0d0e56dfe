package record

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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

func TestParseObjectEvent(t *testing.T) {
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
		{"unknown kind", rawObjectEvent(1, 3, ""), objectEvent{}, true},
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
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := parseObjectEvent(raw)
		if err != nil {
			return
		}
		if len(ev.path) > len(raw)-8 {
			t.Fatalf("path %q longer than the event", ev.path)
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
