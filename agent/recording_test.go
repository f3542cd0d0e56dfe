package agent

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

const (
	idApp     = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idApp2    = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	idInit    = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	idSandbox = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	idSide    = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
)

func testPod(name, uid string, statuses []corev1.ContainerStatus, inits ...corev1.ContainerStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: types.UID(uid), Labels: map[string]string{"app": "web"}},
		Status:     corev1.PodStatus{ContainerStatuses: statuses, InitContainerStatuses: inits},
	}
}

func calls(kv ...any) map[record.Call]uint64 {
	m := map[record.Call]uint64{}
	for i := 0; i < len(kv); i += 2 {
		m[record.Call{Arch: syscalls.X86_64, Name: kv[i].(string)}] = uint64(kv[i+1].(int))
	}
	return m
}

func findContainer(s snapshot.Snapshot, pod, name string) *snapshot.Container {
	for i, c := range s.Containers {
		if c.Pod == pod && c.Container == name {
			return &s.Containers[i]
		}
	}
	return nil
}

func seenOf(c *snapshot.Container, name string) snapshot.Seen {
	for _, s := range c.Syscalls {
		if s.Name == name {
			return s
		}
	}
	return snapshot.Seen{}
}

func TestContainerNames(t *testing.T) {
	pod := testPod("web-1", "u1", []corev1.ContainerStatus{
		{Name: "app", ContainerID: "containerd://" + idApp2, LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://" + idApp}}},
		{Name: "side"}, // not started: no ID yet
	}, corev1.ContainerStatus{Name: "init", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "cri-o://" + idInit}}})
	got := containerNames(pod)
	want := map[string]string{idApp: "app", idApp2: "app", idInit: "init"}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("%s…: %q, want %q", id[:8], got[id], n)
		}
	}
}

// TestRecordingSnapshot follows one request through reads of cumulative counts: two
// runs of a restarted container add up under its name, an init container's counts stay
// after its cgroup is gone, the sandbox stays unresolved, an unselected container is
// left out, a pod running before the request says so, a deleted pod keeps its counts.
func TestRecordingSnapshot(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	req := kube.RecordingRequest{Name: "recording-x", Namespace: "shop", Selector: "app=web", Containers: []string{"app", "init"}}
	rec := newRecording(req, t0)
	web1 := testPod("web-1", "u1", []corev1.ContainerStatus{{Name: "app", ContainerID: "containerd://" + idApp}, {Name: "side", ContainerID: "containerd://" + idSide}},
		corev1.ContainerStatus{Name: "init", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://" + idInit}}})
	web2 := testPod("web-2", "u2", []corev1.ContainerStatus{{Name: "app", ContainerID: "containerd://" + idApp2}})
	rec.update([]*corev1.Pod{web1, web2})

	tree1, tree2 := "/cg/kubepods/besteffort/podu1", "/cg/kubepods/besteffort/podu2"
	read := func(now time.Time, cs ...cgroupCount) {
		for _, c := range cs {
			uid, since := "u1", t0
			if strings.Contains(c.Tree, "u2") {
				uid, since = "u2", at(1)
			}
			rec.observe(uid, c, since, now)
		}
	}
	// web-1 is new: its cgroups are counted from their first exec.
	read(at(2),
		cgroupCount{ID: 1, Tree: tree1, Name: idSandbox, Calls: calls("pause", 1, "rt_sigaction", 3)},
		cgroupCount{ID: 2, Tree: tree1, Name: idInit, Calls: calls("execve", 1, "write", 2)},
		cgroupCount{ID: 3, Tree: tree1, Name: idApp, Calls: calls("execve", 1, "read", 5)},
		cgroupCount{ID: 4, Tree: tree1, Name: idSide, Calls: calls("nanosleep", 7)},
		cgroupCount{ID: 5, Tree: tree1, Name: "", Calls: calls("clone3", 1)},
		// web-2 was running when its tree was first watched.
		cgroupCount{ID: 6, Tree: tree2, Name: "cri-containerd-" + idApp2 + ".scope", StartedBefore: true, Calls: calls("epoll_wait", 4)},
	)
	// The init container is gone with its last counts; app read grows; a new run of
	// web-1's app appears under a new ID the status does not show yet.
	const idApp3 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	read(at(4),
		cgroupCount{ID: 2, Tree: tree1, Name: idInit, Gone: true, Calls: calls("execve", 1, "write", 3)},
		cgroupCount{ID: 3, Tree: tree1, Name: idApp, Calls: calls("execve", 1, "read", 9)},
		// The node ran out of room to mark the new run's tasks: every task of its cgroup
		// is counted from then on.
		cgroupCount{ID: 7, Tree: tree1, Name: idApp3, AllTasks: true, Calls: calls("execve", 1, "openat", 2)},
		// A container that ran for a moment: gone before it was named.
		cgroupCount{ID: 8, Tree: tree1, Gone: true, Unnamed: true, Calls: calls("execve", 1, "mkdir", 1)},
	)
	s := rec.snapshot("node-a", at(5), "", 2)

	if unresolvedOf(s, "web-1", idApp3) == nil {
		t.Errorf("a cgroup whose ID no status showed yet is not unresolved: %+v", s.Unresolved)
	}
	// The status moves on: app restarted, its old ID now in lastState.
	web1.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", ContainerID: "containerd://" + idApp3,
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://" + idApp}}}
	rec.update([]*corev1.Pod{web1}) // web-2 is gone from the API
	s = rec.snapshot("node-a", at(6), "", 2)

	app := findContainer(s, "web-1", "app")
	if app == nil {
		t.Fatalf("no web-1/app in %+v", s.Containers)
	}
	if got := seenOf(app, "read"); got.Count != 9 || !got.First.Equal(at(2)) || !got.Last.Equal(at(4)) {
		t.Errorf("web-1/app read: %+v; want 9 calls, first at +2s, last at +4s", got)
	}
	if got := seenOf(app, "execve"); got.Count != 2 {
		t.Errorf("web-1/app execve: %d calls; want both runs' 2 added under the one name", got.Count)
	}
	if got := seenOf(app, "openat"); got.Count != 2 || !got.First.Equal(at(4)) {
		t.Errorf("web-1/app openat from the second run: %+v", got)
	}
	if !app.Since.IsZero() {
		t.Errorf("web-1/app recorded from its first exec, but since %s", app.Since)
	}
	if !app.AllTasks {
		t.Errorf("web-1/app: one of its runs counted every task of its cgroup, but the snapshot does not say so")
	}
	if c := findContainer(s, "web-1", "init"); c == nil || c.AllTasks {
		t.Errorf("web-1/init counted its own tasks only, but the snapshot says all: %+v", c)
	}
	if web2app := findContainer(s, "web-2", "app"); web2app == nil || web2app.AllTasks {
		t.Errorf("web-2/app was running before (Since says so), but is marked as counting all tasks: %+v", web2app)
	}
	if c := findContainer(s, "web-1", "init"); c == nil || seenOf(c, "write").Count != 3 {
		t.Errorf("the gone init container's counts: %+v; want write 3 kept", c)
	}
	if c := findContainer(s, "web-1", "side"); c != nil {
		t.Errorf("side is not among the request's containers, but is in the snapshot: %+v", c)
	}
	if unresolvedOf(s, "web-1", idSide) != nil {
		t.Errorf("an unselected container is counted as unresolved")
	}
	if u := unresolvedOf(s, "web-1", idSandbox); u == nil || u.Calls != 4 || u.Syscalls != 2 {
		t.Errorf("sandbox: %+v; want unresolved with 2 syscalls, 4 calls", u)
	}
	var own, unnamed *snapshot.Unresolved
	for i, u := range s.Unresolved {
		if u.Pod == "web-1" && u.Cgroup == "" {
			if u.Unnamed {
				unnamed = &s.Unresolved[i]
			} else {
				own = &s.Unresolved[i]
			}
		}
	}
	if own == nil || own.Calls != 1 {
		t.Errorf("the pod's own cgroup: %+v; want unresolved with its 1 call", own)
	}
	if unnamed == nil || unnamed.Calls != 2 {
		t.Errorf("the cgroup gone before it was named: %+v; want unresolved apart, with its 2 calls", unnamed)
	}
	if unresolvedOf(s, "web-1", idApp3) != nil {
		t.Errorf("the new run is still unresolved after the status showed it")
	}
	web2app := findContainer(s, "web-2", "app")
	if web2app == nil || !web2app.Since.Equal(at(1)) || seenOf(web2app, "epoll_wait").Count != 4 {
		t.Errorf("web-2/app: %+v; want counted since +1s with its 4 epoll_wait kept after the pod went", web2app)
	}
	for _, want := range []string{"pod shop/web-2 was running before the recording started: counted from 2026-05-01T10:00:01Z", "pod shop/web-2 went away during the recording"} {
		if !containsNote(s, want) {
			t.Errorf("notes %q lack %q", s.Notes, want)
		}
	}
	if len(s.Pods) != 2 || !s.Pods[1].Deleted || s.Pods[0].Deleted || s.NotCounted != 2 || !s.Started.Equal(t0) {
		t.Errorf("pods %+v, not counted %d, started %s", s.Pods, s.NotCounted, s.Started)
	}

	// A restarted agent adds to what it wrote: the same counts again are not doubled
	// (the new recorder counts from zero) and a note says what was not seen.
	again := newRecording(req, at(100))
	again.resume(s, at(100))
	again.update([]*corev1.Pod{web1})
	again.observe("u1", cgroupCount{ID: 70, Tree: tree1, Name: idApp3, StartedBefore: true, Calls: calls("read", 1)}, at(100), at(102))
	s2 := again.snapshot("node-a", at(103), "", 0)
	app = findContainer(s2, "web-1", "app")
	if app == nil || seenOf(app, "read").Count != 10 || !seenOf(app, "read").First.Equal(at(2)) || !seenOf(app, "read").Last.Equal(at(102)) || !app.Since.IsZero() {
		t.Errorf("resumed web-1/app: %+v; want read 10 since +2s, last +102s, still complete", app)
	}
	if !app.AllTasks {
		t.Errorf("resumed web-1/app: the restored snapshot said every task was counted, the new one does not")
	}
	if c := findContainer(s2, "web-1", "init"); c == nil || seenOf(c, "write").Count != 3 {
		t.Errorf("resumed: the init container's counts are lost: %+v", c)
	}
	if !s2.Started.Equal(t0) || !containsNote(s2, "the agent restarted at 2026-05-01T10:01:40Z") {
		t.Errorf("resumed: started %s, notes %q", s2.Started, s2.Notes)
	}
	if len(s2.Pods) != 2 || s2.Pods[1].Name != "web-2" || !s2.Pods[1].Deleted {
		t.Errorf("resumed: pods %+v; want web-2 kept as deleted", s2.Pods)
	}
	// web-1 ran across the restart: it was not running before the recording, and the
	// notes carried over are not repeated.
	if containsNote(s2, "web-1 was running before") {
		t.Errorf("resumed: notes %q say web-1 ran before the recording", s2.Notes)
	}
	count := map[string]int{}
	for _, n := range s2.Notes {
		count[n]++
		if count[n] > 1 {
			t.Errorf("resumed: note %q twice", n)
		}
	}
}

func unresolvedOf(s snapshot.Snapshot, pod, cgroup string) *snapshot.Unresolved {
	for i, u := range s.Unresolved {
		if u.Pod == pod && u.Cgroup == cgroup {
			return &s.Unresolved[i]
		}
	}
	return nil
}

func containsNote(s snapshot.Snapshot, part string) bool {
	for _, n := range s.Notes {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

func TestMatches(t *testing.T) {
	req := kube.RecordingRequest{Namespace: "shop", Selector: "app=web,tier in (front)"}
	sel, err := labels.Parse(req.Selector)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns     string
		labels map[string]string
		want   bool
	}{
		{"shop", map[string]string{"app": "web", "tier": "front"}, true},
		{"shop", map[string]string{"app": "web"}, false},
		{"other", map[string]string{"app": "web", "tier": "front"}, false},
	} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: tc.ns, Labels: tc.labels}}
		if got := matches(req, sel, p); got != tc.want {
			t.Errorf("%s %v: %v, want %v", tc.ns, tc.labels, got, tc.want)
		}
	}
}

func TestCgroup2Mount(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"36 25 0:31 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n", "/sys/fs/cgroup", ""},
		{"30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n31 30 0:27 / /sys/fs/cgroup/unified rw shared:10 - cgroup2 cgroup2 rw\n", "/sys/fs/cgroup/unified", ""},
		{"31 30 0:27 / /host/cg\\040v2 rw - cgroup2 cgroup2 rw\n", "/host/cg v2", ""},
		{"30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", "", "no cgroup v2"},
	} {
		got, err := cgroup2Mount(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %q %v, want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if got != tc.want || err != nil {
			t.Errorf("%q: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzCgroup2Mount: any mountinfo text gives a mount point only from a line that names
// a cgroup2 filesystem, never a panic or an empty path.
func FuzzCgroup2Mount(f *testing.F) {
	f.Add("36 25 0:31 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n")
	f.Add("31 30 0:27 / /host/cg\\040v2 rw - cgroup2 cgroup2 rw\n")
	f.Add("- cgroup2\n1 2 3 4 - cgroup2")
	f.Fuzz(func(t *testing.T, mountinfo string) {
		got, err := cgroup2Mount(mountinfo)
		if err != nil {
			return
		}
		if got == "" || !strings.Contains(mountinfo, "cgroup2") {
			t.Errorf("%q: mount %q from no cgroup2 line", mountinfo, got)
		}
	})
}
