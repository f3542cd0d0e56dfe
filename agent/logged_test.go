package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/monitor"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func violation(syscall, pod string, at time.Duration) monitor.Violation {
	return monitor.Violation{Time: t0.Add(at), Node: "node-1", Arch: "x86_64", Syscall: syscall, Action: "SCMP_ACT_LOG",
		Container: monitor.Container{Namespace: "shop", Pod: pod, Name: "app", Profile: "/var/lib/kubelet/seccomp/profiles/web.json"}}
}

func TestMergeLogged(t *testing.T) {
	tests := []struct {
		name    string
		in      []monitor.Violation
		want    []Logged
		dropped int
	}{
		{
			name: "same syscall and container counts up; first and last follow the records",
			in:   []monitor.Violation{violation("uname", "web-1", time.Minute), violation("uname", "web-1", 0), violation("uname", "web-1", 2*time.Minute)},
			want: []Logged{{Profile: "web.json", Syscall: "uname", Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: "node-1", Namespace: "shop", Pod: "web-1", Container: "app", Count: 3, First: t0, Last: t0.Add(2 * time.Minute)}},
		},
		{
			name: "another pod is another entry",
			in:   []monitor.Violation{violation("uname", "web-1", 0), violation("uname", "web-2", time.Second)},
			want: []Logged{
				{Profile: "web.json", Syscall: "uname", Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: "node-1", Namespace: "shop", Pod: "web-1", Container: "app", Count: 1, First: t0, Last: t0},
				{Profile: "web.json", Syscall: "uname", Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: "node-1", Namespace: "shop", Pod: "web-2", Container: "app", Count: 1, First: t0.Add(time.Second), Last: t0.Add(time.Second)},
			},
		},
		{
			name: "no profile is about no profile",
			in:   []monitor.Violation{{Time: t0, Syscall: "uname", Action: "SCMP_ACT_LOG", Comm: "bash"}},
			want: []Logged{},
		},
		{
			name: "an aggregated line adds its count and first",
			in: []monitor.Violation{violation("uname", "web-1", time.Hour), func() monitor.Violation {
				v := violation("uname", "web-1", 2*time.Hour)
				v.Count, v.First = 5, t0
				return v
			}()},
			want: []Logged{{Profile: "web.json", Syscall: "uname", Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: "node-1", Namespace: "shop", Pod: "web-1", Container: "app", Count: 6, First: t0, Last: t0.Add(2 * time.Hour)}},
		},
		{
			name: "past the cap new keys are dropped, known ones still count",
			in:   []monitor.Violation{violation("uname", "web-1", 0), violation("uname", "web-2", 0), violation("uname", "web-3", 0), violation("uname", "web-1", time.Second)},
			want: []Logged{
				{Profile: "web.json", Syscall: "uname", Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: "node-1", Namespace: "shop", Pod: "web-1", Container: "app", Count: 2, First: t0, Last: t0.Add(time.Second)},
				{Profile: "web.json", Syscall: "uname", Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: "node-1", Namespace: "shop", Pod: "web-2", Container: "app", Count: 1, First: t0, Last: t0},
			},
			dropped: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries := map[string]*Logged{}
			dropped := 0
			for _, v := range tc.in {
				if _, d := MergeLogged(entries, v, 2); d {
					dropped++
				}
			}
			got := SortedLogged(entries)
			if g, w := mustJSON(got), mustJSON(tc.want); g != w {
				t.Errorf("entries:\n got %s\nwant %s", g, w)
			}
			if dropped != tc.dropped {
				t.Errorf("dropped %d, want %d", dropped, tc.dropped)
			}
		})
	}
}

func TestLoggedStorePersists(t *testing.T) {
	file := filepath.Join(t.TempDir(), LoggedFile)
	s, err := OpenLogged(file, 2)
	if err != nil {
		t.Fatal(err)
	}
	if wrote, err := s.Save(); err != nil || wrote {
		t.Fatalf("save with nothing new: wrote %v, err %v; want no write", wrote, err)
	}
	s.Add(violation("uname", "web-1", 0))
	s.Add(violation("uname", "web-1", time.Minute))
	s.Add(violation("getcwd", "web-1", 0))
	s.Add(violation("uname", "web-9", 0)) // over the cap of 2
	if wrote, err := s.Save(); err != nil || !wrote {
		t.Fatalf("save: wrote %v, err %v", wrote, err)
	}
	before := s.State()
	if before.Dropped != 1 || len(before.Entries) != 2 {
		t.Fatalf("state before restart: %s", mustJSON(before))
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".logged-*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}

	// A restart: a new store on the same file has everything, and keeps counting.
	r, err := OpenLogged(file, 2)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := mustJSON(r.State()), mustJSON(before); g != w {
		t.Fatalf("after restart:\n got %s\nwant %s", g, w)
	}
	r.Add(violation("uname", "web-1", 2*time.Minute))
	if _, err := r.Save(); err != nil {
		t.Fatal(err)
	}
	r2, err := OpenLogged(file, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range r2.State().Entries {
		if l.Syscall == "uname" && (l.Count != 3 || !l.First.Equal(t0) || !l.Last.Equal(t0.Add(2*time.Minute))) {
			t.Errorf("uname after two restarts: %+v; want count 3 from t0 to t0+2m", l)
		}
	}
}

func TestOpenLoggedRefusesGarbage(t *testing.T) {
	file := filepath.Join(t.TempDir(), LoggedFile)
	if err := os.WriteFile(file, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenLogged(file, 0)
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("err = %v; want an error naming %s", err, file)
	}
	if b, _ := os.ReadFile(file); string(b) != "{not json" {
		t.Errorf("the unreadable file was changed: %q", b)
	}
}

func TestLoggedAnnotationBounded(t *testing.T) {
	var st LoggedState
	for i := 0; i < 3000; i++ {
		v := violation("uname", strings.Repeat("p", 40)+string(rune('a'+i%26))+time.Duration(i).String(), time.Duration(i)*time.Second)
		st.Entries = append(st.Entries, Logged{Profile: "web.json", Syscall: v.Syscall, Node: "n", Pod: v.Pod, Count: 1, First: v.Time, Last: v.Time})
	}
	out := loggedAnnotation(st)
	if len(out) > maxLoggedAnnotation {
		t.Fatalf("annotation is %d bytes, over %d", len(out), maxLoggedAnnotation)
	}
	if 2*maxAnnotation+maxLoggedAnnotation+4096 > 256<<10 {
		t.Fatal("the annotations' bounds add up to more than the API server's 256 KiB")
	}
	var got LoggedState
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Dropped+len(got.Entries) != 3000 || got.Dropped == 0 {
		t.Fatalf("kept %d, dropped %d; want them to add up to 3000 with some dropped", len(got.Entries), got.Dropped)
	}
	// The newest are kept.
	for _, l := range got.Entries {
		if l.Last.Before(t0.Add(time.Duration(3000-len(got.Entries)) * time.Second)) {
			t.Fatalf("kept an old entry (%s) while newer ones were cut", l.Last)
		}
	}
}

func TestAggregateLogged(t *testing.T) {
	a := violation("uname", "web-1", 0)
	b := violation("uname", "web-1", time.Hour)
	b.Node = "node-2"
	other := violation("getcwd", "db-1", 0)
	other.Profile = "db.json"
	st := func(vs ...monitor.Violation) LoggedState {
		m := map[string]*Logged{}
		for _, v := range vs {
			MergeLogged(m, v, 10)
			MergeLogged(m, v, 10)
		}
		return LoggedState{Entries: SortedLogged(m), Dropped: 1}
	}
	got, dropped := AggregateLogged([]LoggedState{st(a, other), st(b)}, "web.json")
	if dropped != 2 {
		t.Errorf("dropped %d, want 2", dropped)
	}
	if len(got) != 2 || got[0].Node != "node-1" || got[1].Node != "node-2" || got[0].Count != 2 || got[1].Count != 2 {
		t.Fatalf("aggregate: %s", mustJSON(got))
	}
	// Each line reads back as a monitor line with its count.
	v := got[1].Violation()
	if v.Count != 2 || v.Profile != "web.json" || !v.First.Equal(t0.Add(time.Hour)) {
		t.Errorf("as a monitor line: %+v", v)
	}
}

// TestSetModes: a profile installed in complain mode and then enforcing loses its
// logged entries, others keep theirs; a refused new version (kept) keeps the mode; the
// modes survive a restart through the state file.
func TestSetModes(t *testing.T) {
	file := filepath.Join(t.TempDir(), LoggedFile)
	s, err := OpenLogged(file, 0)
	if err != nil {
		t.Fatal(err)
	}
	db := violation("getcwd", "db-1", 0)
	db.Profile = "/var/lib/kubelet/seccomp/profiles/db.json"
	for _, v := range []monitor.Violation{violation("uname", "web-1", 0), violation("sysinfo", "web-2", time.Second), db} {
		s.Add(v)
	}
	if got := s.SetModes(map[string]bool{"web.json": true, "db.json": true, "api.json": false}, nil); len(got) != 0 {
		t.Fatalf("first modes dropped %v; nothing was enforcing before", got)
	}
	if st := s.State(); strings.Join(st.Complain, ",") != "db.json,web.json" || len(st.Entries) != 3 {
		t.Fatalf("state %+v; want db.json and web.json in complain mode, 3 entries", st)
	}
	// db.json's new version was refused: the complain-mode one stays installed.
	if got := s.SetModes(map[string]bool{"web.json": true}, []string{"db.json"}); len(got) != 0 {
		t.Fatalf("a kept profile counted as promoted: %v", got)
	}
	if _, err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenLogged(file, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := s.SetModes(map[string]bool{"web.json": false, "db.json": true}, nil)
	if strings.Join(got, ",") != "web.json" {
		t.Fatalf("promoted %v after a restart; want web.json", got)
	}
	st := s.State()
	if len(st.Entries) != 1 || st.Entries[0].Profile != "db.json" || strings.Join(st.Complain, ",") != "db.json" {
		t.Errorf("after web.json was promoted: %+v; want only db.json's entry and mode", st)
	}
	// Enforcing again is no change.
	if got := s.SetModes(map[string]bool{"web.json": false, "db.json": true}, nil); len(got) != 0 {
		t.Errorf("promoted twice: %v", got)
	}
}
