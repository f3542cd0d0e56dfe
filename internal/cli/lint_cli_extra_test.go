package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLintUnloadableFileHasNoPassingSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"defaultAction": "SCMP_ACT_ALOW"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := execCLI(t, "", "lint", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if strings.Contains(out, "0 errors") {
		t.Errorf("stdout claims a clean result for a file that did not load: %q", out)
	}
	if !strings.Contains(errOut, `unknown action "SCMP_ACT_ALOW" (did you mean SCMP_ACT_ALLOW?)`) {
		t.Errorf("stderr %q lacks the load error", errOut)
	}
}
