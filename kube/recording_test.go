package kube

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRecordingRoundTrip(t *testing.T) {
	dl := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	r := RecordingRequest{Name: "recording-abc", Namespace: "shop", Selector: "app=web,tier in (front)",
		Containers: []string{"nginx", "app"}, Target: "deploy/web", Deadline: dl}
	cm, err := RecordingConfigMap("", r)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Namespace != DefaultNamespace || cm.Labels[LabelRecording] != "true" || cm.Labels[LabelProfiles] != "" {
		t.Fatalf("metadata %+v: want the default namespace, the recording label and no profiles label", cm.ObjectMeta)
	}
	back, err := RecordingFromConfigMap(cm)
	if err != nil {
		t.Fatal(err)
	}
	r.Containers = []string{"app", "nginx"} // stored sorted
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, r)
	}
	if !back.Active(dl.Add(-time.Second)) || back.Active(dl) {
		t.Errorf("Active: want true before the deadline and false at it")
	}
	back.Stopped = dl.Add(-time.Hour)
	if back.Active(dl.Add(-2 * time.Hour)) {
		t.Errorf("a stopped request is active")
	}
}

func TestRecordingGeneratedName(t *testing.T) {
	cm, err := RecordingConfigMap("ns1", RecordingRequest{Namespace: "shop", Selector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Name != "" || cm.GenerateName != RecordingNamePrefix || cm.Namespace != "ns1" {
		t.Errorf("name %q generateName %q namespace %q", cm.Name, cm.GenerateName, cm.Namespace)
	}
	if _, ok := cm.Data[RecordingKeyDeadline]; ok {
		t.Errorf("a request without deadline has a deadline key")
	}
}

func TestRecordingInvalid(t *testing.T) {
	for _, tc := range []struct {
		r    RecordingRequest
		want string
	}{
		{RecordingRequest{Namespace: "", Selector: "app=web"}, "namespace"},
		{RecordingRequest{Namespace: "Shop", Selector: "app=web"}, "namespace"},
		{RecordingRequest{Namespace: "shop", Selector: ""}, "selects every pod"},
		{RecordingRequest{Namespace: "shop", Selector: "app in ("}, "selector"},
		{RecordingRequest{Namespace: "shop", Selector: "app=web", Containers: []string{"Bad_Name"}}, "container"},
	} {
		if _, err := RecordingConfigMap("", tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tc.r, err, tc.want)
		}
	}
}

func TestRecordingFromConfigMapBad(t *testing.T) {
	good, err := RecordingConfigMap("ns1", RecordingRequest{Name: "r1", Namespace: "shop", Selector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	unlabelled := good.DeepCopy()
	delete(unlabelled.Labels, LabelRecording)
	badTime := good.DeepCopy()
	badTime.Data[RecordingKeyDeadline] = "tomorrow"
	noSel := good.DeepCopy()
	delete(noSel.Data, RecordingKeySelector)
	for _, tc := range []struct {
		name string
		cm   *corev1.ConfigMap
		want string
	}{
		{"unlabelled", unlabelled, "not a recording request"},
		{"bad time", badTime, `deadline "tomorrow"`},
		{"no selector", noSel, "ns1/r1"},
	} {
		if _, err := RecordingFromConfigMap(tc.cm); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestParseWorkload(t *testing.T) {
	for _, tc := range []struct{ in, kind, name, err string }{
		{"deploy/web", "Deployment", "web", ""},
		{"deployments.apps/web", "Deployment", "web", ""},
		{"sts/db", "StatefulSet", "db", ""},
		{"ds/node-exporter", "DaemonSet", "node-exporter", ""},
		{"pod/web", "", "", "not recordable"},
		{"web", "", "", "want KIND/NAME"},
		{"deploy/", "", "", "want KIND/NAME"},
		{"deploy/Web_1", "", "", "name"},
	} {
		kind, name, err := ParseWorkload(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || kind != tc.kind || name != tc.name {
			t.Errorf("%q: %q %q %v; want %q %q", tc.in, kind, name, err, tc.kind, tc.name)
		}
	}
}

func TestSelectorString(t *testing.T) {
	s, err := SelectorString(&metav1.LabelSelector{MatchLabels: map[string]string{"b": "2", "a": "1"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"front"}}}})
	if err != nil || s != "a=1,b=2,tier in (front)" {
		t.Errorf("got %q %v", s, err)
	}
	for _, sel := range []*metav1.LabelSelector{nil, {}} {
		if _, err := SelectorString(sel); err == nil {
			t.Errorf("%v: no error for a selector of every pod", sel)
		}
	}
}

func TestSnapshotLeaseName(t *testing.T) {
	if got := SnapshotLeaseName("recording-ab", "node-1"); got != "recording-ab.node-1" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("n", 250)
	a, b := SnapshotLeaseName("recording-ab", long), SnapshotLeaseName("recording-ab", long+"x")
	if len(a) > 253 || a == b || !strings.HasPrefix(a, "recording-ab.") {
		t.Errorf("long node names: %q and %q; want distinct names within 253 bytes", a, b)
	}
	if got := SnapshotPartLeaseName("recording-ab", "node-1", 0); got != "recording-ab.node-1" {
		t.Errorf("part 0: %q", got)
	}
	if got := SnapshotPartLeaseName("recording-ab", "node-1", 3); got != "recording-ab.node-1.3" {
		t.Errorf("part 3: %q", got)
	}
	p, q := SnapshotPartLeaseName("recording-ab", long, 7), SnapshotPartLeaseName("recording-ab", long+"x", 7)
	if len(p) > 253 || p == q || !strings.HasSuffix(p, ".7") {
		t.Errorf("long node names, part 7: %q and %q; want distinct names within 253 bytes", p, q)
	}
}
