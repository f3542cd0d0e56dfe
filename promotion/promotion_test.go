package promotion

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// complainProfile is docker's default profile, less sysinfo and uname, in complain mode: realistic enough that
// lint passes once it enforces again.
func complainProfile(t testing.TB) *profile.Profile {
	t.Helper()
	data, err := os.ReadFile("../filter/testdata/profiles/docker-default-20.10.24.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse("web.json", data)
	if err != nil {
		t.Fatal(err)
	}
	p.DefaultAction = profile.ActLog
	p.DefaultErrnoRet = nil
	// sysinfo and uname are what the workload will be found to need.
	for i := range p.Syscalls {
		p.Syscalls[i].Names = slices.DeleteFunc(p.Syscalls[i].Names, func(n string) bool { return n == "sysinfo" || n == "uname" })
	}
	return p
}

var now = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

func logged(syscall, pod string, at time.Time) monitor.Violation {
	v := monitor.Violation{Time: at, Node: "n1", Arch: "SCMP_ARCH_X86_64", Syscall: syscall, Action: "SCMP_ACT_LOG"}
	if pod != "" {
		v.Container = monitor.Container{Namespace: "shop", Pod: pod, Name: "app", Profile: "/var/lib/kubelet/seccomp/profiles/web.json"}
	}
	return v
}

func TestPromote(t *testing.T) {
	errno := uint(38)
	base := Options{Key: "web.json", Enforced: kube.Enforced{DefaultAction: profile.ActErrno}, CleanFor: 24 * time.Hour, Now: now}
	old := now.Add(-48 * time.Hour)
	tests := []struct {
		name    string
		vs      []monitor.Violation
		opts    func(*Options)
		refused string // "" means promoted
		added   []string
	}{
		{"adds what was logged", []monitor.Violation{logged("sysinfo", "web-1", old), logged("sysinfo", "web-2", old.Add(time.Hour)), logged("uname", "web-1", old)}, nil, "", []string{"sysinfo", "uname"}},
		{"clean for too short", []monitor.Violation{logged("sysinfo", "web-1", now.Add(-time.Hour))}, nil, "clean for only 1h0m0s", []string{"sysinfo"}},
		{"no clean check with 0", []monitor.Violation{logged("sysinfo", "web-1", now.Add(-time.Hour))}, func(o *Options) { o.CleanFor = 0 }, "", []string{"sysinfo"}},
		{"nothing logged, start unknown", nil, nil, "start of complain mode is unknown", nil},
		{"nothing logged since complain started", nil, func(o *Options) { o.ComplainSince = old }, "", nil},
		{"nothing logged, complain too recent", nil, func(o *Options) { o.ComplainSince = now.Add(-time.Minute) }, "clean for only 1m0s", nil},
		{"dangerous refused", []monitor.Violation{logged("unshare", "web-1", old)}, nil, "dangerous: unshare", []string{"unshare"}},
		{"dangerous allowed", []monitor.Violation{logged("unshare", "web-1", old)}, func(o *Options) { o.AllowDangerous = true }, "", []string{"unshare"}},
		{"severe is a lint error even when allowed", []monitor.Violation{logged("bpf", "web-1", old)}, func(o *Options) { o.AllowDangerous = true }, "lint finds", []string{"bpf"}},
		{"number without a name", []monitor.Violation{logged("syscall_999", "web-1", old)}, nil, "no name for: syscall_999", []string{"syscall_999"}},
		{"other profile and other action left out", []monitor.Violation{
			func() monitor.Violation { v := logged("sysinfo", "web-1", old); v.Profile = "/x/api.json"; return v }(),
			func() monitor.Violation { v := logged("uname", "web-1", old); v.Action = "SCMP_ACT_ERRNO"; return v }(),
		}, func(o *Options) { o.ComplainSince = old }, "", nil},
		{"unattributed left out", []monitor.Violation{logged("sysinfo", "", old)}, func(o *Options) { o.ComplainSince = old }, "", nil},
		{"unattributed counted when asked", []monitor.Violation{logged("sysinfo", "", old)}, func(o *Options) { o.IncludeUnattributed = true }, "", []string{"sysinfo"}},
		{"errno default restored", []monitor.Violation{logged("sysinfo", "web-1", old)}, func(o *Options) {
			o.Enforced = kube.Enforced{DefaultAction: profile.ActErrno, DefaultErrnoRet: &errno}
		}, "", []string{"sysinfo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := complainProfile(t)
			opts := base
			if tt.opts != nil {
				tt.opts(&opts)
			}
			res, err := Promote(p, tt.vs, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(res.Refused, "\n")
			if tt.refused == "" && got != "" || tt.refused != "" && !strings.Contains(got, tt.refused) {
				t.Fatalf("refused %q, want %q", got, tt.refused)
			}
			var names []string
			for _, s := range res.Added {
				names = append(names, s.Syscall)
			}
			if strings.Join(names, ",") != strings.Join(tt.added, ",") {
				t.Errorf("added %v, want %v", names, tt.added)
			}
			out := res.Profile
			if out.DefaultAction != opts.Enforced.DefaultAction || (opts.Enforced.DefaultErrnoRet == nil) != (out.DefaultErrnoRet == nil) ||
				out.DefaultErrnoRet != nil && *out.DefaultErrnoRet != *opts.Enforced.DefaultErrnoRet {
				t.Errorf("default %s %v, want %s", out.DefaultAction, out.DefaultErrnoRet, opts.Enforced)
			}
			if p.DefaultAction != profile.ActLog {
				t.Error("the input profile was changed")
			}
			// Every rule of the complain profile is kept, and each added syscall has its own.
			if len(out.Syscalls) != len(p.Syscalls)+len(names)-strings.Count(strings.Join(names, ","), "syscall_") {
				t.Errorf("%d rules, want %d kept + %d added", len(out.Syscalls), len(p.Syscalls), len(names))
			}
		})
	}
}

func TestPromoteComment(t *testing.T) {
	p := complainProfile(t)
	first := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	v2 := logged("sysinfo", "web-2", first.Add(2*time.Hour))
	v2.Node = "n2"
	res, err := Promote(p, []monitor.Violation{logged("sysinfo", "web-1", first), v2},
		Options{Key: "web.json", Enforced: kube.Enforced{DefaultAction: profile.ActErrno}, Now: now})
	if err != nil || len(res.Refused) > 0 {
		t.Fatal(err, res.Refused)
	}
	rule := res.Profile.Syscalls[len(res.Profile.Syscalls)-1]
	want := "logged in complain mode 2 time(s) on n1, n2 by shop/web-1/app, shop/web-2/app; first 2025-06-01T08:00:00Z, last 2025-06-01T10:00:00Z"
	if rule.Comment != want || rule.Names[0] != "sysinfo" || rule.Action != profile.ActAllow {
		t.Errorf("rule %+v\nwant comment %q", rule, want)
	}
}

func TestPromoteBadInput(t *testing.T) {
	p := complainProfile(t)
	p.DefaultAction = profile.ActErrno
	if _, err := Promote(p, nil, Options{Key: "web.json", Enforced: kube.Enforced{DefaultAction: profile.ActErrno}}); err == nil || !strings.Contains(err.Error(), "not a complain-mode profile") {
		t.Errorf("enforcing profile: %v", err)
	}
	p.DefaultAction = profile.ActLog
	if _, err := Promote(p, nil, Options{Key: "web.json", Enforced: kube.Enforced{DefaultAction: profile.ActAllow}}); err == nil {
		t.Error("an ALLOW enforced default was accepted")
	}
}

func TestReadLog(t *testing.T) {
	good := `{"time":"2025-06-01T08:00:00Z","node":"n1","pid":7,"arch":"SCMP_ARCH_X86_64","syscallNr":39,"syscall":"sysinfo","action":"SCMP_ACT_LOG","namespace":"shop","pod":"web-1","container":"app"}` + "\n\n"
	vs, err := ReadLog("m.jsonl", strings.NewReader(good))
	if err != nil || len(vs) != 1 || vs[0].Pod != "web-1" || vs[0].Syscall != "sysinfo" {
		t.Fatalf("%v %+v", err, vs)
	}
	for _, bad := range []string{"{not json\n", `{"syscall":"sysinfo"}` + "\n"} {
		if _, err := ReadLog("m.jsonl", strings.NewReader(good+bad)); err == nil || !strings.Contains(err.Error(), "m.jsonl:3:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzReadLog(f *testing.F) {
	f.Add(`{"time":"2025-06-01T08:00:00Z","syscall":"sysinfo","action":"SCMP_ACT_LOG"}`)
	f.Add("{")
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ReadLog("f", strings.NewReader(s))
		if err == nil {
			for _, v := range vs {
				if v.Syscall == "" || v.Time.IsZero() {
					t.Fatalf("accepted %+v", v)
				}
			}
		}
	})
}

// TestPromoteAggregatedLines reads the lines `k8s status --format json` prints: each
// stands for count records, from first to time.
func TestPromoteAggregatedLines(t *testing.T) {
	first := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	log := `{"time":"2025-06-01T10:00:00Z","node":"n1","pid":0,"arch":"x86_64","syscallNr":0,"syscall":"sysinfo","action":"SCMP_ACT_LOG","namespace":"shop","pod":"web-1","container":"app","profile":"web.json","count":7,"first":"2025-06-01T08:00:00Z"}
{"time":"2025-06-01T11:00:00Z","node":"n2","pid":0,"arch":"x86_64","syscallNr":0,"syscall":"sysinfo","action":"SCMP_ACT_LOG","namespace":"shop","pod":"web-2","container":"app","profile":"web.json","count":2,"first":"2025-06-01T09:00:00Z"}
`
	vs, err := ReadLog("status.jsonl", strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Promote(complainProfile(t), vs, Options{Key: "web.json", Enforced: kube.Enforced{DefaultAction: profile.ActErrno}, Now: now})
	if err != nil || len(res.Refused) > 0 {
		t.Fatal(err, res.Refused)
	}
	if len(res.Added) != 1 || res.Added[0].Count != 9 || !res.Added[0].First.Equal(first) || !res.Added[0].Last.Equal(first.Add(3*time.Hour)) {
		t.Fatalf("added %+v; want sysinfo 9 times from 08:00 to 11:00", res.Added)
	}
	rule := res.Profile.Syscalls[len(res.Profile.Syscalls)-1]
	if !strings.Contains(rule.Comment, "9 time(s) on n1, n2") {
		t.Errorf("comment %q does not give the aggregated count", rule.Comment)
	}
}

// TestPromoteRuntimes: a profile made for runc nodes lacks what crun needs; lint for
// every runtime refuses its promotion, lint for runc (the agent's --runtime runc) does not.
func TestPromoteRuntimes(t *testing.T) {
	rec := record.New("ebpf")
	for _, n := range []string{"read", "write", "uname"} {
		rec.Add(record.Call{Arch: syscalls.X86_64, Name: n}, 1)
	}
	enforcing, _, err := generate.Profile(rec, generate.Options{Runtime: "runc"})
	if err != nil {
		t.Fatal(err)
	}
	p, enforced, err := kube.Complain(enforcing)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Key: "web.json", Enforced: enforced, Now: now}
	res, err := Promote(p, []monitor.Violation{logged("getcwd", "web-1", now.Add(-time.Hour))}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) != 1 || !strings.Contains(res.Refused[0], "SC2001 crun") {
		t.Errorf("linted for every runtime: refused %q; want crun's SC2001", res.Refused)
	}
	opts.Runtimes = []string{"runc"}
	res, err = Promote(p, []monitor.Violation{logged("getcwd", "web-1", now.Add(-time.Hour))}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) != 0 || len(res.Added) != 1 {
		t.Errorf("linted for runc: refused %q, added %+v; want getcwd added", res.Refused, res.Added)
	}
}
