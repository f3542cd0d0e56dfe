package snapshot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func seen(name string, n uint64, first, last int) Seen {
	return Seen{Name: name, Count: n, First: t0.Add(time.Duration(first) * time.Minute), Last: t0.Add(time.Duration(last) * time.Minute)}
}

func testSnaps() []Snapshot {
	app := func(pod string, ss ...Seen) Container {
		return Container{Namespace: "shop", Pod: pod, Container: "app", Arch: syscalls.X86_64, Syscalls: ss}
	}
	return []Snapshot{
		{Request: "recording-a", Node: "n1", Containers: []Container{
			app("web-1", seen("read", 10, 0, 5), seen("write", 3, 1, 2)),
			app("web-2", seen("read", 7, 2, 9)),
			{Namespace: "shop", Pod: "web-1", Container: "sidecar", Arch: syscalls.X86_64, Syscalls: []Seen{seen("sethostname", 1, 0, 0)}},
		}},
		{Request: "recording-a", Node: "n2", Containers: []Container{app("web-3", seen("read", 1, 3, 3), seen("uname", 1, 4, 4))}},
		{Request: "recording-a", Node: "n3", Error: "eBPF recorder did not load: operation not permitted"},
	}
}

func rule(p *profile.Profile, name string) (profile.Rule, bool) {
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			if n == name {
				return r, true
			}
		}
	}
	return profile.Rule{}, false
}

func TestCollect(t *testing.T) {
	cs, err := Collect(testSnaps(), Options{Nodes: map[string]Node{
		"n1": {Name: "n1", Arch: syscalls.X86_64, RuntimeVersion: "containerd://1.7.24"},
		"n2": {Name: "n2", Arch: syscalls.X86_64, RuntimeVersion: "containerd://1.7.24"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Container != "app" || cs[1].Container != "sidecar" {
		t.Fatalf("collected %d profiles; want app and sidecar", len(cs))
	}
	app := cs[0]
	for _, tc := range []struct{ name, comment string }{
		{"read", "seen in 3 of 3 replicas, first 2026-05-01T10:00:00Z, last 2026-05-01T10:09:00Z (n1/shop/web-1, n1/shop/web-2, n2/shop/web-3)"},
		{"write", "seen in 1 of 3 replicas, first 2026-05-01T10:01:00Z, last 2026-05-01T10:02:00Z (n1/shop/web-1)"},
		{"uname", "seen in 1 of 3 replicas, first 2026-05-01T10:04:00Z, last 2026-05-01T10:04:00Z (n2/shop/web-3)"},
	} {
		r, ok := rule(app.Profile, tc.name)
		if !ok {
			t.Errorf("app profile lacks %s", tc.name)
			continue
		}
		if r.Comment != tc.comment || r.Action != profile.ActAllow {
			t.Errorf("%s: rule %+v\nwant comment %q", tc.name, r, tc.comment)
		}
	}
	if _, ok := rule(app.Profile, "sethostname"); ok {
		t.Errorf("the sidecar's sethostname leaked into app's profile")
	}
	if r, ok := rule(cs[1].Profile, "sethostname"); !ok || !strings.HasPrefix(r.Comment, "seen in 1 of 1 replicas") {
		t.Errorf("sidecar's sethostname rule %+v, %v; want one seen in 1 of 1 replicas", r, ok)
	}
	if len(app.Report.RuntimeAdded) == 0 {
		t.Errorf("no syscalls added for runc")
	}
	if app.Profile.DefaultAction != profile.ActErrno {
		t.Errorf("default action %s; want SCMP_ACT_ERRNO", app.Profile.DefaultAction)
	}
	if fmt.Sprint(app.Runtimes) != "[runc]" || len(app.Notes) != 0 || fmt.Sprint(app.Arches) != "[SCMP_ARCH_X86_64]" {
		t.Errorf("containerd nodes: runtimes %v, arches %v, notes %q; want runc, x86_64 and no note", app.Runtimes, app.Arches, app.Notes)
	}
}

// TestCollectEmptyContainer: a container that made no syscall gets no profile, and
// says so, while the others still get theirs.
func TestCollectEmptyContainer(t *testing.T) {
	snaps := []Snapshot{{Node: "n1", Containers: []Container{
		{Namespace: "a", Pod: "p", Container: "idle", Arch: syscalls.X86_64, Syscalls: []Seen{{Name: "read"}}},
		{Namespace: "a", Pod: "p", Container: "busy", Arch: syscalls.X86_64, Syscalls: []Seen{seen("read", 1, 0, 0)}},
	}}}
	cs, err := Collect(snaps, Options{Runtime: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Container != "busy" || cs[0].Empty || cs[0].Profile == nil || cs[1].Container != "idle" || !cs[1].Empty || cs[1].Profile != nil {
		t.Fatalf("collected %+v; want busy with a profile, idle empty without one", cs)
	}
}

func TestOCIRuntimes(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    string
		unsure  bool
	}{
		{"containerd://1.7.24", "[runc]", false},
		{"containerd://2.0.0", "[runc]", false},
		{"docker://24.0.7", "[runc]", false},
		{"cri-o://1.27.4", "[runc]", false},
		{"cri-o://1.28.0", "[crun runc]", true},
		{"cri-o://1.30.6", "[crun runc]", true},
		{"cri-o://1.31.0", "[crun]", false},
		{"cri-o://1.33.2", "[crun]", false},
		{"cri-o://dev", "[crun runc]", true},
		{"", "[crun runc]", true},
		{"frakti://1.0", "[crun runc]", true},
	} {
		got, unsure := OCIRuntimes(tc.version)
		if fmt.Sprint(got) != tc.want || (unsure != "") != tc.unsure {
			t.Errorf("%q: %v, unsure %q; want %s, unsure %v", tc.version, got, unsure, tc.want, tc.unsure)
		}
	}
}

// TestCollectMultiArch: replicas of one container on an amd64 and an arm64 node give
// one profile for both arches; a call one arch lacks is allowed under its replacement
// there, and every rule says which replicas of which arch made it.
func TestCollectMultiArch(t *testing.T) {
	web := func(pod string, arch syscalls.Arch, ss ...Seen) Container {
		return Container{Namespace: "shop", Pod: pod, Container: "web", Arch: arch, Syscalls: ss}
	}
	snaps := []Snapshot{
		{Node: "amd", Containers: []Container{web("web-1", syscalls.X86_64, seen("open", 2, 0, 1), seen("read", 5, 0, 3))}},
		{Node: "arm", Containers: []Container{web("web-2", syscalls.AArch64, seen("openat", 1, 2, 2), seen("read", 1, 1, 1))}},
	}
	nodes := map[string]Node{
		"amd": {Name: "amd", Arch: syscalls.X86_64, RuntimeVersion: "containerd://1.7.24"},
		"arm": {Name: "arm", Arch: syscalls.AArch64, RuntimeVersion: "cri-o://1.29.1"},
	}
	cs, err := Collect(snaps, Options{Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("%d profiles; want 1", len(cs))
	}
	c := cs[0]
	if fmt.Sprint(c.Profile.Architectures) != "[SCMP_ARCH_X86_64 SCMP_ARCH_AARCH64]" {
		t.Errorf("architectures %v; want x86_64 and aarch64", c.Profile.Architectures)
	}
	for _, tc := range []struct{ name, comment string }{
		{"read", "seen in 2 of 2 replicas (x86_64 1 of 1, aarch64 1 of 1), first 2026-05-01T10:00:00Z, last 2026-05-01T10:03:00Z (amd/shop/web-1, arm/shop/web-2)"},
		{"open", "seen in 1 of 2 replicas (x86_64 1 of 1, aarch64 0 of 1), first 2026-05-01T10:00:00Z, last 2026-05-01T10:01:00Z (amd/shop/web-1)"},
		{"openat", "seen in 2 of 2 replicas (x86_64 1 of 1, aarch64 1 of 1), first 2026-05-01T10:00:00Z, last 2026-05-01T10:02:00Z (amd/shop/web-1, arm/shop/web-2); in place of open where the architecture lacks it"},
	} {
		r, ok := rule(c.Profile, tc.name)
		if !ok || r.Comment != tc.comment {
			t.Errorf("%s: rule %+v (found %v)\nwant comment %q", tc.name, r, ok, tc.comment)
		}
	}
	// The CRI-O 1.29 node may run either runtime: both lists, said in the notes and
	// in the runtime rule's comment.
	if fmt.Sprint(c.Runtimes) != "[crun runc]" || len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "node arm: CRI-O 1.29.1") {
		t.Errorf("runtimes %v, notes %q; want crun and runc with a note on node arm", c.Runtimes, c.Notes)
	}
	found := false
	for _, r := range c.Profile.Syscalls {
		if strings.HasPrefix(r.Comment, "needed by crun or runc ") && strings.Contains(r.Comment, "node arm: CRI-O 1.29.1") {
			found = true
		}
	}
	if !found {
		t.Errorf("no runtime rule names both runtimes and says why: %+v", c.Profile.Syscalls)
	}
}

// TestCollectNodeGone: a node whose Node object is gone gives its replicas the arch
// recorded in the snapshot and both runtimes, and says so; --runtime overrides.
func TestCollectNodeGone(t *testing.T) {
	snaps := []Snapshot{{Node: "old", Containers: []Container{{Namespace: "a", Pod: "p", Container: "app", Arch: syscalls.AArch64, Syscalls: []Seen{seen("read", 1, 0, 0)}}}}}
	cs, err := Collect(snaps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	if fmt.Sprint(c.Arches) != "[SCMP_ARCH_AARCH64]" || fmt.Sprint(c.Runtimes) != "[crun runc]" || len(c.Notes) != 2 ||
		!strings.Contains(strings.Join(c.Notes, "\n"), "node old has no Node object") {
		t.Errorf("gone node: arches %v, runtimes %v, notes %q; want the snapshot's aarch64, both runtimes, two notes", c.Arches, c.Runtimes, c.Notes)
	}
	cs, err = Collect(snaps, Options{Runtime: "crun"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cs[0].Runtimes) != "[crun]" || len(cs[0].Notes) != 1 {
		t.Errorf("--runtime crun: runtimes %v, notes %q; want crun and only the arch note", cs[0].Runtimes, cs[0].Notes)
	}
	for _, r := range cs[0].Profile.Syscalls {
		if strings.HasPrefix(r.Comment, "needed by ") && strings.Contains(r.Comment, "node old") {
			t.Errorf("the runtime rule carries a note that is not about runtimes: %q", r.Comment)
		}
	}

	// A replica already running when the recording began may lack its start-up calls.
	snaps[0].Containers[0].Since = t0
	cs, err = Collect(snaps, Options{Runtime: "crun"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs[0].Notes) != 2 || !strings.Contains(strings.Join(cs[0].Notes, "\n"), "old/a/p was already running when the recording began") {
		t.Errorf("notes %q; want one saying old/a/p was already running", cs[0].Notes)
	}

	// A replica counted with every task of its cgroup may carry the runtime's set-up.
	snaps[0].Containers[0].AllTasks = true
	cs, err = Collect(snaps, Options{Runtime: "crun"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs[0].Notes) != 3 || !strings.Contains(strings.Join(cs[0].Notes, "\n"), "old/a/p was counted with every task of its cgroup") {
		t.Errorf("notes %q; want one saying old/a/p counted every task", cs[0].Notes)
	}
}

func TestEncodeBound(t *testing.T) {
	s := testSnaps()[0]
	full, err := Encode(s, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode("n1", full)
	if err != nil || len(back.Containers) != 3 || back.Dropped != 0 {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	cut, err := Encode(s, len(full)-1)
	if err != nil {
		t.Fatal(err)
	}
	back, err = Decode("n1", cut)
	if err != nil {
		t.Fatal(err)
	}
	if len(cut) >= len(full) || back.Dropped != 1 || len(back.Containers) != 2 || back.Containers[0].Pod != "web-2" {
		t.Errorf("cut to %d bytes: %d containers, %d dropped, first %s; want web-1's two-syscall app container dropped", len(cut), len(back.Containers), back.Dropped, back.Containers[0].Pod)
	}
	if _, err := Encode(s, 10); err == nil || !strings.Contains(err.Error(), "without any container") {
		t.Errorf("a bound smaller than the header: %v", err)
	}
	if _, err := Decode("cm x", []byte("{")); err == nil || !strings.Contains(err.Error(), "cm x") {
		t.Errorf("bad JSON: %v", err)
	}
}

// TestEncodeBoundUnresolvedFirst: over the bound, unresolved cgroups go before any
// container does, and both are counted.
func TestEncodeBoundUnresolvedFirst(t *testing.T) {
	s := testSnaps()[0]
	for i := 0; i < 40; i++ {
		s.Unresolved = append(s.Unresolved, Unresolved{Namespace: "shop", Pod: "web-1", Cgroup: strings.Repeat("a", 60) + string(rune('a'+i%26)), Syscalls: 3, Calls: 9})
	}
	full, err := Encode(s, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	noUnresolved := s
	noUnresolved.Unresolved = nil
	base, err := Encode(noUnresolved, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	// Room for the containers and about half the unresolved list.
	limit := len(base) + (len(full)-len(base))/2 + 40
	cut, err := Encode(s, limit)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode("n1", cut)
	if err != nil {
		t.Fatal(err)
	}
	if len(cut) > limit || back.Dropped != 0 || len(back.Containers) != 3 {
		t.Errorf("cut to %d bytes (limit %d): %d containers, %d dropped; want every container kept", len(cut), limit, len(back.Containers), back.Dropped)
	}
	if back.UnresolvedDropped == 0 || back.UnresolvedDropped+len(back.Unresolved) != 40 {
		t.Errorf("%d unresolved kept, %d counted dropped; want some dropped and 40 in all", len(back.Unresolved), back.UnresolvedDropped)
	}
	cut, err = Encode(s, len(base)-1)
	if err != nil {
		t.Fatal(err)
	}
	back, _ = Decode("n1", cut)
	if back.UnresolvedDropped != 40 || back.Dropped != 1 {
		t.Errorf("under the containers' size: %d unresolved dropped, %d containers dropped; want 40 and 1", back.UnresolvedDropped, back.Dropped)
	}
}

// FuzzOCIRuntimes: whatever a Node reports, the answer names at least one known
// runtime, and naming two always comes with the reason.
func FuzzOCIRuntimes(f *testing.F) {
	for _, s := range []string{"containerd://1.7.24", "cri-o://1.29.1", "cri-o://v1.31", "", "://", "cri-o://1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		rts, unsure := OCIRuntimes(v)
		if len(rts) == 0 {
			t.Fatalf("%q: no runtime", v)
		}
		for _, r := range rts {
			if r != "runc" && r != "crun" {
				t.Fatalf("%q: unknown runtime %q", v, r)
			}
		}
		if len(rts) > 1 && unsure == "" {
			t.Fatalf("%q: both runtimes without a reason", v)
		}
	})
}

func TestSeenJSON(t *testing.T) {
	for _, tc := range []struct {
		in   Seen
		json string
	}{
		{Seen{Name: "read", Count: 9, First: t0, Last: t0.Add(4 * time.Second)}, `["read",9,1777629600,1777629604]`},
		{Seen{Name: "write", Count: 1, First: t0.Add(time.Millisecond), Last: t0.Add(time.Millisecond)}, `["write",1,"2026-05-01T10:00:00.001Z","2026-05-01T10:00:00.001Z"]`},
		{Seen{Name: "syscall_999"}, `["syscall_999",0,0,0]`},
	} {
		b, err := json.Marshal(tc.in)
		if err != nil || string(b) != tc.json {
			t.Errorf("%+v: %s %v, want %s", tc.in, b, err, tc.json)
			continue
		}
		var back Seen
		if err := json.Unmarshal(b, &back); err != nil || back.Name != tc.in.Name || back.Count != tc.in.Count || !back.First.Equal(tc.in.First) || !back.Last.Equal(tc.in.Last) {
			t.Errorf("%s: read back %+v %v, want %+v", b, back, err, tc.in)
		}
	}
	// The object form of earlier snapshots.
	var old Seen
	if err := json.Unmarshal([]byte(`{"name":"read","count":2,"first":"2026-05-01T10:00:00Z","last":"2026-05-01T10:00:01Z"}`), &old); err != nil ||
		old.Name != "read" || old.Count != 2 || !old.First.Equal(t0) || !old.Last.Equal(t0.Add(time.Second)) {
		t.Errorf("object form: %+v %v", old, err)
	}
	for _, bad := range []string{`["read",1,0]`, `["read","x",0,0]`, `["read",1,"yesterday",0]`, `[1,1,0,0]`, `"read"`} {
		var s Seen
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s: read as %+v, want an error", bad, s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	s := testSnaps()[0]
	good, err := Encode(s, 1<<20)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	if parts, err := EncodeParts(s, 1<<20, 1); err == nil {
		f.Add(parts[0])
	}
	f.Add([]byte(`{"request":"r","node":"n","containers":[{"arch":"SCMP_ARCH_X86_64","syscalls":[["read",1,0,"2026-05-01T10:00:00Z"]]}]}`))
	f.Add([]byte(`{"containers":[{"arch":"SCMP_ARCH_AARCH64","syscalls":[{"name":"read","count":1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode("fuzz", data)
		if err != nil {
			return
		}
		// What decodes encodes (unless it names no architecture, which Encode
		// refuses), and reads back the same.
		b, err := Encode(s, 1<<30)
		if err != nil {
			return
		}
		back, err := Decode("again", b)
		if err != nil {
			t.Fatalf("reading back %s: %v", b, err)
		}
		if len(back.Containers) != len(s.Containers) {
			t.Fatalf("%d containers read back, want %d", len(back.Containers), len(s.Containers))
		}
		for i, c := range s.Containers {
			for j, sc := range c.Syscalls {
				got := back.Containers[i].Syscalls[j]
				if got.Name != sc.Name || got.Count != sc.Count || !got.First.Equal(sc.First) || !got.Last.Equal(sc.Last) {
					t.Fatalf("syscall %+v read back as %+v", sc, got)
				}
			}
		}
	})
}

// bigSnapshot is one node's snapshot of n containers of per syscalls each, with counts
// and times as varied as a real recording's.
func bigSnapshot(n, per int) Snapshot {
	var names []string
	for _, name := range syscalls.AllNames() {
		if syscalls.Exists(syscalls.X86_64, name) {
			names = append(names, name)
		}
		if len(names) == per {
			break
		}
	}
	s := Snapshot{Request: "recording-big", Node: "n1", Written: t0, Started: t0,
		Notes: []string{"a note"}, Unresolved: []Unresolved{{Namespace: "shop", Pod: "web-0", Cgroup: "sandbox", Syscalls: 3, Calls: 9}}}
	for i := range n {
		pod := fmt.Sprintf("web-%d", i/2)
		if i%2 == 0 {
			s.Pods = append(s.Pods, Pod{Namespace: "shop", Name: pod, UID: fmt.Sprintf("uid-%04d", i/2)})
		}
		c := Container{Namespace: "shop", Pod: pod, Container: []string{"app", "sidecar"}[i%2], Arch: syscalls.X86_64}
		for j, name := range names {
			c.Syscalls = append(c.Syscalls, seen(name, uint64((i+1)*(j+7)*7919%100003), (i+j)%60, (i*j)%600))
		}
		s.Containers = append(s.Containers, c)
	}
	return s
}

// TestEncodePartsHoldsEveryContainer: 256 containers of 150 syscalls, several times the
// bound as plain JSON, fit in a few packed parts, each under the bound, and Join gives
// back the same snapshot.
func TestEncodePartsHoldsEveryContainer(t *testing.T) {
	s := bigSnapshot(256, 150)
	const limit = 200 << 10
	plain, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := EncodeParts(s, limit, 8)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	var back []Snapshot
	for i, b := range parts {
		if len(b) > limit {
			t.Errorf("part %d: %d bytes, over the %d-byte bound", i, len(b), limit)
		}
		total += len(b)
		p, err := Decode(fmt.Sprintf("part %d", i), b)
		if err != nil {
			t.Fatal(err)
		}
		if p.Part != i {
			t.Errorf("part %d says it is part %d", i, p.Part)
		}
		back = append(back, p)
	}
	t.Logf("%d containers, %d syscall entries: %d bytes of JSON, %d packed in %d parts", len(s.Containers), 256*150, len(plain), total, len(parts))
	if len(parts) < 2 {
		t.Errorf("%d part(s): the test snapshot should need more than one", len(parts))
	}
	// Parts come in any order from a list.
	back[0], back[len(back)-1] = back[len(back)-1], back[0]
	joined := Join(back)
	if len(joined) != 1 {
		t.Fatalf("Join gave %d snapshots, want 1", len(joined))
	}
	got := joined[0]
	if got.Dropped != 0 || len(got.Containers) != 256 || len(got.Pods) != 128 || len(got.Unresolved) != 1 || len(got.Notes) != 1 {
		t.Fatalf("joined: %d containers (%d dropped), %d pods, %d unresolved, notes %q", len(got.Containers), got.Dropped, len(got.Pods), len(got.Unresolved), got.Notes)
	}
	want, _ := json.Marshal(s)
	have, _ := json.Marshal(got)
	if string(want) != string(have) {
		t.Errorf("joined snapshot differs from the one encoded")
	}
}

// TestEncodePartsLastResort: with too few parts allowed, what the last part cannot hold
// is dropped and counted, largest first, as Encode does.
func TestEncodePartsLastResort(t *testing.T) {
	s := bigSnapshot(256, 150)
	parts, err := EncodeParts(s, 200<<10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 {
		t.Fatalf("%d parts, want 1", len(parts))
	}
	back, err := Decode("one part", parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if back.Dropped == 0 || len(back.Containers)+back.Dropped != 256 || back.UnresolvedDropped != 1 {
		t.Errorf("%d containers, %d dropped, %d unresolved dropped: want some dropped, all counted", len(back.Containers), back.Dropped, back.UnresolvedDropped)
	}
	// A small snapshot stays one part.
	small, err := EncodeParts(testSnaps()[0], 200<<10, 8)
	if err != nil || len(small) != 1 {
		t.Fatalf("%d parts, %v", len(small), err)
	}
}

// TestJoinMixedParts: parts from two writes are joined, the later one winning a
// container both hold, with a note; a missing first part is said.
func TestJoinMixedParts(t *testing.T) {
	c := func(pod string, n uint64) Container {
		return Container{Namespace: "shop", Pod: pod, Container: "app", Arch: syscalls.X86_64, Syscalls: []Seen{seen("read", n, 0, 1)}}
	}
	p0 := Snapshot{Request: "r", Node: "n1", Written: t0.Add(time.Minute), Pods: []Pod{{Name: "a"}}, Containers: []Container{c("a", 5), c("b", 9)}, Dropped: 1}
	p1 := Snapshot{Request: "r", Node: "n1", Written: t0, Part: 1, Containers: []Container{c("b", 2), c("c", 1)}, Dropped: 2}
	other := Snapshot{Request: "r", Node: "n2", Written: t0, Part: 1, Containers: []Container{c("d", 1)}}
	got := Join([]Snapshot{other, p1, p0})
	if len(got) != 2 || got[0].Node != "n1" || got[1].Node != "n2" {
		t.Fatalf("joined %+v", got)
	}
	n1 := got[0]
	if len(n1.Containers) != 3 || n1.Containers[1].Pod != "b" || n1.Containers[1].Syscalls[0].Count != 9 || n1.Dropped != 3 || len(n1.Pods) != 1 {
		t.Errorf("n1: %+v; want a, b (9 calls, the later write), c; 3 dropped", n1)
	}
	if len(n1.Notes) != 1 || !strings.Contains(n1.Notes[0], "written at different times") {
		t.Errorf("n1 notes %q", n1.Notes)
	}
	if n2 := got[1]; len(n2.Containers) != 1 || len(n2.Notes) != 1 || !strings.Contains(n2.Notes[0], "first part") {
		t.Errorf("n2: %+v", n2)
	}
	if _, err := Decode("lease x", []byte("H4sI!!")); err == nil || !strings.Contains(err.Error(), "lease x") {
		t.Errorf("bad packed data: %v", err)
	}
}
