package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// A container name from a snapshot becomes a file name: one that would leave the
// output directory is refused and nothing is written.
func TestCollectRefusesUnsafeContainerName(t *testing.T) {
	var errOut bytes.Buffer
	app := &App{Out: &bytes.Buffer{}, ErrOut: &errOut}
	dir := filepath.Join(t.TempDir(), "out")
	snaps := []snapshot.Snapshot{{Node: "n1", Containers: []snapshot.Container{
		{Namespace: "a", Pod: "p", Container: "../../etc/x", Arch: syscalls.X86_64, Syscalls: []snapshot.Seen{{Name: "read", Count: 1}}},
	}}}
	o := &k8sRecordCollectOptions{k8sRecordReadOptions: k8sRecordReadOptions{app: app}, dir: dir, runtime: "none", format: "text"}
	err := o.collect(context.Background(), nil, snaps, nil)
	if err == nil || !strings.Contains(err.Error(), "container name") {
		t.Fatalf("error %v: want a refused container name", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the output directory was made: %v", err)
	}
}

func TestRecordStatusText(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	req := kube.RecordingRequest{Name: "recording-x", Namespace: "shop", Selector: "app=web", Target: "deploy/web", Stopped: now.Add(-time.Hour)}
	snaps := []snapshot.Snapshot{
		{Node: "n1", Written: now, Dropped: 2, Containers: []snapshot.Container{{Namespace: "shop", Pod: "web-1", Container: "app",
			Syscalls: []snapshot.Seen{{Name: "read", Count: 4}, {Name: "write", Count: 3}},
			Static:   &snapshot.Static{Looks: 3, Executables: []snapshot.Executable{{Path: "/bin/app"}}, Errors: []string{"/bin/helper: not ELF"}}}}},
		{Node: "n2", Written: now},
	}
	var out bytes.Buffer
	if err := writeRecordStatus(&out, req, snaps, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stopped 2026-05-01T11:00:00Z", "shop/web-1", "  2  ", "7", "2 container(s) left out", "no matching pod on this node",
		"static: 1 executable(s) analyzed in 3 look(s), 1 error(s): /bin/helper: not ELF"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRecordStatusSaysWhy(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	req := kube.RecordingRequest{Name: "recording-x", Namespace: "shop", Selector: "app=web", Target: "deploy/web", Containers: []string{"app"}}
	for _, tc := range []struct {
		name  string
		snaps []snapshot.Snapshot
		want  []string
		not   []string
	}{
		{"selects nothing anywhere", []snapshot.Snapshot{{Node: "n1", Written: now}, {Node: "n2", Written: now}},
			[]string{"the selector matches no pod on any of the 2 node(s)", "kubectl get pods -n shop -l 'app=web'", "containers: app"}, nil},
		{"every node fails", []snapshot.Snapshot{{Node: "n1", Written: now, Error: "the eBPF recorder does not load on this node: operation not permitted"}},
			[]string{"no node records this request", "not recording: the eBPF recorder does not load"}, nil},
		{"recording with what a reader must know", []snapshot.Snapshot{{Node: "n1", Written: now, NotCounted: 3, UnresolvedDropped: 1,
			Pods: []snapshot.Pod{
				{Namespace: "shop", Name: "web-1", UID: "u1", Cgroup: "kubepods/podu1"},
				{Namespace: "shop", Name: "web-2", UID: "u2"},
				{Namespace: "shop", Name: "web-3", UID: "u3", Deleted: true},
			},
			Containers: []snapshot.Container{
				{Namespace: "shop", Pod: "web-1", Container: "app", Since: now.Add(-time.Minute), Syscalls: []snapshot.Seen{{Name: "read", Count: 4}}},
				{Namespace: "shop", Pod: "web-1", Container: "side", AllTasks: true, Syscalls: []snapshot.Seen{{Name: "write", Count: 1}}},
			},
			Unresolved: []snapshot.Unresolved{{Namespace: "shop", Pod: "web-1", Cgroup: "", Syscalls: 2, Calls: 5}, {Namespace: "shop", Pod: "web-1", Unnamed: true, Syscalls: 3, Calls: 4}},
			Notes:      []string{"the agent restarted at 2026-05-01T11:30:00Z: what ran after its snapshot of 2026-05-01T11:29:30Z and before then was not seen"},
		}},
			[]string{"counted from 2026-05-01T11:59:00Z", "side       1         1      2026-05-01T12:00:00Z  every task of the cgroup counted", "shop/web-2  -", "not running yet (no cgroup)", "deleted before anything was recorded",
				"unresolved: the pod's own cgroup", "removed before they could be named", "1 unresolved cgroup(s) left out", "3 cgroup(s) not counted", "n1: the agent restarted at"},
			[]string{"matches no pod", "no node records"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := writeRecordStatus(&out, req, tc.snaps, now); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("status lacks %q:\n%s", want, out.String())
				}
			}
			for _, not := range tc.not {
				if strings.Contains(out.String(), not) {
					t.Errorf("status says %q:\n%s", not, out.String())
				}
			}
		})
	}
}
