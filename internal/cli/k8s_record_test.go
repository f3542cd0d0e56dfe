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
			Syscalls: []snapshot.Seen{{Name: "read", Count: 4}, {Name: "write", Count: 3}}}}},
		{Node: "n2", Written: now},
	}
	var out bytes.Buffer
	if err := writeRecordStatus(&out, req, snaps, now); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stopped 2026-05-01T11:00:00Z", "shop/web-1", "  2  ", "7", "2 container(s) left out", "no matching pod on this node"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
}
