package merge

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/internal/goldenfile"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

var update = goldenfile.Update

func parse(t *testing.T, name, src string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ruleFor(p *profile.Profile, name string) []profile.Rule {
	var out []profile.Rule
	for _, r := range p.Syscalls {
		if slices.Contains(r.Names, name) {
			out = append(out, r)
		}
	}
	return out
}

var x86 = Options{Arch: syscalls.X86_64}

func TestMergeAllowlists(t *testing.T) {
	a := parse(t, "a.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
  {"names": ["read", "write", "openat"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
  {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}`)
	b := parse(t, "b.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_AARCH64"], "syscalls": [
  {"names": ["read", "write", "close"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
  {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`)
	c := parse(t, "c.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
  {"names": ["read", "socket"], "action": "SCMP_ACT_ALLOW"}]}`)

	out, rep, err := Merge([]*profile.Profile{a, b}, x86)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Allowlist || !slices.Equal(out.Architectures, []syscalls.Arch{syscalls.X86_64, syscalls.AArch64}) {
		t.Errorf("allowlist %v arches %v", rep.Allowlist, out.Architectures)
	}
	if r := ruleFor(out, "read"); len(r) != 1 || r[0].Comment != "allowed by all 2 inputs" || len(r[0].Args) != 0 {
		t.Errorf("read: %+v", r)
	}
	if r := ruleFor(out, "openat"); len(r) != 1 || r[0].Comment != "allowed by 1 of 2 inputs: a.json" {
		t.Errorf("openat: %+v", r)
	}
	// Both conditions survive as separate (OR'd) rules.
	if r := ruleFor(out, "socket"); len(r) != 2 || r[0].Args[0].Value != 1 || r[1].Args[0].Value != 2 {
		t.Errorf("socket: %+v", r)
	}
	// Nobody allows clone3: the first input's denial is kept, the conflict noted.
	if r := ruleFor(out, "clone3"); len(r) != 1 || r[0].Action != profile.ActErrno || *r[0].ErrnoRet != 38 {
		t.Errorf("clone3: %+v", r)
	}
	if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.HasPrefix(n, "clone3:") }) {
		t.Errorf("clone3 conflict not noted: %v", rep.Notes)
	}
	if err := out.Validate(); err != nil {
		t.Errorf("merged profile does not validate: %v", err)
	}

	// An unconditional allow wins over conditions.
	out, rep, err = Merge([]*profile.Profile{a, c}, x86)
	if err != nil {
		t.Fatal(err)
	}
	if r := ruleFor(out, "socket"); len(r) != 1 || len(r[0].Args) != 0 || r[0].Comment != "allowed by all 2 inputs" {
		t.Errorf("socket: %+v", r)
	}
	if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, "conditions of a.json are dropped") }) {
		t.Errorf("dropped conditions not noted: %v", rep.Notes)
	}
}

func TestMergeDenylists(t *testing.T) {
	a := parse(t, "a.json", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["bpf", "mount", "ptrace"], "action": "SCMP_ACT_ERRNO"}]}`)
	b := parse(t, "b.json", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["bpf", "mount"], "action": "SCMP_ACT_KILL_PROCESS"}]}`)
	out, rep, err := Merge([]*profile.Profile{a, b}, x86)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Allowlist || len(ruleFor(out, "ptrace")) != 0 {
		t.Errorf("ptrace, allowed by b, is still denied: %+v", out.Syscalls)
	}
	if r := ruleFor(out, "bpf"); len(r) != 1 || r[0].Action != profile.ActErrno || r[0].Comment != "denied by all 2 inputs" {
		t.Errorf("bpf: %+v", r)
	}
	if len(rep.Notes) != 2 {
		t.Errorf("notes: %v", rep.Notes)
	}
}

func TestMergeRefusesMixedDefaults(t *testing.T) {
	a := parse(t, "a.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`)
	b := parse(t, "b.json", `{"defaultAction": "SCMP_ACT_LOG"}`)
	if _, _, err := Merge([]*profile.Profile{a, b}, x86); !errors.Is(err, ErrMixedDefaults) {
		t.Errorf("err = %v", err)
	}
	if _, _, err := Merge(nil, x86); err == nil {
		t.Error("merging nothing succeeded")
	}
}

// Merging the article's three allowlists: golden output.
func TestMergeGolden(t *testing.T) {
	var ps []*profile.Profile
	for _, n := range []string{"seed-minimal.json", "seed-configmap-minimal.json", "seed-conditional.json"} {
		data, err := os.ReadFile("../lint/testdata/profiles/" + n)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, parse(t, n, string(data)))
	}
	out, rep, err := Merge(ps, x86)
	if err != nil {
		t.Fatal(err)
	}
	got, err := out.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Notes {
		got = append(got, []byte("# "+n+"\n")...)
	}
	path := "testdata/seed-merged.json"
	if *update {
		os.WriteFile(path, got, 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("merge differs from %s (go test ./merge -update):\n%s", path, got)
	}
}

func ExampleMerge() {
	a, _ := profile.Parse("run1.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}`))
	b, _ := profile.Parse("run2.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "close"], "action": "SCMP_ACT_ALLOW"}]}`))
	out, _, err := Merge([]*profile.Profile{a, b}, Options{Arch: syscalls.X86_64})
	if err != nil {
		panic(err)
	}
	for _, r := range out.Syscalls {
		fmt.Println(r.Names, r.Comment)
	}
	// Output:
	// [read] allowed by all 2 inputs
	// [write] allowed by 1 of 2 inputs: run1.json
	// [close] allowed by 1 of 2 inputs: run2.json
}
