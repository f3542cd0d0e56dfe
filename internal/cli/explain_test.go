package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/filter"
)

func TestExplain(t *testing.T) {
	x86only := writeTemp(t, "x86_64.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["getpid", "uname"], "action": "SCMP_ACT_ALLOW"},
		             {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]}]}`)
	tests := []struct {
		name   string
		args   []string
		reason filter.Reason
		action string
		text   []string
	}{
		{"rule with position", []string{dockerProfile, "clone3", "--arch", "x86_64"}, filter.ReasonRule, "ERRNO(38)",
			[]string{"fails with errno 38", "decided by syscalls[", "docker-default-20.10.24.json:"}},
		{"64-bit argument", []string{dockerProfile, "personality", "0x100000008", "--arch", "x86_64"}, filter.ReasonDefault, "ERRNO(1)",
			[]string{"no rule applies"}},
		{"personality allowed", []string{dockerProfile, "personality", "8", "--arch", "x86_64"}, filter.ReasonRule, "ALLOW",
			[]string{"when arg0 == 0x8"}},
		{"cacheable", []string{dockerProfile, "read", "--arch", "x86_64"}, filter.ReasonRule, "ALLOW",
			[]string{"action cache skips the filter"}},
		{"above the profile", []string{dockerProfile, "500", "--arch", "x86_64"}, filter.ReasonENOSYS, "ERRNO(38)",
			[]string{"above every syscall the profile names"}},
		{"x32 under x86_64 only", []string{x86only, "getpid", "--arch", "x32"}, filter.ReasonBadArch, "KILL_THREAD",
			[]string{"does not accept x32"}},
		{"negative argument", []string{x86only, "socket", "--arch", "x86_64", "--", "-1"}, filter.ReasonRule, "ALLOW",
			[]string{"0xffffffffffffffff"}},
		{"socket AF_VSOCK", []string{x86only, "socket", "40", "--arch", "x86_64"}, filter.ReasonDefault, "ERRNO(1)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := execCLI(t, "", append([]string{"explain"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range tt.text {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			out, _, _ = execCLI(t, "", append([]string{"explain", "--format", "json"}, tt.args...)...)
			var j explainJSON
			if err := json.Unmarshal([]byte(out), &j); err != nil {
				t.Fatal(err)
			}
			if j.Decision.Reason != tt.reason || j.Decision.Action != tt.action {
				t.Errorf("json: %+v, want reason %s action %s", j.Decision, tt.reason, tt.action)
			}
		})
	}
	// The kernel caches only numbers inside its syscall table: 1000 runs the filter even
	// though an allow-everything program returns ALLOW for it (explain said cacheable).
	allowAll := writeTemp(t, "allow.json", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"]}`)
	for _, c := range []struct {
		call      string
		cacheable bool
	}{{"read", true}, {"1000", false}, {"600", false}} {
		out, errOut, code := execCLI(t, "", "explain", "--format", "json", allowAll, c.call, "--arch", "x86_64")
		var j explainJSON
		if err := json.Unmarshal([]byte(out), &j); code != 0 || err != nil {
			t.Fatalf("explain %s: exit %d, %v: %s", c.call, code, err, errOut)
		}
		if j.Cacheable != c.cacheable || j.Decision.Action != "ALLOW" {
			t.Errorf("explain %s: cacheable %v action %s, want %v ALLOW", c.call, j.Cacheable, j.Decision.Action, c.cacheable)
		}
	}

	_, errOut, code := execCLI(t, "", "explain", dockerProfile, "opne", "--arch", "x86_64")
	if code != ExitUsage || !strings.Contains(errOut, "did you mean open") {
		t.Errorf("unknown syscall: exit %d, %q", code, errOut)
	}
	_, errOut, code = execCLI(t, "", "explain", dockerProfile, "read", "zero")
	if code != ExitUsage || !strings.Contains(errOut, "not a 64-bit number") {
		t.Errorf("bad argument: exit %d, %q", code, errOut)
	}
}
