package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// TestCollectEmptyAndJSON: a container that recorded nothing gets no file and a line
// on stderr; --format json lists the files, the empty container and the notes (here:
// the nodes are unknown, so both runtimes are allowed).
func TestCollectEmptyAndJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	app := &App{Out: &out, ErrOut: &errOut}
	dir := t.TempDir()
	snaps := []snapshot.Snapshot{{Node: "n1", Containers: []snapshot.Container{
		{Namespace: "a", Pod: "p", Container: "app", Arch: syscalls.X86_64, Syscalls: []snapshot.Seen{{Name: "read", Count: 1}}},
		{Namespace: "a", Pod: "p", Container: "idle", Arch: syscalls.X86_64},
	}}}
	o := &k8sRecordCollectOptions{k8sRecordReadOptions: k8sRecordReadOptions{app: app}, dir: dir, format: "json"}
	if err := o.collect(context.Background(), nil, snaps, nil); err != nil {
		t.Fatal(err)
	}
	var res collectResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("stdout is not the JSON result: %v\n%s", err, out.String())
	}
	if len(res.Files) != 1 || res.Files[0].Container != "app" || res.Files[0].Path != filepath.Join(dir, "app.json") ||
		strings.Join(res.Files[0].Runtimes, ",") != "crun,runc" || len(res.Empty) != 1 || res.Empty[0] != "idle" || len(res.Notes) != 2 {
		t.Errorf("result %+v; want app.json with both runtimes, idle empty, two notes on node n1", res)
	}
	if _, err := os.Stat(filepath.Join(dir, "idle.json")); !os.IsNotExist(err) {
		t.Errorf("a profile was written for the container that recorded nothing: %v", err)
	}
	if !strings.Contains(errOut.String(), "container idle recorded nothing") {
		t.Errorf("stderr does not say idle recorded nothing:\n%s", errOut.String())
	}

	// Only empty containers: nothing to write is a failure (exit 1).
	out.Reset()
	err := o.collect(context.Background(), nil, snaps[:0], nil)
	if code := exitStatus(app, err); code != ExitFindings {
		t.Errorf("no snapshot: exit %d (%v); want 1", code, err)
	}
}
