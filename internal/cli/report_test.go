package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/report"
)

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"defaultAction\": \"SCMP_ACT_NOPE\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := "../../lint/testdata/profiles/seed-minimal.json"
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		out     string // the output that must not exist afterwards
		message string
	}{
		{"profile does not load", []string{"report", bad, "-o", filepath.Join(dir, "a.html")}, filepath.Join(dir, "a.html"), "bad.json:1:"},
		{"baseline does not load", []string{"report", good, "--baseline", bad, "-o", filepath.Join(dir, "b.html")}, filepath.Join(dir, "b.html"), "bad.json:1:"},
		{"old does not load", []string{"report", good, "--old", bad, "-o", filepath.Join(dir, "c.html")}, filepath.Join(dir, "c.html"), "bad.json:1:"},
		{"missing profile", []string{"report", filepath.Join(dir, "none.json"), "-o", filepath.Join(dir, "d.html")}, filepath.Join(dir, "d.html"), "none.json"},
		{"output directory missing", []string{"report", good, "-o", filepath.Join(dir, "no", "such", "r.html")}, filepath.Join(dir, "no"), "no such file or directory"},
		{"unknown format", []string{"report", good, "--format", "pdf", "-o", filepath.Join(dir, "e.html")}, filepath.Join(dir, "e.html"), "--format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := execCLI(t, "", tc.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, ExitUsage, errOut)
			}
			if !strings.Contains(errOut, tc.message) || strings.Count(strings.TrimSpace(errOut), "\n") > 2 {
				t.Errorf("stderr %q, want a short message naming %q", errOut, tc.message)
			}
			if _, err := os.Stat(tc.out); !os.IsNotExist(err) {
				t.Errorf("%s exists after a failed run", tc.out)
			}
		})
	}
	if os.Geteuid() != 0 { // root writes into read-only directories
		_, errOut, code := execCLI(t, "", "report", good, "-o", filepath.Join(ro, "r.html"))
		if code != ExitUsage || !strings.Contains(errOut, "writing the report") {
			t.Errorf("read-only directory: exit %d, %s", code, errOut)
		}
		if ents, _ := os.ReadDir(ro); len(ents) > 0 {
			t.Errorf("left %v behind", ents)
		}
	}
}

func TestReportJSONAndStdout(t *testing.T) {
	out, errOut, code := execCLI(t, "", "report", "../../lint/testdata/profiles/seed-conditional.json", "--old", "../../lint/testdata/profiles/seed-minimal.json", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Changes == nil || !r.Changes.Different || len(r.Syscalls) == 0 || !strings.HasPrefix(r.Verdict, "allows 3 of the runtime default's") {
		t.Errorf("report: changes %v, %d syscalls, verdict %q", r.Changes, len(r.Syscalls), r.Verdict)
	}
	// A device is written in place, not replaced by a rename.
	_, errOut, code = execCLI(t, "", "report", "../../lint/testdata/profiles/seed-minimal.json", "-o", os.DevNull)
	if code != 0 {
		t.Fatalf("-o %s: exit %d: %s", os.DevNull, code, errOut)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, fi, err)
	}
}
