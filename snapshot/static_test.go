package snapshot

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/syscalls"
)

// bigStatic is a static part at its bounds: MaxStaticExecutables executables each
// reaching n syscalls, every example and error slot used.
func bigStatic(n int) *Static {
	var names []string
	for _, name := range syscalls.AllNames() {
		if syscalls.Exists(syscalls.X86_64, name) && len(names) < n {
			names = append(names, name)
		}
	}
	s := &Static{Looks: 40, First: t0, Last: t0.Add(20 * time.Minute)}
	for i := range MaxStaticExecutables {
		e := Executable{Path: fmt.Sprintf("/usr/lib/app/worker-%02d", i), BuildID: fmt.Sprintf("%040x", i*7919), Seen: t0, Objects: 12,
			Arches: []StaticArches{{Arch: syscalls.X86_64, Syscalls: names}}, Withheld: []string{"ptrace", "bpf"}, Unresolved: 9, Missing: 4}
		for j := range MaxStaticExamples {
			e.UnresolvedExamples = append(e.UnresolvedExamples, fmt.Sprintf("sub_%x in libc.so.6: number not a constant", j*4096))
			e.MissingExamples = append(e.MissingExamples, fmt.Sprintf("libplugin%d.so (needed by /usr/lib/app/worker-%02d)", j, i))
		}
		s.Executables = append(s.Executables, e)
	}
	for i := range MaxStaticErrors + 3 {
		s.AddError(fmt.Sprintf("pid %d (/usr/bin/sh): process gone before it was analyzed", 1000+i))
	}
	return s
}

// Static parts at their bound in every container still fit the snapshot's size
// bound: the parts hold every container, each part under the bound, and Join gives
// back every static part.
func TestEncodePartsStaticBig(t *testing.T) {
	s := bigSnapshot(64, 150)
	for i := range s.Containers {
		s.Containers[i].Static = bigStatic(300)
	}
	const limit = 200 << 10
	parts, err := EncodeParts(s, limit, 8)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(s)
	var back []Snapshot
	total := 0
	for i, b := range parts {
		if len(b) > limit {
			t.Errorf("part %d: %d bytes, over the %d-byte bound", i, len(b), limit)
		}
		total += len(b)
		p, err := Decode(fmt.Sprintf("part %d", i), b)
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, p)
	}
	t.Logf("64 containers with static parts at their bound: %d bytes of JSON, %d packed in %d part(s)", len(raw), total, len(parts))
	got := Join(back)[0]
	if got.Dropped != 0 || len(got.Containers) != 64 {
		t.Fatalf("joined: %d containers, %d dropped; want all 64", len(got.Containers), got.Dropped)
	}
	st := got.Containers[63].Static
	if st == nil || len(st.Executables) != MaxStaticExecutables || len(st.Errors) != MaxStaticErrors || st.ErrorsDropped != 3 {
		t.Fatalf("static part after the round trip: %+v", st)
	}
	if n := len(st.Executables[0].Arches[0].Syscalls); n != 300 {
		t.Errorf("%d syscalls of an executable came back, want 300", n)
	}
}

func TestStaticMerge(t *testing.T) {
	exe := func(path, id string, seen int) Executable {
		return Executable{Path: path, BuildID: id, Seen: t0.Add(time.Duration(seen) * time.Minute),
			Arches: []StaticArches{{Arch: syscalls.X86_64, Syscalls: []string{"read"}}}}
	}
	s := &Static{Looks: 2, First: t0.Add(time.Minute), Last: t0.Add(2 * time.Minute), Executables: []Executable{exe("/bin/sh", "aa", 1)}, Errors: []string{"x"}}
	s.Merge(&Static{Looks: 3, First: t0, Last: t0.Add(5 * time.Minute),
		Executables: []Executable{exe("/bin/sh", "aa", 0), exe("/usr/bin/redis-server", "bb", 3), exe("/bin/sh", "cc", 4)}, Errors: []string{"x", "y"}})
	if s.Looks != 5 || !s.First.Equal(t0) || !s.Last.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("looks %d from %s to %s; want 5 from t0 to t0+5m", s.Looks, s.First, s.Last)
	}
	if len(s.Executables) != 3 || !s.Executables[0].Seen.Equal(t0) {
		t.Errorf("executables %+v: want /bin/sh (aa, seen at t0), redis-server, and /bin/sh (cc): another build is another executable", s.Executables)
	}
	if len(s.Errors) != 2 {
		t.Errorf("errors %q: want x and y once each", s.Errors)
	}
	// Past the bound, an executable is an error, not silently left out.
	full := &Static{Looks: 1}
	for i := range MaxStaticExecutables + 1 {
		full.Merge(&Static{Executables: []Executable{exe(fmt.Sprintf("/bin/p%d", i), "", 0)}})
	}
	if len(full.Executables) != MaxStaticExecutables || len(full.Errors) != 1 {
		t.Errorf("%d executables, errors %q: want %d and one error for the one past the bound", len(full.Executables), full.Errors, MaxStaticExecutables)
	}
	c := s.Clone()
	c.Executables[0].Arches[0].Syscalls[0] = "write"
	if s.Executables[0].Arches[0].Syscalls[0] != "read" {
		t.Error("Clone shares the syscall lists")
	}
}

// FuzzCollectStatic: whatever static part a snapshot decodes with, collect never
// panics, never adds a dangerous syscall, and every syscall it says it added is
// allowed by the profile.
func FuzzCollectStatic(f *testing.F) {
	s := testSnaps()[0]
	s.Containers[0].Static = &Static{Looks: 1, First: t0, Last: t0, Executables: []Executable{{Path: "/usr/bin/app",
		Arches: []StaticArches{{Arch: syscalls.X86_64, Syscalls: []string{"fsync", "ptrace", "read"}}}}}, Errors: []string{"x"}}
	good, err := json.Marshal(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"node":"n","containers":[{"container":"c","arch":"SCMP_ARCH_X86_64","syscalls":[["read",1,0,0]],"static":{"looks":1,"executables":[{"path":"/a","arches":[{"arch":"SCMP_ARCH_AARCH64","syscalls":["openat","nosuchcall","bpf"]}]}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode("fuzz", data)
		if err != nil {
			return
		}
		cs, err := Collect([]Snapshot{s}, Options{Static: true, Runtime: "none"})
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Profile == nil || c.Static == nil {
				continue
			}
			allowed := map[string]bool{}
			for _, r := range c.Profile.Syscalls {
				for _, n := range r.Names {
					allowed[n] = true
				}
			}
			for _, n := range c.Static.Added {
				if _, bad := syscalls.Dangerous(n); bad {
					t.Fatalf("dangerous %s added", n)
				}
				if !allowed[n] {
					t.Fatalf("%s said added, not in the profile", n)
				}
			}
		}
	})
}
