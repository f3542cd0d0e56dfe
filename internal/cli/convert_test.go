package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccompctl/seccompctl/profile"
)

func allowed(s *specs.LinuxSeccomp) []string {
	var names []string
	for _, r := range s.Syscalls {
		if r.Action == specs.ActAllow {
			names = append(names, r.Names...)
		}
	}
	return names
}

func convertOCI(t *testing.T, args ...string) *specs.LinuxSeccomp {
	t.Helper()
	out, errOut, code := execCLI(t, "", append([]string{"convert", "--from", "runtime-default", "--to", "oci"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("output is not a LinuxSeccomp: %v", err)
	}
	return &s
}

func TestConvertRuntimeDefaultDocker(t *testing.T) {
	out, errOut, code := execCLI(t, "", "convert", "--from", "runtime-default", "--to", "docker")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p, err := profile.Parse("out.json", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := profile.RuntimeDefault()
	p.Source, want.Source = nil, nil
	if !reflect.DeepEqual(p, want) {
		t.Errorf("convert --to docker of the runtime default differs from profile.RuntimeDefault()")
	}
	if len(p.ArchMap) == 0 {
		t.Errorf("without --caps/--arch/--kernel the profile should stay unresolved")
	}
}

func TestConvertOCIResolves(t *testing.T) {
	s := convertOCI(t, "--arch", "x86_64", "--caps", "none", "--kernel", "6.1")
	if want := []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}; !reflect.DeepEqual(s.Architectures, want) {
		t.Errorf("architectures = %v, want %v", s.Architectures, want)
	}
	names := allowed(s)
	if !slices.Contains(names, "arch_prctl") || slices.Contains(names, "mount") || slices.Contains(names, "chroot") {
		t.Errorf("x86_64 without caps: arch_prctl allowed %v, mount %v, chroot %v",
			slices.Contains(names, "arch_prctl"), slices.Contains(names, "mount"), slices.Contains(names, "chroot"))
	}

	s = convertOCI(t, "--arch", "aarch64", "--caps", "default,SYS_ADMIN", "--kernel", "6.1.0-18-arm64")
	if want := []specs.Arch{specs.ArchAARCH64, specs.ArchARM}; !reflect.DeepEqual(s.Architectures, want) {
		t.Errorf("architectures = %v, want %v", s.Architectures, want)
	}
	names = allowed(s)
	if slices.Contains(names, "arch_prctl") || !slices.Contains(names, "mount") || !slices.Contains(names, "chroot") {
		t.Errorf("aarch64 with default caps + SYS_ADMIN: arch_prctl %v, mount %v, chroot %v",
			slices.Contains(names, "arch_prctl"), slices.Contains(names, "mount"), slices.Contains(names, "chroot"))
	}
}

func TestConvertSPO(t *testing.T) {
	in := writeTemp(t, "web.json", `{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
		"syscalls": [{"name": "read", "action": "SCMP_ACT_ALLOW"}, {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}`)
	outFile := filepath.Join(t.TempDir(), "out.yaml")
	out, errOut, code := execCLI(t, "", "convert", in, "--to", "spo", "--arch", "amd64", "--namespace", "prod", "-o", outFile)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: web
  namespace: prod
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures:
    - SCMP_ARCH_X86_64
    - SCMP_ARCH_X86
  syscalls:
    - names:
        - read
      action: SCMP_ACT_ALLOW
`
	if string(data) != want {
		t.Errorf("got:\n%s\nwant:\n%s", data, want)
	}
}

func TestConvertMultiDocument(t *testing.T) {
	in := writeTemp(t, "sp.yaml", `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata: {name: a}
spec: {defaultAction: SCMP_ACT_LOG}
---
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata: {name: b}
spec: {defaultAction: SCMP_ACT_KILL_PROCESS}
`)
	_, errOut, code := execCLI(t, "", "convert", in, "--to", "docker")
	if code != ExitUsage || !strings.Contains(errOut, "holds 2 profiles (a, b): choose one with --profile NAME") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	out, errOut, code := execCLI(t, "", "convert", in, "--to", "docker", "--profile", "b")
	if code != 0 || out != "{\n  \"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"\n}\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = execCLI(t, "", "convert", in, "--to", "spo")
	if code != 0 || strings.Count(out, "kind: SeccompProfile") != 2 || !strings.Contains(out, "\n---\n") {
		t.Errorf("--to spo of two profiles: exit %d\n%s", code, out)
	}
}

func TestConvertErrors(t *testing.T) {
	good := writeTemp(t, "p.json", tidyProfile)
	bad := writeTemp(t, "bad.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 7, "op": "SCMP_CMP_EQ"}]}]}`)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no --to", []string{"convert", good}, "seccompctl: --to is required (docker, oci or spo)\n"},
		{"bad --to", []string{"convert", good, "--to", "json"}, "seccompctl: unknown --to \"json\" (want docker, oci or spo)\n"},
		{"no input", []string{"convert", "--to", "oci"}, "seccompctl: name a FILE (\"-\" for stdin) or use --from runtime-default\n"},
		{"file and --from", []string{"convert", good, "--from", "runtime-default", "--to", "oci"}, "seccompctl: give a FILE or --from, not both\n"},
		{"bad --from", []string{"convert", "--from", "docker", "--to", "oci"}, "seccompctl: unknown --from \"docker\" (want \"runtime-default\")\n"},
		{"bad --caps", []string{"convert", good, "--to", "oci", "--caps", "CAP_SYS_ADMN"}, "seccompctl: --caps: unknown capability \"CAP_SYS_ADMN\"\n"},
		{"bad --arch", []string{"convert", good, "--to", "oci", "--arch", "vax"}, "seccompctl: --arch: unknown architecture \"vax\"\n"},
		{"bad --kernel", []string{"convert", good, "--to", "oci", "--kernel", "six"}, "seccompctl: --kernel: invalid kernel release \"six\" (want e.g. 6.1 or 6.1.0-18-amd64)\n"},
		{"bad profile", []string{"convert", bad, "--to", "oci"}, bad + ":1:117: syscalls[0].args[0].index: argument index 7 out of range (0 to 5)\n"},
		{"missing file", []string{"convert", filepath.Join(filepath.Dir(good), "nope.json"), "--to", "oci"}, "seccompctl: open " + filepath.Join(filepath.Dir(good), "nope.json") + ": no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := execCLI(t, "", tt.args...)
			if code != ExitUsage || errOut != tt.wantErr || out != "" {
				t.Errorf("exit %d, stdout %q\nstderr %q\nwant   %q", code, out, errOut, tt.wantErr)
			}
		})
	}
}

func TestConvertStdin(t *testing.T) {
	out, errOut, code := execCLI(t, "defaultAction: SCMP_ACT_LOG\n", "convert", "-", "--to", "oci", "--arch", "riscv64")
	want := "{\n  \"defaultAction\": \"SCMP_ACT_LOG\"\n}\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
