package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffExitCodes(t *testing.T) {
	a := seedDir + "seed-minimal.json"
	b := seedDir + "seed-configmap-minimal.json"
	if _, _, code := execCLI(t, "", "diff", a, a); code != 0 {
		t.Errorf("same profile: code %d", code)
	}
	out, _, code := execCLI(t, "", "diff", b, a)
	if code != ExitFindings || !strings.Contains(out, "+ SCMP_ACT_ALLOW (24)") {
		t.Errorf("code %d\n%s", code, out)
	}
	out, _, _ = execCLI(t, "", "diff", "--format", "json", b, a)
	var res struct {
		Different bool
		Arches    []struct{ Added []struct{ Syscalls []string } }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Different || len(res.Arches) == 0 {
		t.Errorf("json: %v %+v", err, res)
	}
	if _, errOut, code := execCLI(t, "", "diff", a); code != ExitUsage || errOut == "" {
		t.Errorf("one argument: code %d", code)
	}
}

func TestCompareVerb(t *testing.T) {
	out, _, code := execCLI(t, "", "compare", seedDir+"seed-minimal.json")
	if code != 0 || !strings.Contains(out, "vs runtime-default") || !strings.Contains(out, "narrower") {
		t.Errorf("code %d\n%s", code, out)
	}
	out, _, code = execCLI(t, "", "compare", "--baseline", seedDir+"docker-default-20.10.24.json", "--format", "json", seedDir+"seed-minimal.json")
	var cs []struct{ Narrower float64 }
	if err := json.Unmarshal([]byte(out), &cs); err != nil || code != 0 || len(cs) != 1 || cs[0].Narrower <= 0.5 {
		t.Errorf("code %d err %v %+v", code, err, cs)
	}
	if _, _, code := execCLI(t, "", "compare", "--arch", "vax", seedDir+"seed-minimal.json"); code != ExitUsage {
		t.Errorf("bad arch: code %d", code)
	}
}

func TestMergeVerb(t *testing.T) {
	dir := t.TempDir()
	outPath := filepath.Join(dir, "merged.json")
	_, errOut, code := execCLI(t, "", "merge", seedDir+"seed-minimal.json", seedDir+"seed-configmap-minimal.json", "-o", outPath)
	if code != 0 || !strings.Contains(errOut, "merged 2 allowlists") {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
	data, err := os.ReadFile(outPath)
	if err != nil || !strings.Contains(string(data), "allowed by all 2 inputs") {
		t.Errorf("%v\n%s", err, data)
	}
	// The merged profile loads and lints.
	if _, errOut, code := execCLI(t, "", "lint", "--fail-on", "never", outPath); code != 0 {
		t.Errorf("lint of the merge: code %d %s", code, errOut)
	}
	_, errOut, code = execCLI(t, "", "merge", seedDir+"seed-minimal.json", seedDir+"seed-audit.json", "-o", filepath.Join(dir, "x.json"))
	if code != ExitUsage || !strings.Contains(errOut, "allowlist and denylist") {
		t.Errorf("mixed: code %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.json")); !os.IsNotExist(err) {
		t.Errorf("a failed merge wrote its output")
	}
}
