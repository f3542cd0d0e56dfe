package cli

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
)

const dockerProfile = "../../filter/testdata/profiles/docker-default-20.10.24.json"

// TestCompileFormats checks that asm, bpf, c and json all carry the same program.
func TestCompileFormats(t *testing.T) {
	out, errOut, code := execCLI(t, "", "compile", dockerProfile, "--arch", "x86_64,x86,x32", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var j compileJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	if strings.Join(j.Arches, ",") != "SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32" || len(j.Instructions) < 100 {
		t.Fatalf("arches %v, %d instructions", j.Arches, len(j.Instructions))
	}
	var want bpf.Program
	for _, ins := range j.Instructions {
		want = append(want, bpf.Instruction{Op: ins.Code, Jt: ins.Jt, Jf: ins.Jf, K: ins.K})
	}
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}

	asm, errOut, code := execCLI(t, "", "compile", dockerProfile, "--arch", "x86_64,x86,x32")
	if code != 0 {
		t.Fatalf("asm: exit %d: %s", code, errOut)
	}
	got, err := bpf.Assemble(asm)
	if err != nil {
		t.Fatalf("the asm output does not assemble: %v", err)
	}
	if !equalPrograms(got, want) || !strings.Contains(asm, "; arch x86_64/x32") {
		t.Errorf("asm output differs from the json program or lacks annotations:\n%s", asm)
	}

	bin := filepath.Join(t.TempDir(), "docker.bpf")
	if _, errOut, code := execCLI(t, "", "compile", dockerProfile, "--arch", "x86_64,x86,x32", "--format", "bpf", "-o", bin); code != 0 {
		t.Fatalf("bpf: exit %d: %s", code, errOut)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := bpf.Decode(raw, binary.LittleEndian); err != nil || !equalPrograms(got, want) {
		t.Errorf("the bpf output differs from the json program (%v)", err)
	}

	c, _, code := execCLI(t, "", "compile", dockerProfile, "--arch", "x86_64,x86,x32", "--format", "c")
	if code != 0 || !strings.Contains(c, "struct sock_filter seccomp_filter[]") ||
		!strings.Contains(c, fmt.Sprintf(".len = %d,", len(want))) || strings.Count(c, "/* 0") != len(want) {
		t.Errorf("c output:\n%s", c)
	}
}

func equalPrograms(a, b bpf.Program) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCompileStatsAndWarnings(t *testing.T) {
	p := writeTemp(t, "p.json", `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    {"names": ["read", "write", "nosuchcall"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}
  ]
}`)
	out, errOut, code := execCLI(t, "", "compile", p, "--stats", "-o", filepath.Join(t.TempDir(), "p.asm"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"program: ", "CACHEABLE", "x86_64  2 "} {
		if !strings.Contains(out, want) {
			t.Errorf("stats lack %q:\n%s", want, out)
		}
	}
	for _, want := range []string{p + ":5:5: syscalls[0]: warning: unknown syscall \"nosuchcall\"", "syscalls[1]: warning: two conditions test the same argument"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("warnings lack %q:\n%s", want, errOut)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	var rules []string
	for i := 0; i < 300; i++ {
		rules = append(rules, fmt.Sprintf(`{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [
			{"index": 0, "value": %d, "op": "SCMP_CMP_GT"}, {"index": 1, "value": %d, "op": "SCMP_CMP_LT"},
			{"index": 2, "value": %d, "op": "SCMP_CMP_MASKED_EQ", "valueTwo": 1}]}`, i<<33|7, i<<34|5, i<<35|1))
	}
	huge := writeTemp(t, "huge.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [`+strings.Join(rules, ",")+`]}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown arch", []string{"compile", dockerProfile, "--arch", "vax"}, "--arch"},
		{"unknown format", []string{"compile", dockerProfile, "--format", "elf"}, "--format"},
		{"unknown cap", []string{"compile", dockerProfile, "--caps", "CAP_FLY"}, "unknown capability"},
		{"missing file", []string{"compile", "/nonexistent.json"}, "nonexistent.json"},
		{"too long", []string{"compile", huge, "--arch", "x86_64"}, "longer than 4096"},
		{"mixed byte orders", []string{"compile", dockerProfile, "--arch", "x86_64,s390x"}, "byte orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := execCLI(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", code, errOut, tt.want)
			}
		})
	}
}
