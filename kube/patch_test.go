package kube

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/seccompctl/seccompctl/internal/goldenfile"
)

var update = goldenfile.Update

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenfile.Check(t, path, got)
}

var localhost = PatchOptions{Type: TypeLocalhost, LocalhostProfile: "profiles/web.json"}

func TestPatchGolden(t *testing.T) {
	tests := []struct {
		in, out   string
		opts      PatchOptions
		targets   int
		warnings  []string
		reencoded bool // flow-style input: re-encoded, not a text edit
	}{
		{in: "deployment.yaml", out: "deployment.localhost.yaml", opts: localhost, targets: 1},
		{in: "deployment.yaml", out: "deployment.app.yaml", opts: PatchOptions{Type: TypeRuntimeDefault, Container: "app"}, targets: 1},
		{in: "pod-existing.yaml", out: "pod-existing.localhost.yaml", opts: localhost, targets: 1,
			warnings: []string{`Pod/p: container "c" sets its own seccompProfile (type Unconfined), which overrides the pod-level one`}},
		{in: "pod-existing.yaml", out: "pod-existing.c.yaml", opts: PatchOptions{Type: TypeLocalhost, LocalhostProfile: "profiles/c.json", Container: "c"}, targets: 1},
		{in: "cronjob.yaml", out: "cronjob.app.yaml", opts: PatchOptions{Type: TypeLocalhost, LocalhostProfile: "profiles/job.json", Container: "app"}, targets: 2},
		{in: "flow.yaml", out: "flow.localhost.yaml", opts: localhost, targets: 1, reencoded: true},
		{in: "empty-context.yaml", out: "empty-context.localhost.yaml", opts: localhost, targets: 4,
			warnings: []string{"ReplicaSet/rs: annotation seccomp.security.alpha.kubernetes.io/pod is deprecated and ignored by current kubelets; remove it"}},
		{in: "list.yaml", out: "list.localhost.yaml", opts: localhost, targets: 1},
		{in: "crlf.yaml", out: "crlf.localhost.yaml", opts: localhost, targets: 1},
	}
	for _, tt := range tests {
		t.Run(tt.out, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata/patch", tt.in))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Patch(in, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata/patch", tt.out), res.Data)
			if len(res.Targets) != tt.targets {
				t.Errorf("targets = %v, want %d", res.Targets, tt.targets)
			}
			if !reflect.DeepEqual(res.Warnings, tt.warnings) {
				t.Errorf("warnings = %q, want %q", res.Warnings, tt.warnings)
			}
			if !tt.reencoded {
				assertOnlyAdded(t, string(in), string(res.Data))
			}
			checkSemantics(t, in, res.Data, tt.opts)

			// Patching again changes nothing.
			again, err := Patch(res.Data, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if string(again.Data) != string(res.Data) || len(again.Targets) != 0 {
				t.Errorf("second patch not idempotent: targets %v\n%s", again.Targets, again.Data)
			}
		})
	}
}

// assertOnlyAdded checks that every line of the input survives, in order, except lines
// of a replaced seccompProfile or an empty securityContext.
func assertOnlyAdded(t *testing.T, in, out string) {
	t.Helper()
	outLines := strings.SplitAfter(out, "\n")
	j := 0
	for _, l := range strings.SplitAfter(in, "\n") {
		if strings.Contains(l, "seccompProfile") || strings.Contains(l, "type: RuntimeDefault") ||
			strings.Contains(l, "securityContext: {}") || strings.TrimSpace(l) == "securityContext:" {
			continue
		}
		found := false
		for ; j < len(outLines); j++ {
			if outLines[j] == l || strings.HasSuffix(outLines[j], strings.TrimLeft(l, " -")) {
				found = true
				j++
				break
			}
		}
		if !found {
			t.Errorf("input line %q lost or reordered", l)
			return
		}
	}
}

// checkSemantics decodes both streams and checks the output equals the input with the
// profile set at the wanted places and nothing else changed.
func checkSemantics(t *testing.T, in, out []byte, opts PatchOptions) {
	t.Helper()
	dec := func(b []byte) []any {
		var docs []any
		d := yaml.NewDecoder(strings.NewReader(string(b)))
		for {
			var v any
			if err := d.Decode(&v); err != nil {
				break
			}
			docs = append(docs, v)
		}
		return docs
	}
	a, b := dec(in), dec(out)
	if len(a) != len(b) {
		t.Fatalf("document count %d → %d", len(a), len(b))
	}
	strip := func(v any) any { return stripSeccomp(v) }
	for i := range a {
		if !reflect.DeepEqual(strip(a[i]), strip(b[i])) {
			t.Errorf("document %d changed beyond seccompProfile:\n%v\n%v", i, strip(a[i]), strip(b[i]))
		}
	}
}

// stripSeccomp removes seccompProfile keys and securityContexts left empty.
func stripSeccomp(v any) any {
	switch vv := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range vv {
			if k == "seccompProfile" {
				continue
			}
			s := stripSeccomp(e)
			if k == "securityContext" {
				if m, ok := s.(map[string]any); (ok && len(m) == 0) || s == nil {
					continue
				}
			}
			out[k] = s
		}
		return out
	case []any:
		out := make([]any, len(vv))
		for i, e := range vv {
			out[i] = stripSeccomp(e)
		}
		return out
	}
	return v
}

func TestPatchErrors(t *testing.T) {
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n")
	tests := []struct {
		name string
		in   []byte
		opts PatchOptions
		want string
	}{
		{"no workloads", []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n"), localhost, "no Pod"},
		{"missing container", pod, PatchOptions{Type: TypeRuntimeDefault, Container: "nope"}, `no container named "nope"`},
		{"absolute path", pod, PatchOptions{Type: TypeLocalhost, LocalhostProfile: "/etc/x.json"}, "must be relative"},
		{"escaping path", pod, PatchOptions{Type: TypeLocalhost, LocalhostProfile: "profiles/../../x.json"}, "stay inside"},
		{"no path", pod, PatchOptions{Type: TypeLocalhost}, "needs its path"},
		{"bad type", pod, PatchOptions{Type: "localhost"}, "unknown seccomp profile type"},
		{"bad yaml", []byte("kind: Pod\nspec: [\n"), localhost, "document 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Patch(tt.in, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzPatch(f *testing.F) {
	files, _ := filepath.Glob("testdata/patch/*.yaml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := Patch(in, localhost)
		if err != nil {
			return
		}
		// Whatever was accepted must decode and be stable under a second patch.
		again, err := Patch(res.Data, localhost)
		if err != nil {
			t.Fatalf("patched output rejected: %v\n%s", err, res.Data)
		}
		if len(again.Targets) != 0 {
			t.Fatalf("second patch found targets %v in\n%s", again.Targets, res.Data)
		}
	})
}
