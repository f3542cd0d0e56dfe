package kube

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seccompctl/seccompctl/profile"
)

func TestComplain(t *testing.T) {
	eperm := uint(1)
	tests := []struct {
		name    string
		in      string
		want    Enforced
		wantErr string
	}{
		{"errno default kept", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
			Enforced{DefaultAction: profile.ActErrno}, ""},
		{"errno return kept", `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
			Enforced{DefaultAction: profile.ActErrno, DefaultErrnoRet: &eperm}, ""},
		{"kill default kept", `{"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
			Enforced{DefaultAction: profile.ActKillProcess}, ""},
		{"allow default refused", `{"defaultAction": "SCMP_ACT_ALLOW"}`, Enforced{}, "complain mode needs the enforcing profile"},
		{"log default refused", `{"defaultAction": "SCMP_ACT_LOG"}`, Enforced{}, "defaultAction is SCMP_ACT_LOG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := profile.Parse("p.json", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			c, e, err := Complain(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.String() != tt.want.String() {
				t.Errorf("enforced %s, want %s", e, tt.want)
			}
			if c.DefaultAction != profile.ActLog || c.DefaultErrnoRet != nil {
				t.Errorf("complain profile default %s (errno %v), want SCMP_ACT_LOG", c.DefaultAction, c.DefaultErrnoRet)
			}
			if len(c.Syscalls) != len(p.Syscalls) || c.Syscalls[0].Names[0] != "read" || c.Syscalls[0].Action != profile.ActAllow {
				t.Errorf("rules not kept: %+v", c.Syscalls)
			}
			// The input is left alone: the caller may still write it.
			if p.DefaultAction != tt.want.DefaultAction {
				t.Errorf("input changed to %s", p.DefaultAction)
			}
			if tt.want.DefaultErrnoRet != nil && (p.DefaultErrnoRet == nil || e.DefaultErrnoRet == p.DefaultErrnoRet) {
				t.Errorf("enforced errno shares the input's pointer or the input lost it")
			}
		})
	}
}

func TestParseConfigMap(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string
	}{
		{"configmap", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: apps\ndata:\n  web.json: '{}'\n", ""},
		{"other kind", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\n", `kind "Secret", want a v1 ConfigMap`},
		{"other apiVersion", "apiVersion: v2\nkind: ConfigMap\nmetadata:\n  name: web\n", `apiVersion "v2"`},
		{"unknown field", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\nspec: {}\n", "not a ConfigMap manifest"},
		{"a profile, not a manifest", `{"defaultAction": "SCMP_ACT_LOG"}`, "not a ConfigMap manifest"},
		{"not YAML", "a: [", "not a ConfigMap manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm, err := ParseConfigMap("in.yaml", []byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "in.yaml: ") {
					t.Fatalf("err %v, want %q naming in.yaml", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cm.Name != "web" || cm.Namespace != "apps" || cm.Data["web.json"] != "{}" {
				t.Errorf("parsed %+v", cm)
			}
		})
	}
}

// A manifest ConfigMap writes in complain mode reads back with the same state.
func TestComplainStateOfRoundTrip(t *testing.T) {
	eperm := uint(1)
	since := time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)
	cm, err := ConfigMap(ConfigMapOptions{Name: "web", Complain: map[string]Enforced{"web.json": {DefaultAction: profile.ActErrno, DefaultErrnoRet: &eperm}}, ComplainSince: since},
		[]ProfileFile{{Key: "web.json", Data: []byte(`{"defaultAction": "SCMP_ACT_LOG"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(cm)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConfigMap("web.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Labels[LabelComplain] != "true" || back.Labels[LabelProfiles] != "true" {
		t.Errorf("labels %v", back.Labels)
	}
	st, err := ComplainStateOf(back, "web.json")
	if err != nil {
		t.Fatal(err)
	}
	if !st.Recorded || st.Enforced.String() != "SCMP_ACT_ERRNO (errno 1)" || !st.Since.Equal(since) {
		t.Errorf("state %+v (%s)", st, st.Enforced)
	}
}

func TestComplainStateOf(t *testing.T) {
	cm := func(ann map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: ann}}
	}
	tests := []struct {
		name     string
		ann      map[string]string
		key      string
		recorded bool
		enforced string
		since    string
		wantErr  string
	}{
		{"recorded", map[string]string{AnnotationEnforced: `{"web.json":{"defaultAction":"SCMP_ACT_KILL_PROCESS"}}`, AnnotationComplainSince: "2025-06-01T08:30:00Z"},
			"web.json", true, "SCMP_ACT_KILL_PROCESS", "2025-06-01T08:30:00Z", ""},
		{"errno return", map[string]string{AnnotationEnforced: `{"web.json":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38}}`},
			"web.json", true, "SCMP_ACT_ERRNO (errno 38)", "", ""},
		{"other key only", map[string]string{AnnotationEnforced: `{"api.json":{"defaultAction":"SCMP_ACT_ERRNO"}}`},
			"web.json", false, "", "", ""},
		{"no annotations", nil, "web.json", false, "", "", ""},
		{"bad JSON", map[string]string{AnnotationEnforced: `{"web.json":`}, "web.json", false, "", "", "annotation " + AnnotationEnforced},
		{"bad action", map[string]string{AnnotationEnforced: `{"web.json":{"defaultAction":"SCMP_ACT_PARTY"}}`}, "web.json", false, "", "", AnnotationEnforced},
		{"no action", map[string]string{AnnotationEnforced: `{"web.json":{}}`}, "web.json", false, "", "", "web.json has no valid defaultAction"},
		{"bad time", map[string]string{AnnotationComplainSince: "yesterday"}, "web.json", false, "", "", "annotation " + AnnotationComplainSince},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ComplainStateOf(cm(tt.ann), tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "ConfigMap web") {
					t.Fatalf("err %v, want %q naming ConfigMap web", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Recorded != tt.recorded {
				t.Errorf("recorded %v, want %v", st.Recorded, tt.recorded)
			}
			if tt.recorded && st.Enforced.String() != tt.enforced {
				t.Errorf("enforced %s, want %s", st.Enforced, tt.enforced)
			}
			var since string
			if !st.Since.IsZero() {
				since = st.Since.UTC().Format(time.RFC3339)
			}
			if since != tt.since {
				t.Errorf("since %q, want %q", since, tt.since)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	got := Keys(&corev1.ConfigMap{Data: map[string]string{"web.json": "", "api.json": "", "db.json": ""}})
	if strings.Join(got, ",") != "api.json,db.json,web.json" {
		t.Errorf("keys %v, want sorted", got)
	}
}

func TestInComplainModeAndEnforce(t *testing.T) {
	cm := func(label bool, enforced string) *corev1.ConfigMap {
		c := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "42",
			Labels: map[string]string{LabelProfiles: "true", "team": "shop"}, Annotations: map[string]string{"note": "kept"}},
			Data: map[string]string{"web.json": "{}", "api.json": "{}"}}
		if label {
			c.Labels[LabelComplain] = "true"
			c.Annotations[AnnotationComplainSince] = "2026-05-01T10:00:00Z"
		}
		if enforced != "" {
			c.Annotations[AnnotationEnforced] = enforced
		}
		return c
	}
	both := `{"web.json":{"defaultAction":"SCMP_ACT_ERRNO"},"api.json":{"defaultAction":"SCMP_ACT_KILL"}}`
	for _, tc := range []struct {
		name     string
		cm       *corev1.ConfigMap
		web, api bool
		// after Enforce(web.json): is api.json still complain, is the label left
		leftLabel bool
	}{
		{"no label: enforcing whatever the annotation", cm(false, both), false, false, false},
		{"label, both keys annotated", cm(true, both), true, true, true},
		{"label, only api annotated (web promoted before)", cm(true, `{"api.json":{"defaultAction":"SCMP_ACT_ERRNO"}}`), false, true, true},
		{"label, only web annotated", cm(true, `{"web.json":{"defaultAction":"SCMP_ACT_ERRNO"}}`), true, false, false},
		{"label without annotation: the label decides", cm(true, ""), true, true, false},
		{"label, unreadable annotation: the label decides", cm(true, "{"), true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := InComplainMode(tc.cm, "web.json"); got != tc.web {
				t.Errorf("web.json in complain mode = %v, want %v", got, tc.web)
			}
			if got := InComplainMode(tc.cm, "api.json"); got != tc.api {
				t.Errorf("api.json in complain mode = %v, want %v", got, tc.api)
			}
			out := Enforce(tc.cm, "web.json", []byte(`{"defaultAction":"SCMP_ACT_ERRNO"}`))
			if InComplainMode(out, "web.json") {
				t.Errorf("web.json still in complain mode after Enforce: %v %v", out.Labels, out.Annotations)
			}
			if _, ok := out.Labels[LabelComplain]; ok != tc.leftLabel {
				t.Errorf("complain label left = %v, want %v", ok, tc.leftLabel)
			}
			if out.Data["web.json"] != `{"defaultAction":"SCMP_ACT_ERRNO"}` || out.Data["api.json"] != "{}" || out.ResourceVersion != "42" ||
				out.Labels["team"] != "shop" || out.Annotations["note"] != "kept" || out.Labels[LabelProfiles] != "true" {
				t.Errorf("Enforce changed more than web.json's data and complain metadata: %+v", out)
			}
			if tc.cm.Data["web.json"] != "{}" {
				t.Errorf("Enforce changed its input")
			}
		})
	}
}
