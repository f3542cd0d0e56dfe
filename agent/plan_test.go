package agent

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPlan(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	valid := func(name string, data []byte) error {
		if strings.Contains(string(data), "bad") {
			return errors.New("lint says no")
		}
		return nil
	}
	sources := []*Source{
		{Namespace: "ns", Name: "newer", Created: t0.Add(time.Hour), Data: map[string]string{
			"shared.json": "from newer", "only-newer.json": "n",
		}},
		{Namespace: "ns", Name: "older", Created: t0, Data: map[string]string{
			"shared.json": "from older", ".hidden.json": "h", "broken.json": "bad",
		}},
		// Same age as "older": the name breaks the tie.
		{Namespace: "ns", Name: "aaa", Created: t0, Data: map[string]string{"broken.json": "fine"}},
	}
	p := plan(sources, Validator(valid).plain)
	want := map[string]string{"shared.json": "ns/older", "only-newer.json": "ns/newer", "broken.json": "ns/aaa"}
	got := map[string]string{}
	for k, w := range p.Want {
		got[k] = w.Source
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("want = %v, got %v", want, got)
	}
	var reasons []string
	for _, r := range p.Rejected {
		reasons = append(reasons, r.Source+" "+r.Key+" "+r.Reason)
	}
	wantR := []string{
		"ns/newer shared.json Conflict",
		"ns/older .hidden.json UnsafeName",
		"ns/older broken.json Conflict",
	}
	if !reflect.DeepEqual(reasons, wantR) {
		t.Errorf("rejected = %q, want %q", reasons, wantR)
	}

	// An invalid version is refused and the name kept (the old file stays).
	p = plan([]*Source{{Namespace: "ns", Name: "x", Data: map[string]string{"p.json": "bad"}}}, Validator(valid).plain)
	if len(p.Want) != 0 || p.Keep["p.json"] != "ns/x" || len(p.Rejected) != 1 || p.Rejected[0].Reason != ReasonInvalid {
		t.Errorf("invalid profile plan: %+v", p)
	}
}

// TestApplyKeepsLastGood checks that a refused update leaves the installed version and
// that a deleted ConfigMap removes only its files.
func TestApplyKeepsLastGood(t *testing.T) {
	st, _ := openTestStore(t)
	valid := func(name string, data []byte) error {
		if string(data) == "bad" {
			return errors.New("no")
		}
		return nil
	}
	src := func(data string) []*Source {
		return []*Source{{Namespace: "ns", Name: "cm", Data: map[string]string{"p.json": data, "q.json": "q"}}}
	}
	res := apply(st, plan(src("good"), Validator(valid).plain))
	if len(res.Created) != 2 || len(res.Errors) != 0 {
		t.Fatalf("first apply: %+v", res)
	}
	res = apply(st, plan(src("good"), Validator(valid).plain))
	if len(res.Created)+len(res.Updated)+len(res.Removed) != 0 || res.Unchanged != 2 {
		t.Fatalf("second apply not idempotent: %+v", res)
	}
	res = apply(st, plan(src("bad"), Validator(valid).plain))
	if len(res.Removed) != 0 || len(res.Rejected) != 1 {
		t.Fatalf("refused update: %+v", res)
	}
	if !st.Current("p.json", sum("good")) {
		t.Error("last good version not kept")
	}
	res = apply(st, plan(nil, Validator(valid).plain))
	if len(res.Removed) != 2 || len(st.Owned()) != 0 {
		t.Fatalf("deletion: %+v", res)
	}
}
