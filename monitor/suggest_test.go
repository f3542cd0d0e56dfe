package monitor

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
)

func TestSuggestions(t *testing.T) {
	web := `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
	  {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
	  {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}`
	load := func(path string) (*profile.Profile, error) {
		if path == "/var/lib/kubelet/seccomp/profiles/web.json" {
			return profile.Parse(path, []byte(web))
		}
		return nil, errors.New("no such file")
	}
	c := Container{ID: "abc", Namespace: "shop", Pod: "web-1", Name: "app", Profile: "/var/lib/kubelet/seccomp/profiles/web.json"}
	var s Suggester
	for _, sc := range []string{"mkdirat", "mkdirat", "socket", "read", "unlinkat"} {
		s.Add(Violation{Arch: "SCMP_ARCH_X86_64", Syscall: sc, Action: "SCMP_ACT_ERRNO", Container: c})
	}
	s.Add(Violation{Arch: "SCMP_ARCH_X86_64", Syscall: "getpid", Action: "SCMP_ACT_ALLOW", Container: c})
	other := c
	other.Profile, other.Pod = "/var/lib/kubelet/seccomp/profiles/gone.json", "batch-1"
	s.Add(Violation{Arch: "SCMP_ARCH_X86_64", Syscall: "ptrace", Action: "SCMP_ACT_LOG", Container: other})

	sgs := s.Suggestions(load)
	if len(sgs) != 2 {
		t.Fatalf("%d suggestions: %+v", len(sgs), sgs)
	}
	gone, w := sgs[0], sgs[1]
	if w.LocalhostProfile != "profiles/web.json" || w.Denied["mkdirat"] != 2 || w.Denied["getpid"] != 0 {
		t.Errorf("web: %+v", w)
	}
	if w.Rule == nil || strings.Join(w.Rule.Names, ",") != "mkdirat,unlinkat" || w.Rule.Action != profile.ActAllow {
		t.Errorf("web rule: %+v", w.Rule)
	}
	if len(w.Notes) != 2 || !strings.Contains(w.Notes[0], "read is already allowed") || !strings.Contains(w.Notes[1], "socket is allowed by syscalls[1] only when its arguments match") {
		t.Errorf("web notes: %q", w.Notes)
	}
	if gone.Rule == nil || gone.Rule.Names[0] != "ptrace" || !strings.Contains(gone.Notes[0], "could not read the profile") {
		t.Errorf("gone: %+v", gone)
	}
	var buf bytes.Buffer
	if err := WriteSuggestions(&buf, sgs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# profile /var/lib/kubelet/seccomp/profiles/web.json (localhostProfile: profiles/web.json)",
		"#   used by shop/web-1/app",
		"#   denied or logged on SCMP_ARCH_X86_64: mkdirat (2), read (1), socket (1), unlinkat (1)",
		`{"names": ["mkdirat", "unlinkat"], "action": "SCMP_ACT_ALLOW"}`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}
