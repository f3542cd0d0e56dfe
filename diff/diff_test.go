package diff

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/internal/goldenfile"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

var update = goldenfile.Update

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

const profiles = "../lint/testdata/profiles/"

func load(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.Load(profiles + name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func parse(t *testing.T, name, src string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var x86 = Options{Arches: []syscalls.Arch{syscalls.X86_64}}

func TestDiffActionsConditionsAndRisk(t *testing.T) {
	old := parse(t, "old.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
  {"names": ["read", "write", "chmod"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`)
	new := parse(t, "new.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
  {"names": ["read", "write", "bpf", "ptrace"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}`)
	res, err := Diff(old, new, x86)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Different || len(res.Arches) != 1 {
		t.Fatalf("%+v", res)
	}
	a := res.Arches[0]
	wantAdded := []ActionSet{{"SCMP_ACT_ALLOW", []string{"bpf", "ptrace"}}, {"SCMP_ACT_ERRNO(13)", []string{"chmod"}}}
	wantRemoved := []ActionSet{{"SCMP_ACT_ALLOW", []string{"chmod"}}, {"SCMP_ACT_ERRNO(1)", []string{"bpf", "ptrace"}}}
	if !equalSets(a.Added, wantAdded) || !equalSets(a.Removed, wantRemoved) {
		t.Errorf("added %v removed %v", a.Added, a.Removed)
	}
	if len(a.Changed) != 1 || a.Changed[0].Syscall != "socket" || !strings.Contains(a.Changed[0].New, "arg0 == 2") {
		t.Errorf("changed %v", a.Changed)
	}
	if len(res.Risks) != 2 || res.Risks[0].Syscall != "bpf" || res.Risks[0].Severity != lint.Error || res.Risks[1].Syscall != "ptrace" {
		t.Errorf("risks %+v", res.Risks)
	}
	found := false
	for _, f := range res.NewFindings {
		found = found || (f.Rule == "SC4001" && f.Syscall == "bpf")
	}
	if !found {
		t.Errorf("no new SC4001 for bpf in %v", res.NewFindings)
	}
}

func equalSets(a, b []ActionSet) bool {
	return slices.EqualFunc(a, b, func(x, y ActionSet) bool { return x.Action == y.Action && slices.Equal(x.Syscalls, y.Syscalls) })
}

func TestDiffSame(t *testing.T) {
	p := load(t, "docker-default-20.10.24.json")
	res, err := Diff(p, load(t, "docker-default-20.10.24.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Different || len(res.Arches) != 0 || len(res.NewFindings) != 0 {
		t.Errorf("a profile differs from itself: %+v", res)
	}
}

func TestDiffGroupsArches(t *testing.T) {
	// exit_group keeps write below runc's -ENOSYS bound on both architectures, so the
	// change means the same on each.
	old := parse(t, "old.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"], "syscalls": [{"names": ["read", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}`)
	new := parse(t, "new.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"], "syscalls": [{"names": ["read", "exit_group", "write"], "action": "SCMP_ACT_ALLOW"}]}`)
	res, err := Diff(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Arches) != 1 || !slices.Equal(res.Arches[0].Arches, []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"}) {
		t.Errorf("arches %+v", res.Arches)
	}
}

// A syscall newer than every one the profile names gets ENOSYS from runc's stub, not
// the default action; diff says so (it showed the default before the one meaning).
func TestDiffShowsStub(t *testing.T) {
	old := parse(t, "old.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read", "faccessat2"], "action": "SCMP_ACT_ALLOW"}]}`)
	new := parse(t, "new.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read", "faccessat"], "action": "SCMP_ACT_ALLOW"}]}`)
	res, err := Diff(old, new, Options{Arches: []syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Arches) != 1 {
		t.Fatalf("arches %+v", res.Arches)
	}
	var got string
	for _, a := range res.Arches[0].Added {
		if slices.Contains(a.Syscalls, "faccessat2") {
			got = a.Action
		}
	}
	if got != stubText {
		t.Errorf("faccessat2 now gets %q, want %q; result %+v", got, stubText, res.Arches[0])
	}
}

func TestDiffGolden(t *testing.T) {
	for _, c := range []struct{ old, new, golden string }{
		{"seed-configmap-minimal.json", "seed-minimal.json", "diff-configmap-minimal.txt"},
		{"docker-default-20.10.24.json", "containers-common-0.50.1.json", "diff-docker-containers-common.txt"},
	} {
		res, err := Diff(load(t, c.old), load(t, c.new), x86)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		WriteText(&buf, res)
		golden(t, c.golden, buf.Bytes())
	}
}

func TestCompare(t *testing.T) {
	p := parse(t, "p.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
  {"names": ["read", "write", "socket", "kexec_load", "clock_gettime"], "action": "SCMP_ACT_ALLOW"}]}`)
	cs, err := Compare(p, profile.RuntimeDefault(), x86)
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	by := map[string]CategoryCount{}
	for _, cc := range c.Categories {
		by[cc.Category] = cc
	}
	if by["file"].Profile != 2 || by["network"].Profile != 1 || by["time"].Profile != 1 || by["privileged"].Profile != 1 {
		t.Errorf("counts %+v", c.Categories)
	}
	if !slices.Equal(by["privileged"].Added, []string{"kexec_load"}) {
		t.Errorf("kexec_load is not reported as allowed only here: %+v", by["privileged"])
	}
	if c.Total.Profile != 5 || c.Total.Baseline < 250 || c.Narrower < 0.9 {
		t.Errorf("total %+v narrower %v", c.Total, c.Narrower)
	}
	if slices.Contains(c.Total.Denied, "read") || !slices.Contains(c.Total.Denied, "openat") {
		t.Errorf("denied list wrong: %v", c.Total.Denied)
	}
}

func TestCompareGolden(t *testing.T) {
	cs, err := Compare(load(t, "seed-minimal.json"), load(t, "docker-default-20.10.24.json"), x86)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	WriteCompareText(&buf, cs)
	golden(t, "compare-seed-minimal-docker.txt", buf.Bytes())
}

func TestCategoriesCoverEveryX86Syscall(t *testing.T) {
	other := 0
	for _, e := range syscalls.Table(syscalls.X86_64) {
		if Category(e.Name) == "other" {
			other++
		}
	}
	// A handful of new or exotic calls may stay uncategorised; most must not.
	if n := len(syscalls.Table(syscalls.X86_64)); other > n/10 {
		t.Errorf("%d of %d x86_64 syscalls have no category", other, n)
	}
	for name, cat := range map[string]string{"mount": "privileged", "openat": "file", "connect": "network",
		"execve": "process", "mmap": "memory", "futex": "ipc", "nanosleep": "time", "kill": "signals"} {
		if got := Category(name); got != cat {
			t.Errorf("Category(%s) = %s, want %s", name, got, cat)
		}
	}
}
