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
		{Namespace: "ns", Name: "newer", Created: t0.Add(time.Hour), Data: map[string][]byte{
			"shared.json": []byte("from newer"), "only-newer.json": []byte("n"),
		}},
		{Namespace: "ns", Name: "older", Created: t0, Data: map[string][]byte{
			"shared.json": []byte("from older"), ".hidden.json": []byte("h"), "broken.json": []byte("bad"),
		}},
		// Same age as "older": the name breaks the tie.
		{Namespace: "ns", Name: "aaa", Created: t0, Data: map[string][]byte{"broken.json": []byte("fine")}},
	}
	p := plan(sources, valid)
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
	p = plan([]*Source{{Namespace: "ns", Name: "x", Data: map[string][]byte{"p.json": []byte("bad")}}}, valid)
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
		return []*Source{{Namespace: "ns", Name: "cm", Data: map[string][]byte{"p.json": []byte(data), "q.json": []byte("q")}}}
	}
	res := apply(st, plan(src("good"), valid))
	if len(res.Created) != 2 || len(res.Errors) != 0 {
		t.Fatalf("first apply: %+v", res)
	}
	res = apply(st, plan(src("good"), valid))
	if len(res.Created)+len(res.Updated)+len(res.Removed) != 0 || res.Unchanged != 2 {
		t.Fatalf("second apply not idempotent: %+v", res)
	}
	res = apply(st, plan(src("bad"), valid))
	if len(res.Removed) != 0 || len(res.Rejected) != 1 {
		t.Fatalf("refused update: %+v", res)
	}
	if !st.Current("p.json", sum([]byte("good"))) {
		t.Error("last good version not kept")
	}
	res = apply(st, plan(nil, valid))
	if len(res.Removed) != 2 || len(st.Owned()) != 0 {
		t.Fatalf("deletion: %+v", res)
	}
}
