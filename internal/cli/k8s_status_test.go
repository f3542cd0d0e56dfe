package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/promotion"
)

func statusNodes() []agent.NodeLogged {
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	entry := func(node, prof, sc string, n int) agent.Logged {
		return agent.Logged{Profile: prof, Syscall: sc, Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: node,
			Namespace: "shop", Pod: "web-" + node, Container: "app", Count: n, First: t0, Last: t0.Add(time.Hour)}
	}
	return []agent.NodeLogged{
		{Node: "n1", Renewed: t0, State: agent.LoggedState{Entries: []agent.Logged{entry("n1", "web.json", "uname", 3), entry("n1", "db.json", "getcwd", 1)},
			Complain: []string{"db.json", "web.json"}}},
		{Node: "n2", Renewed: t0, State: agent.LoggedState{Entries: []agent.Logged{entry("n2", "web.json", "uname", 4)}, Dropped: 5}},
	}
}

func TestK8sStatusJSONIsPromoteInput(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := writeStatus(&out, &errOut, statusNodes(), "web.json", "json"); err != nil {
		t.Fatal(err)
	}
	vs, err := promotion.ReadLog("status", &out)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, v := range vs {
		if v.Profile != "web.json" || v.Syscall != "uname" {
			t.Errorf("line for another profile or syscall: %+v", v)
		}
		total += v.Count
	}
	if len(vs) != 2 || total != 7 {
		t.Errorf("%d lines, %d records; want 2 lines (one per node) and 7", len(vs), total)
	}
	if !strings.Contains(errOut.String(), "node n2: 5 logged entries were not kept") {
		t.Errorf("stderr %q does not say what n2 dropped", errOut.String())
	}
}

func TestK8sStatusText(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := writeStatus(&out, &errOut, statusNodes(), "web.json", "text"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"profile web.json: 7 record(s) logged", "2 node(s)", "uname", "shop/web-n2", "2026-01-02T04:00:00Z"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "getcwd") {
		t.Errorf("text output shows another profile's syscall:\n%s", out.String())
	}
	// n1 installed web.json in complain mode, n2 does not say so.
	if !strings.Contains(out.String(), "node n1: status written 2026-01-02T03:00:00Z, web.json installed in complain mode\n") ||
		strings.Contains(out.String(), "node n2: status written 2026-01-02T03:00:00Z, ") {
		t.Errorf("text output does not say which nodes run web.json in complain mode:\n%s", out.String())
	}
}
