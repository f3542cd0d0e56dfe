// Package krew_test checks the krew plugin manifest for `kubectl seccomp`.
package krew_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

type manifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Caveats          string `json:"caveats"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestManifest: the manifest is YAML krew reads (strictly: no unknown fields), the
// plugin is called seccomp, and every platform installs the binary as
// kubectl-seccomp, the name under which seccompctl runs as `kubectl seccomp`
// (internal/cli/root.go).
func TestManifest(t *testing.T) {
	data, err := os.ReadFile("seccomp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		t.Fatalf("seccomp.yaml: %v", err)
	}
	if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" || m.Metadata.Name != "seccomp" {
		t.Errorf("header: %s %s %s", m.APIVersion, m.Kind, m.Metadata.Name)
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(m.Spec.Version) || m.Spec.ShortDescription == "" || !strings.HasPrefix(m.Spec.Homepage, "https://") {
		t.Errorf("spec: %+v", m.Spec)
	}
	seen := map[string]bool{}
	for _, p := range m.Spec.Platforms {
		plat := p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
		seen[plat] = true
		if p.Bin != "kubectl-seccomp" {
			t.Errorf("%s: bin %q, want kubectl-seccomp", plat, p.Bin)
		}
		if len(p.Files) != 1 || p.Files[0].From != "kubectl-seccomp" {
			t.Errorf("%s: files %+v, want the kubectl-seccomp binary", plat, p.Files)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(p.SHA256) {
			t.Errorf("%s: sha256 %q", plat, p.SHA256)
		}
		if !strings.Contains(p.URI, m.Spec.Version) || !strings.HasSuffix(p.URI, "_"+strings.ReplaceAll(plat, "/", "_")+".tar.gz") {
			t.Errorf("%s: uri %q does not name the version and platform", plat, p.URI)
		}
	}
	for _, want := range []string{"linux/amd64", "linux/arm64"} {
		if !seen[want] {
			t.Errorf("no platform %s", want)
		}
	}
}
