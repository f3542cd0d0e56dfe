package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// partsSnapshot is a node's snapshot of n containers of 150 syscalls each, counts and
// times varied as a long recording's are.
func partsSnapshot(n int, written time.Time) snapshot.Snapshot {
	var names []string
	for _, name := range syscalls.AllNames() {
		if syscalls.Exists(syscalls.X86_64, name) && len(names) < 150 {
			names = append(names, name)
		}
	}
	s := snapshot.Snapshot{Request: "recording-parts", Node: "node-parts", Written: written, Started: written.Add(-time.Hour)}
	for i := range n {
		c := snapshot.Container{Namespace: "shop", Pod: fmt.Sprintf("web-%03d", i), Container: "app", Arch: syscalls.X86_64}
		for j, name := range names {
			first := written.Add(-time.Duration((i*j)%3600) * time.Second)
			c.Syscalls = append(c.Syscalls, snapshot.Seen{Name: name, Count: uint64((i+1)*(j+7)*7919) % 100003, First: first, Last: first.Add(time.Duration(j) * time.Second)})
		}
		s.Pods = append(s.Pods, snapshot.Pod{Namespace: "shop", Name: c.Pod, UID: fmt.Sprintf("uid-%03d", i)})
		s.Containers = append(s.Containers, c)
	}
	return s
}

// TestAPIServerSnapshotParts: a node's snapshot of 256 containers of 150 syscalls, far
// over one Lease's bound as plain JSON, is written whole into several Leases the real
// API server accepts, read back joined (what an agent restart resumes from), and a
// smaller one later deletes the parts it no longer needs: all with the agent's own
// ServiceAccount, as installed.
func TestAPIServerSnapshotParts(t *testing.T) {
	e := newEnv(t, controlPlane(t))
	ctx := context.Background()
	cfg, err := clientcmd.BuildConfigFromFlags("", e.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder(Config{Namespace: e.ns, NodeName: "node-parts"}, slog.New(slog.NewTextHandler(io.Discard, nil)), client, newMetrics(), nil)
	now := time.Now().UTC().Truncate(time.Second)
	big := partsSnapshot(256, now)
	if err := r.writeLease(ctx, big); err != nil {
		t.Fatal(err)
	}
	leases := func() int {
		t.Helper()
		ls, err := e.admin.CoordinationV1().Leases(e.ns).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelSnapshotOf + "=recording-parts"})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls.Items {
			if n := len(l.Annotations[kube.AnnotationSnapshot]); n > kube.MaxSnapshotBytes {
				t.Errorf("lease %s: %d bytes, over the bound", l.Name, n)
			}
		}
		return len(ls.Items)
	}
	n := leases()
	if n < 2 || n != r.parts["recording-parts"] {
		t.Fatalf("%d leases (%d written): want the snapshot in several", n, r.parts["recording-parts"])
	}
	// Read back by a fresh recorder, as a restarted agent does.
	fresh := newRecorder(r.cfg, r.log, client, newMetrics(), nil)
	back, parts, err := fresh.readLeases(ctx, "recording-parts")
	if err != nil {
		t.Fatal(err)
	}
	if parts != n || back.Dropped != 0 || len(back.Containers) != 256 || len(back.Pods) != 256 || !back.Written.Equal(now) {
		t.Fatalf("read back %d parts: %d containers (%d dropped), %d pods, written %s", parts, len(back.Containers), back.Dropped, len(back.Pods), back.Written)
	}
	if got, want := back.Containers[255].Syscalls[149], big.Containers[255].Syscalls[149]; got.Count != want.Count || !got.First.Equal(want.First) {
		t.Errorf("last entry read back as %+v, want %+v", got, want)
	}

	// A smaller snapshot: one Lease, the other parts deleted.
	small := partsSnapshot(3, now.Add(time.Minute))
	if err := r.writeLease(ctx, small); err != nil {
		t.Fatal(err)
	}
	if n := leases(); n != 1 {
		t.Errorf("%d leases after a snapshot that fits one", n)
	}
	back, parts, err = fresh.readLeases(ctx, "recording-parts")
	if err != nil || parts != 1 || len(back.Containers) != 3 {
		t.Errorf("read back %d parts, %d containers, %v", parts, len(back.Containers), err)
	}
}
