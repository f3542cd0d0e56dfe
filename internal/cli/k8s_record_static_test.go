package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/internal/goldenfile"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

var staticT0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// redisStatic is the static part of a replica whose agent analyzed redis-server.
func redisStatic() *snapshot.Static {
	return &snapshot.Static{Looks: 4, First: staticT0, Last: staticT0.Add(90 * time.Second), Executables: []snapshot.Executable{{
		Path: "/usr/bin/redis-server", BuildID: "5d0c9a", Seen: staticT0, Objects: 9,
		Arches:   []snapshot.StaticArches{{Arch: syscalls.X86_64, Syscalls: []string{"accept4", "epoll_wait", "fdatasync", "fsync", "ptrace", "read", "rename", "write"}}},
		Withheld: []string{"ptrace"},
		Notes:    []string{"exec: 1 site(s) in libc.so.6"},
	}}}
}

func staticSnaps(second *snapshot.Static) []snapshot.Snapshot {
	server := func(pod string, st *snapshot.Static) snapshot.Container {
		return snapshot.Container{Namespace: "shop", Pod: pod, Container: "kv-server", Arch: syscalls.X86_64, Static: st,
			Syscalls: []snapshot.Seen{{Name: "accept4", Count: 3, First: staticT0, Last: staticT0}, {Name: "read", Count: 9, First: staticT0, Last: staticT0},
				{Name: "write", Count: 9, First: staticT0, Last: staticT0}, {Name: "epoll_wait", Count: 9, First: staticT0, Last: staticT0}}}
	}
	return []snapshot.Snapshot{
		{Request: "recording-a", Node: "n1", Containers: []snapshot.Container{server("kv-1", redisStatic())}},
		{Request: "recording-a", Node: "n2", Containers: []snapshot.Container{server("kv-2", second)}},
	}
}

// collectGolden runs collect on snaps and checks the profile, stderr and the JSON
// report against the golden files named after the test.
func collectGolden(t *testing.T, complete string, snaps []snapshot.Snapshot) (profile, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	dir := t.TempDir()
	app := &App{Out: &out, ErrOut: &errOut}
	o := &k8sRecordCollectOptions{k8sRecordReadOptions: k8sRecordReadOptions{app: app}, dir: dir, runtime: "none", format: "json", complete: complete}
	if err := o.collect(context.Background(), nil, snaps, map[string]snapshot.Node{
		"n1": {Name: "n1", Arch: syscalls.X86_64}, "n2": {Name: "n2", Arch: syscalls.X86_64}}); err != nil {
		t.Fatal(err)
	}
	p, err := os.ReadFile(filepath.Join(dir, "kv-server.json"))
	if err != nil {
		t.Fatal(err)
	}
	name := strings.ReplaceAll(t.Name(), "/", "_")
	stderr = strings.ReplaceAll(errOut.String(), dir, "DIR")
	goldenfile.Check(t, filepath.Join("testdata", "collect_static", name+".json"), p)
	goldenfile.Check(t, filepath.Join("testdata", "collect_static", name+".stderr"), []byte(stderr))
	goldenfile.Check(t, filepath.Join("testdata", "collect_static", name+".report.json"), []byte(strings.ReplaceAll(out.String(), dir, "DIR")))
	return string(p), stderr
}

func TestCollectStatic(t *testing.T) {
	p, stderr := collectGolden(t, "", staticSnaps(redisStatic()))
	// What redis-server can reach and no replica made is allowed, commented as
	// static; ptrace is reachable and dangerous: listed, not allowed.
	for _, name := range []string{"fsync", "fdatasync", "rename"} {
		if !strings.Contains(p, `"`+name+`"`) {
			t.Errorf("profile lacks %s:\n%s", name, p)
		}
	}
	if !strings.Contains(p, "reachable in /usr/bin/redis-server (static analysis); not seen while recording") {
		t.Errorf("no rule is commented as static:\n%s", p)
	}
	if strings.Contains(p, `"ptrace"`) {
		t.Errorf("the dangerous ptrace was added:\n%s", p)
	}
	if !strings.Contains(stderr, "NOT added, dangerous") || !strings.Contains(stderr, "ptrace") {
		t.Errorf("stderr does not list ptrace as withheld:\n%s", stderr)
	}
	if strings.Contains(stderr, "UNSURE") {
		t.Errorf("both replicas were analyzed in full, yet collect is unsure:\n%s", stderr)
	}
}

// One replica's analysis failed: the other's completes the profile, and collect
// names the failed one on stderr and in the JSON report.
func TestCollectStaticOneReplicaFailed(t *testing.T) {
	failed := &snapshot.Static{Looks: 2, First: staticT0, Last: staticT0.Add(30 * time.Second),
		Errors: []string{"pid 4242 (/usr/bin/redis-server): opening /proc/4242/exe: permission denied"}}
	p, stderr := collectGolden(t, "static", staticSnaps(failed))
	if !strings.Contains(p, "reachable in /usr/bin/redis-server (static analysis)") {
		t.Errorf("the analyzed replica's executable did not complete the profile:\n%s", p)
	}
	for _, want := range []string{"UNSURE", "n2/shop/kv-2: no executable was analyzed in 2 look(s)", "analysis failed in part: n2/shop/kv-2: pid 4242"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// A replica without analysis is named too, and why: its node's agent does not
// analyze (n2), or does but never found the container running (kv-3 on n1).
func TestCollectStaticReplicaNotAnalyzed(t *testing.T) {
	snaps := staticSnaps(nil)
	kv3 := snaps[0].Containers[0]
	kv3.Pod, kv3.Static = "kv-3", nil
	snaps[0].Containers = append(snaps[0].Containers, kv3)
	_, stderr := collectGolden(t, "", snaps)
	for _, want := range []string{"n2/shop/kv-2: not analyzed: its node's agent runs without --record-static",
		"n1/shop/kv-3: not analyzed: its node's agent never found the container running"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// --complete none, and no snapshot carrying results: only what was recorded, and
// with nothing analyzed stderr says how to have it analyzed.
func TestCollectStaticNone(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		p, stderr := collectGolden(t, "none", staticSnaps(redisStatic()))
		if strings.Contains(p, "static analysis") || strings.Contains(stderr, "static completion") {
			t.Errorf("--complete none completed:\n%s\n%s", p, stderr)
		}
	})
	t.Run("nothing-analyzed", func(t *testing.T) {
		plain := staticSnaps(nil)
		plain[0].Containers[0].Static = nil
		p, stderr := collectGolden(t, "", plain)
		if !strings.Contains(stderr, "nothing was analyzed") || !strings.Contains(stderr, "--record-static") {
			t.Errorf("stderr does not say nothing was analyzed and how to enable it:\n%s", stderr)
		}
		if strings.Contains(p, "static analysis") {
			t.Errorf("completed with nothing analyzed:\n%s", p)
		}
	})
}
