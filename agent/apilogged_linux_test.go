package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/promotion"
)

// TestAPIServerLogged feeds logged violations into the agent's monitor path and reads
// them back from the node's status Lease, the way `k8s status` does, across a restart
// of the agent; the aggregate, written as JSON lines, is what promotion reads.
func TestAPIServerLogged(t *testing.T) {
	e := newEnv(t, controlPlane(t))
	r := e.start()
	node := "node-" + e.ns
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	v := monitor.Violation{Time: at, Arch: "x86_64", Syscall: "uname", Action: "SCMP_ACT_LOG", PID: 42, Comm: "app",
		Container: monitor.Container{Namespace: "shop", Pod: "web-1", Name: "app", Profile: filepath.Join(e.dir, "web.json")}}
	r.a.ObserveViolation(v)
	v.Time = at.Add(time.Minute)
	r.a.ObserveViolation(v)
	other := v
	other.Profile, other.Syscall = filepath.Join(e.dir, "db.json"), "getcwd"
	r.a.ObserveViolation(other)
	unattributed := v
	unattributed.Container = monitor.Container{}
	r.a.ObserveViolation(unattributed)

	waitLogged := func(want int) []Logged {
		t.Helper()
		var got []Logged
		eventually(t, "logged uname in the status Lease", func() (bool, string) {
			nodes, err := ReadLogged(context.Background(), e.admin, e.ns)
			if err != nil {
				return false, err.Error()
			}
			var states []LoggedState
			for _, n := range nodes {
				if n.Node != node {
					return false, "Lease of unexpected node " + n.Node
				}
				states = append(states, n.State)
			}
			got, _ = AggregateLogged(states, "web.json")
			return len(got) == 1 && got[0].Count == want, fmt.Sprintf("aggregate %s", mustJSON(got))
		})
		return got
	}
	got := waitLogged(2)[0]
	if got.Node != node || got.Pod != "web-1" || got.Container != "app" || !got.First.Equal(at) || !got.Last.Equal(at.Add(time.Minute)) {
		t.Errorf("logged %+v", got)
	}

	// The metric: one series per profile and syscall, set when the state file is saved.
	eventually(t, "logged-syscall metric", func() (bool, string) {
		series := loggedSeries(t, r.a)
		return series["web.json/uname"] == 2 && series["db.json/getcwd"] == 1 && len(series) == 2,
			fmt.Sprintf("seccompctl_agent_logged_syscalls = %v; want web.json/uname 2, db.json/getcwd 1", series)
	})

	// A restart loses nothing: the state file is read back and counting goes on.
	r.stop()
	if _, err := os.Stat(filepath.Join(e.kubeletDir, "seccomp", LoggedFile)); err != nil {
		t.Fatalf("state file: %v", err)
	}
	r = e.start()
	if l := r.a.Logged(); len(l.Entries) != 2 {
		t.Fatalf("after restart the agent keeps %s", mustJSON(l))
	}
	v.Time = at.Add(2 * time.Minute)
	r.a.ObserveViolation(v)
	got = waitLogged(3)[0]
	if !got.Last.Equal(at.Add(2 * time.Minute)) {
		t.Errorf("last seen %s after restart", got.Last)
	}

	// What `k8s status --format json` prints is what promotion reads.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.Encode(got.Violation())
	vs, err := promotion.ReadLog("status.jsonl", &buf)
	if err != nil {
		t.Fatal(err)
	}
	p := profile.RuntimeDefault()
	p.DefaultAction = profile.ActLog
	p.DefaultErrnoRet = nil
	for i := range p.Syscalls {
		p.Syscalls[i].Names = slices.DeleteFunc(p.Syscalls[i].Names, func(n string) bool { return n == "uname" })
	}
	res, err := promotion.Promote(p, vs, promotion.Options{Key: "web.json", Enforced: kube.Enforced{DefaultAction: profile.ActErrno},
		CleanFor: 30 * time.Minute, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) > 0 || len(res.Added) != 1 || res.Added[0].Syscall != "uname" || res.Added[0].Count != 3 {
		t.Fatalf("promotion from the status: refused %q, added %+v", res.Refused, res.Added)
	}
}

// loggedSeries reads seccompctl_agent_logged_syscalls as profile/syscall -> value.
func loggedSeries(t *testing.T, a *Agent) map[string]float64 {
	t.Helper()
	mfs, err := a.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "seccompctl_agent_logged_syscalls" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var prof, sc string
			for _, lp := range m.GetLabel() {
				switch lp.GetName() {
				case "profile":
					prof = lp.GetValue()
				case "syscall":
					sc = lp.GetValue()
				}
			}
			series[prof+"/"+sc] = m.GetGauge().GetValue()
		}
	}
	return series
}
