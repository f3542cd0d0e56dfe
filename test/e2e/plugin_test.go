//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubectlPlugin: installed as kubectl-seccomp on PATH, the binary runs as
// `kubectl seccomp ...`, and its exit codes come through kubectl.
func TestKubectlPlugin(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(seccompctlBin, filepath.Join(dir, "kubectl-seccomp")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))

	plugins := kubectl(t, "", "plugin", "list")
	if !strings.Contains(plugins.Stdout, "kubectl-seccomp") {
		t.Fatalf("kubectl plugin list does not find kubectl-seccomp: %s", plugins)
	}
	help := must(t, kubectl(t, "", "seccomp", "--help"), "kubectl seccomp --help")
	if !strings.Contains(help.Stdout, "kubectl seccomp") {
		t.Errorf("help does not call itself `kubectl seccomp`:\n%s", help.Stdout)
	}
	if r := kubectl(t, "", "seccomp", "lint", "--runtime", "runc", "testdata/seed-configmap-minimal.json"); r.Code != 1 {
		t.Errorf("kubectl seccomp lint on the article's minimal profile: want exit 1, got %s", r)
	}
}
