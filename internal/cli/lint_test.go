package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

const seedDir = "../../lint/testdata/profiles/"

func TestLintExitCodes(t *testing.T) {
	// The article's minimal profile cannot start under runc: exit 1 with the finding.
	out, _, code := execCLI(t, "", "lint", "--runtime", "runc", seedDir+"seed-minimal.json")
	if code != ExitFindings || !strings.Contains(out, "error SC2001: runc 1.1.5 calls execve") {
		t.Errorf("code %d, stdout:\n%s", code, out)
	}
	// Docker's default has warnings only: exit 0 unless --fail-on warning.
	if _, _, code := execCLI(t, "", "lint", seedDir+"docker-default-20.10.24.json"); code != 0 {
		t.Errorf("docker default: code %d", code)
	}
	if _, _, code := execCLI(t, "", "lint", "--fail-on", "warning", seedDir+"docker-default-20.10.24.json"); code != ExitFindings {
		t.Errorf("docker default --fail-on warning: code %d", code)
	}
	if _, _, code := execCLI(t, "", "lint", "--fail-on", "never", seedDir+"seed-minimal.json"); code != 0 {
		t.Errorf("--fail-on never: code %d", code)
	}
}

func TestLintUsage(t *testing.T) {
	for _, args := range [][]string{
		{"lint"},
		{"lint", "--runtime", "docker", seedDir + "seed-minimal.json"},
		{"lint", "--arch", "vax", seedDir + "seed-minimal.json"},
		{"lint", "--fail-on", "sometimes", seedDir + "seed-minimal.json"},
		{"lint", "--format", "xml", seedDir + "seed-minimal.json"},
		{"lint", "--explain", "SC9999"},
		{"lint", "no-such-file.json"},
	} {
		if _, errOut, code := execCLI(t, "", args...); code != ExitUsage || errOut == "" {
			t.Errorf("%v: code %d, stderr %q", args, code, errOut)
		}
	}
}

func TestLintBadProfileNamesLocation(t *testing.T) {
	path := writeTemp(t, "bad.json", "{\n  \"defaultAction\": \"SCMP_ACT_EROR\"\n}\n")
	_, errOut, code := execCLI(t, "", "lint", path)
	if code != ExitUsage || !strings.Contains(errOut, path+":2:") {
		t.Errorf("code %d, stderr %q", code, errOut)
	}
}

func TestLintExplainAndList(t *testing.T) {
	out, _, code := execCLI(t, "", "lint", "--explain", "sc2002")
	if code != 0 || !strings.Contains(out, "SC2002 exit-denied") || !strings.Contains(out, "85191") {
		t.Errorf("code %d, stdout:\n%s", code, out)
	}
	out, _, _ = execCLI(t, "", "lint", "--list-rules")
	if !strings.Contains(out, "SC3005") || !strings.Contains(out, "SC7004") {
		t.Errorf("--list-rules:\n%s", out)
	}
}

func TestLintFormats(t *testing.T) {
	out, _, code := execCLI(t, "", "lint", "--format", "json", seedDir+"seed-conditional.json")
	var r struct {
		Findings []struct{ Rule string }
		Summary  struct{ Errors int }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != ExitFindings || r.Summary.Errors == 0 {
		t.Errorf("json: code %d, err %v, %+v", code, err, r.Summary)
	}
	out, _, _ = execCLI(t, "", "lint", "--format", "sarif", "--fail-on", "never", seedDir+"seed-conditional.json")
	var log struct {
		Version string
		Runs    []struct{ Results []struct{ RuleID string } }
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || log.Version != "2.1.0" || len(log.Runs[0].Results) != len(r.Findings) {
		t.Errorf("sarif: err %v, %+v", err, log)
	}
}

func TestLintStdinAndDisable(t *testing.T) {
	in := `{"defaultAction": "SCMP_ACT_LOG"}`
	out, _, code := execCLI(t, in, "lint", "-")
	if code != 0 || !strings.Contains(out, "<stdin>") || !strings.Contains(out, "SC5002") {
		t.Errorf("code %d, stdout:\n%s", code, out)
	}
	out, _, _ = execCLI(t, in, "lint", "--disable", "SC5002,SC5003", "-")
	if strings.Contains(out, "SC5002") {
		t.Errorf("--disable ignored:\n%s", out)
	}
}
