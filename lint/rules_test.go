package lint

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// baseNames is what a profile must allow so that no runtime rule fires: every syscall
// runc and crun need without no_new_privs, plus exit.
func baseNames(t *testing.T, without ...string) []string {
	t.Helper()
	names := []string{"exit", "exit_group"}
	for _, rt := range ociruntime.Runtimes() {
		need, err := ociruntime.Required(rt, syscalls.X86_64, false)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, need...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return slices.DeleteFunc(names, func(n string) bool { return slices.Contains(without, n) })
}

// mkProfile builds a profile: defaultAction def, x86_64, an allow rule with the base
// names (minus without), then the extra rules given as JSON objects.
func mkProfile(t *testing.T, def string, without []string, extra ...string) *profile.Profile {
	t.Helper()
	base, _ := json.Marshal(baseNames(t, without...))
	rules := append([]string{fmt.Sprintf(`{"names": %s, "action": "SCMP_ACT_ALLOW"}`, base)}, extra...)
	src := fmt.Sprintf(`{"defaultAction": %q, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [%s]}`, def, strings.Join(rules, ",\n"))
	p, err := profile.Parse("test.json", []byte(src))
	if err != nil {
		t.Fatalf("test profile does not load: %v\n%s", err, src)
	}
	return p
}

type ruleCase struct {
	def     string
	without []string
	extra   []string
	flags   []profile.Flag
	opts    Options
}

// manyConditions returns n conditional rules for sendto, enough past about 1000 for a
// program longer than the kernel's 4096 instructions.
func manyConditions(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf(`{"names": ["sendto"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": %d, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": %d, "op": "SCMP_CMP_GT"}]}`, i, i))
	}
	return out
}

// Every rule has a profile that fires it and a close one that does not.
var ruleCases = map[string]struct{ fires, quiet ruleCase }{
	"SC1001": {
		fires: ruleCase{extra: []string{`{"names": ["opne"], "action": "SCMP_ACT_ALLOW"}`}},
		quiet: ruleCase{extra: []string{`{"names": ["open"], "action": "SCMP_ACT_ALLOW"}`}},
	},
	"SC1002": {
		fires: ruleCase{extra: []string{`{"names": ["poll"], "action": "SCMP_ACT_ALLOW"}`}, opts: Options{Arches: []syscalls.Arch{syscalls.AArch64}}},
		quiet: ruleCase{extra: []string{`{"names": ["poll"], "action": "SCMP_ACT_ALLOW"}`}},
	},
	"SC2001": {
		fires: ruleCase{without: []string{"fstatfs"}},
		quiet: ruleCase{},
	},
	"SC2002": {
		fires: ruleCase{without: []string{"exit_group"}},
		quiet: ruleCase{},
	},
	"SC3001": {
		fires: ruleCase{extra: []string{`{"names": ["chdir"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4096, "op": "SCMP_CMP_EQ"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["fchdir"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]}`}},
	},
	"SC3002": {
		fires: ruleCase{extra: []string{`{"names": ["openat"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 3, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["openat"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 3, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
	},
	"SC3003": {
		fires: ruleCase{extra: []string{`{"names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 2, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 6, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
	},
	"SC3004": {
		fires: ruleCase{extra: []string{`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 0, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 15, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
	},
	"SC3005": {
		fires: ruleCase{extra: []string{`{"names": ["open"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 2, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["open"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 3, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
	},
	"SC3006": {
		fires: ruleCase{extra: []string{`{"names": ["getuid"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 15, "op": "SCMP_CMP_EQ"}]}`}},
	},
	"SC3007": {
		fires: ruleCase{extra: []string{
			`{"names": ["socket"], "action": "SCMP_ACT_ALLOW"}`,
			`{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]}`,
		}},
		quiet: ruleCase{extra: []string{
			`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_NE"}]}`,
		}},
	},
	"SC3008": {
		fires: ruleCase{extra: []string{`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}`}},
		quiet: ruleCase{extra: []string{
			`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}`,
			`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}`,
			`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_EQ"}]}`,
			`{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]}`,
		}},
	},
	"SC3009": {
		fires: ruleCase{extra: []string{`{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_GE"}, {"index": 1, "value": 15, "op": "SCMP_CMP_LE"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_GE"}, {"index": 1, "value": 15, "op": "SCMP_CMP_LE"}]}`}},
	},
	"SC4001": {
		fires: ruleCase{extra: []string{`{"names": ["bpf"], "action": "SCMP_ACT_ALLOW"}`}},
		quiet: ruleCase{extra: []string{`{"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}`}},
	},
	"SC4002": {
		fires: ruleCase{extra: []string{`{"names": ["clone"], "action": "SCMP_ACT_ALLOW"}`}},
		quiet: ruleCase{extra: []string{`{"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}`}},
	},
	"SC5001": {
		fires: ruleCase{def: "SCMP_ACT_ALLOW", extra: []string{`{"names": ["bpf"], "action": "SCMP_ACT_ERRNO"}`}},
		quiet: ruleCase{},
	},
	"SC5002": {
		fires: ruleCase{def: "SCMP_ACT_LOG"},
		quiet: ruleCase{},
	},
	"SC5003": {
		fires: ruleCase{extra: []string{`{"names": ["vhangup"], "action": "SCMP_ACT_ALLOW"}`}},
		quiet: ruleCase{extra: []string{`{"names": ["vhangup"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_TTY_CONFIG"]}}`}},
	},
	"SC5004": {
		fires: ruleCase{def: "SCMP_ACT_KILL"},
		quiet: ruleCase{def: "SCMP_ACT_KILL_PROCESS"},
	},
	"SC6001": {
		fires: ruleCase{extra: []string{`{"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}`}, opts: Options{Runtimes: []string{"containerd"}}},
		quiet: ruleCase{extra: []string{`{"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}`}, opts: Options{Runtimes: []string{"cri-o"}}},
	},
	"SC6002": {
		fires: ruleCase{extra: []string{`{"names": ["acct"], "action": "SCMP_ACT_NOTIFY"}`}, opts: Options{Runtimes: []string{"runc"}}},
		quiet: ruleCase{extra: []string{`{"names": ["acct"], "action": "SCMP_ACT_NOTIFY"}`}, opts: Options{Runtimes: []string{"crun"}}},
	},
	"SC6003": {
		fires: ruleCase{def: "SCMP_ACT_KILL_PROCESS", opts: Options{Kernel: "4.9.0-13-amd64"}},
		quiet: ruleCase{def: "SCMP_ACT_KILL_PROCESS", opts: Options{Kernel: "5.10.0-20-amd64"}},
	},
	"SC6004": {
		fires: ruleCase{extra: manyConditions(1500)},
		quiet: ruleCase{extra: manyConditions(100)},
	},
	"SC6005": {
		fires: ruleCase{flags: []profile.Flag{profile.FlagWaitKillableRecv}},
		quiet: ruleCase{flags: []profile.Flag{profile.FlagWaitKillableRecv}, extra: []string{`{"names": ["getrandom"], "action": "SCMP_ACT_NOTIFY"}`}},
	},
	"SC6006": {
		fires: ruleCase{extra: []string{`{"names": ["fchmodat"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 4294967297, "op": "SCMP_CMP_LE"}]}`,
			`{"names": ["fchmodat"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 3, "op": "SCMP_CMP_LT"}]}`}},
		quiet: ruleCase{extra: []string{`{"names": ["fchmodat"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 4294967, "op": "SCMP_CMP_LE"}]}`,
			`{"names": ["fchmodat"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 3, "op": "SCMP_CMP_LT"}]}`}},
	},
	"SC7001": {
		fires: ruleCase{extra: []string{`{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}`}},
		quiet: ruleCase{extra: []string{`{"names": ["getrandom"], "action": "SCMP_ACT_ALLOW"}`}},
	},
	"SC7002": {
		fires: ruleCase{extra: []string{`{"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}`}},
		quiet: ruleCase{extra: []string{`{"names": ["getrandom"], "action": "SCMP_ACT_ERRNO"}`}},
	},
	"SC7002/conditional": {
		fires: ruleCase{extra: []string{
			`{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}`,
			`{"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}`,
		}},
		quiet: ruleCase{extra: []string{
			`{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}`,
			`{"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS", "args": [{"index": 1, "value": 19, "op": "SCMP_CMP_EQ"}]}`,
		}},
	},
	"SC7003": {
		fires: ruleCase{extra: []string{`{"names": ["acct"], "action": "SCMP_ACT_ERRNO"}`}},
		quiet: ruleCase{extra: []string{`{"names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}`}},
	},
	"SC7004": {
		fires: ruleCase{},
		quiet: ruleCase{},
	},
	"SC8001": {
		fires: ruleCase{opts: Options{Reachable: []Reachable{{Arch: syscalls.Native(), Name: "sendfile", Binary: "/usr/sbin/srv", Why: "reachable from sendfile64 in libc.so.6"}}}},
		quiet: ruleCase{opts: Options{Reachable: []Reachable{{Arch: syscalls.Native(), Name: "getpid", Binary: "/usr/sbin/srv", Why: "reachable from getpid in libc.so.6"}}}},
	},
}

func (c ruleCase) profile(t *testing.T) *profile.Profile {
	def := c.def
	if def == "" {
		def = "SCMP_ACT_ERRNO"
	}
	p := mkProfile(t, def, c.without, c.extra...)
	p.Flags = c.flags
	return p
}

func idsOf(fs []Finding, id string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == id {
			out = append(out, f)
		}
	}
	return out
}

func TestEveryRuleFiresAndStaysQuiet(t *testing.T) {
	for _, r := range Rules() {
		c, ok := ruleCases[r.ID]
		if !ok {
			t.Errorf("%s has no test case", r.ID)
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			var fires *profile.Profile
			if r.ID == "SC7004" {
				p, err := profile.Parse("nothing.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_KILL_PROCESS"}]}`))
				if err != nil {
					t.Fatal(err)
				}
				fires = p
			} else {
				fires = c.fires.profile(t)
			}
			fs, err := Lint(fires, c.fires.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := idsOf(fs, r.ID)
			if len(got) == 0 {
				t.Errorf("does not fire; findings: %v", fs)
			}
			for _, f := range got {
				if f.Line == 0 || f.File != fires.Source.File {
					t.Errorf("finding without a source position: %+v", f)
				}
				if f.Message == "" {
					t.Errorf("empty message: %+v", f)
				}
			}
			fs, err = Lint(c.quiet.profile(t), c.quiet.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(fs, r.ID); len(got) > 0 {
				t.Errorf("fires on the quiet profile: %v", got)
			}
		})
	}
}

func TestConflictingConditionsAreErrors(t *testing.T) {
	c := ruleCases["SC7002/conditional"]
	fs, err := Lint(c.fires.profile(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := idsOf(fs, "SC7002")
	if len(got) != 1 || got[0].Severity != Error || !strings.Contains(got[0].Message, "file exists") {
		t.Errorf("SC7002 = %v", got)
	}
	fs, _ = Lint(c.quiet.profile(t), Options{})
	if got := idsOf(fs, "SC7002"); len(got) != 0 {
		t.Errorf("different conditions reported as a conflict: %v", got)
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] || seen[r.Name] {
			t.Errorf("duplicate rule %s %s", r.ID, r.Name)
		}
		seen[r.ID], seen[r.Name] = true, true
		if !strings.HasPrefix(r.ID, "SC") || len(r.ID) != 6 {
			t.Errorf("bad ID %q", r.ID)
		}
		if r.Summary == "" || r.Why == "" || r.Fix == "" {
			t.Errorf("%s: summary, why and fix are all required", r.ID)
		}
	}
	if r, ok := Lookup("sc2001"); !ok || r.ID != "SC2001" {
		t.Errorf("Lookup is not case-insensitive")
	}
}

func TestDisable(t *testing.T) {
	p := mkProfile(t, "SCMP_ACT_ERRNO", []string{"fstatfs"})
	fs, err := Lint(p, Options{Disable: []string{"SC2001"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(idsOf(fs, "SC2001")) != 0 {
		t.Errorf("SC2001 reported although disabled")
	}
	if _, err := Lint(p, Options{Disable: []string{"SC9999"}}); err == nil {
		t.Errorf("unknown rule in Disable accepted")
	}
	if _, err := Lint(p, Options{Runtimes: []string{"docker"}}); err == nil {
		t.Errorf("unknown runtime accepted")
	}
}

func TestNoNewPrivsNeedsFewerSyscalls(t *testing.T) {
	// Without setuid, runc cannot switch users when it installs the filter first
	// (no_new_privs=false) but does not need it with no_new_privs.
	p := mkProfile(t, "SCMP_ACT_ERRNO", []string{"setuid", "setresuid"})
	withNNP, err := Lint(p, Options{NoNewPrivs: true})
	if err != nil {
		t.Fatal(err)
	}
	without, err := Lint(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(idsOf(without, "SC2001")) == 0 || len(idsOf(withNNP, "SC2001")) != 0 {
		t.Errorf("SC2001 without nnp: %v; with nnp: %v", idsOf(without, "SC2001"), idsOf(withNNP, "SC2001"))
	}
}

func TestRuntimeSelection(t *testing.T) {
	// crun needs setresuid, runc setuid: each runtime reports only its own.
	p := mkProfile(t, "SCMP_ACT_ERRNO", []string{"setresuid"})
	runc, _ := Lint(p, Options{Runtimes: []string{"runc"}})
	crun, _ := Lint(p, Options{Runtimes: []string{"crun"}})
	if len(idsOf(runc, "SC2001")) != 0 {
		t.Errorf("runc does not need setresuid: %v", runc)
	}
	if got := idsOf(crun, "SC2001"); len(got) != 1 || !strings.Contains(got[0].Message, "crun 1.8.1 calls setresuid") {
		t.Errorf("crun: %v", got)
	}
}
