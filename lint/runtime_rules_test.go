package lint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// A profile whose program the kernel would refuse for its length was passed by lint
// while compile refused it.
func TestProgramTooLong(t *testing.T) {
	var rules []string
	for i := range 1500 {
		rules = append(rules, fmt.Sprintf(`{"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": %d, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": %d, "op": "SCMP_CMP_GT"}]}`, i, i))
	}
	src := `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [` +
		`{"names": ["exit", "exit_group", "read", "execve"], "action": "SCMP_ACT_ALLOW"}, ` + strings.Join(rules, ", ") + `]}`
	p, err := profile.Parse("long.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Lint(p, Options{Arches: []syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	got := idsOf(fs, "SC6004")
	if len(got) != 1 || got[0].Severity != Error || !strings.Contains(got[0].Message, "instructions") {
		t.Errorf("SC6004 findings %v", got)
	}
	// Short profiles are not reported.
	if fs := lintFile(t, "docker-default-20.10.24.json", Options{}); len(idsOf(fs, "SC6004")) != 0 {
		t.Errorf("docker's default reported too long: %v", idsOf(fs, "SC6004"))
	}
}

func TestKillableWithoutListener(t *testing.T) {
	for _, tt := range []struct {
		name, extra string
		want        int
	}{
		{"no notify rule", ``, 1},
		{"notify rule", `, {"names": ["openat"], "action": "SCMP_ACT_NOTIFY"}`, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := profile.Parse("k.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/l.sock",
				"architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
				"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}`+tt.extra+`]}`))
			if err != nil {
				t.Fatal(err)
			}
			fs, err := Lint(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := idsOf(fs, "SC6005")
			if len(got) != tt.want || (tt.want > 0 && (got[0].Path != "flags[0]" || got[0].Severity != Error)) {
				t.Errorf("SC6005 findings %v, want %d at flags[0]", got, tt.want)
			}
		})
	}
}
