package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const messyProfile = `{"syscalls":[{"action":"SCMP_ACT_ALLOW","names":["read","write"]}],
	"defaultAction":"SCMP_ACT_ERRNO"}`

const tidyProfile = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {
      "names": [
        "read",
        "write"
      ],
      "action": "SCMP_ACT_ALLOW"
    }
  ]
}
`

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFmtStdout(t *testing.T) {
	path := writeTemp(t, "p.json", messyProfile)
	out, errOut, code := execCLI(t, "", "fmt", path)
	if code != 0 || out != tidyProfile || errOut != "" {
		t.Errorf("code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The file is untouched without -w.
	if data, _ := os.ReadFile(path); string(data) != messyProfile {
		t.Errorf("fmt without -w changed the file")
	}
}

func TestFmtStdin(t *testing.T) {
	out, _, code := execCLI(t, messyProfile, "fmt")
	if code != 0 || out != tidyProfile {
		t.Errorf("code %d, stdout:\n%s", code, out)
	}
}

func TestFmtWrite(t *testing.T) {
	path := writeTemp(t, "p.json", messyProfile)
	out, errOut, code := execCLI(t, "", "fmt", "-w", path)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
	data, _ := os.ReadFile(path)
	if string(data) != tidyProfile {
		t.Errorf("file after -w:\n%s", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("-w changed the mode to %v", fi.Mode().Perm())
	}
}

func TestFmtCheck(t *testing.T) {
	tidy := writeTemp(t, "tidy.json", tidyProfile)
	messy := writeTemp(t, "messy.json", messyProfile)
	out, errOut, code := execCLI(t, "", "fmt", "--check", tidy, messy)
	if code != ExitFindings || out != messy+"\n" || errOut != "" {
		t.Errorf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
	if data, _ := os.ReadFile(messy); string(data) != messyProfile {
		t.Errorf("--check changed the file")
	}
	if _, _, code := execCLI(t, "", "fmt", "--check", tidy); code != 0 {
		t.Errorf("--check on a normalised file: exit %d", code)
	}
}

func TestFmtYAMLAndSPOKeepTheirFormat(t *testing.T) {
	yml := writeTemp(t, "p.yaml", "defaultAction: SCMP_ACT_LOG\nsyscalls:\n- {names: [read], action: SCMP_ACT_ALLOW}\n")
	out, _, code := execCLI(t, "", "fmt", yml)
	want := "defaultAction: SCMP_ACT_LOG\nsyscalls:\n  - names:\n      - read\n    action: SCMP_ACT_ALLOW\n"
	if code != 0 || out != want {
		t.Errorf("YAML: code %d, got:\n%s\nwant:\n%s", code, out, want)
	}
	spo := writeTemp(t, "sp.yaml", "kind: SeccompProfile\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nmetadata: {name: a, uid: 123}\nspec: {defaultAction: SCMP_ACT_LOG}\nstatus: {status: Installed}\n")
	out, _, code = execCLI(t, "", "fmt", spo)
	want = "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: a\nspec:\n  defaultAction: SCMP_ACT_LOG\n"
	if code != 0 || out != want {
		t.Errorf("SPO: code %d, got:\n%s\nwant:\n%s", code, out, want)
	}
}

func TestFmtBadInput(t *testing.T) {
	bad := writeTemp(t, "bad.json", "{\n  \"defaultAction\": \"SCMP_ACT_ALOW\",\n  \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_ALLOW\"}]\n}\n")
	good := writeTemp(t, "good.json", messyProfile)
	out, errOut, code := execCLI(t, "", "fmt", "-w", bad, good)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	wantErr := bad + `:2:20: defaultAction: unknown action "SCMP_ACT_ALOW" (did you mean SCMP_ACT_ALLOW?)` + "\n" +
		bad + ":3:26: syscalls[0].names: rule names no syscalls\n"
	if errOut != wantErr || out != "" {
		t.Errorf("stderr:\n%s\nwant:\n%s\nstdout: %q", errOut, wantErr, out)
	}
	// The good file is still formatted; the bad one is left alone.
	if data, _ := os.ReadFile(good); string(data) != tidyProfile {
		t.Errorf("the loadable file was not formatted")
	}
	if _, errOut, code := execCLI(t, "", "fmt", filepath.Join(t.TempDir(), "missing.json")); code != ExitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}

func TestFmtUsage(t *testing.T) {
	path := writeTemp(t, "p.json", tidyProfile)
	if _, errOut, code := execCLI(t, "", "fmt", "-w", "--check", path); code != ExitUsage || errOut == "" {
		t.Errorf("-w with --check: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := execCLI(t, "", "fmt", "-w"); code != ExitUsage || !strings.Contains(errOut, "stdin") {
		t.Errorf("-w on stdin: exit %d, stderr %q", code, errOut)
	}
}

func TestFmtMixedDocuments(t *testing.T) {
	mixed := writeTemp(t, "mixed.yaml", "defaultAction: SCMP_ACT_LOG\n---\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: a}\nspec: {defaultAction: SCMP_ACT_LOG}\n")
	_, errOut, code := execCLI(t, "", "fmt", "--check", mixed)
	if code != ExitUsage || errOut != mixed+": mixes SeccompProfile resources and plain profiles; split the file\n" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// fmt -w on YAML keeps the file's comments.
func TestFmtWriteKeepsYAMLComments(t *testing.T) {
	path := writeTemp(t, "p.yaml", "# why this profile\ndefaultAction: SCMP_ACT_ERRNO\nsyscalls:\n  - names: [read, write] # I/O only\n    action: SCMP_ACT_ALLOW\n")
	if _, errOut, code := execCLI(t, "", "fmt", "-w", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(path)
	for _, c := range []string{"# why this profile", "# I/O only"} {
		if !strings.Contains(string(data), c) {
			t.Errorf("comment %q dropped:\n%s", c, data)
		}
	}
	if _, _, code := execCLI(t, "", "fmt", "--check", path); code != 0 {
		t.Errorf("fmt --check after fmt -w: exit %d\n%s", code, data)
	}
}
