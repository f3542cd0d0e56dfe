package snapshot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/generate"
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
	cs, err := Collect(testSnaps(), generate.Options{Runtime: "runc"})
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
}

func TestCollectEmptyContainer(t *testing.T) {
	snaps := []Snapshot{{Node: "n1", Containers: []Container{{Namespace: "a", Pod: "p", Container: "idle", Arch: syscalls.X86_64}}}}
	if _, err := Collect(snaps, generate.Options{}); !errors.Is(err, generate.ErrEmpty) || !strings.Contains(err.Error(), "idle") {
		t.Errorf("error %v: want ErrEmpty naming the container", err)
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
