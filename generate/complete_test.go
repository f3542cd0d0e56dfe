package generate

import (
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

func TestProfileComplete(t *testing.T) {
	x := syscalls.X86_64
	rec := record.New("ptrace")
	rec.Add(record.Call{Arch: x, Name: "read"}, 5)
	rec.Add(record.Call{Arch: x, Name: "write"}, 2)
	reach := []Reachable{
		{Arch: x, Name: "read", Why: "reachable from read in libc.so.6"},
		{Arch: x, Name: "sendfile", Why: "reachable from sendfile64 in libc.so.6, called by network_write in /usr/sbin/srv"},
		{Arch: x, Name: "ptrace", Why: "reachable from ptrace in libc.so.6"},
		{Arch: x, Name: "open", Why: "reachable from open64 in libc.so.6"},
		{Arch: x, Name: "exit_group", Why: "reachable from _exit in libc.so.6"},
		{Arch: x, Name: "syscall_999", Why: "unknown"},
	}
	withhold := func(name string) (string, bool) {
		if name == "ptrace" {
			return "traces other processes", true
		}
		return "", false
	}
	tests := []struct {
		name          string
		arches        []syscalls.Arch
		wantCompleted []string
		wantAllowed   []string
	}{
		{"x86_64", nil, []string{"open", "sendfile"}, []string{"exit", "exit_group", "open", "read", "sendfile", "write"}},
		// aarch64 has no open: its replacement openat is added instead.
		{"x86_64 and aarch64", []syscalls.Arch{x, syscalls.AArch64}, []string{"open", "openat", "sendfile"}, []string{"exit", "exit_group", "open", "openat", "read", "sendfile", "write"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, rep, err := Profile(rec, Options{Arches: tc.arches, Complete: reach, Withhold: withhold})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Completed, tc.wantCompleted) {
				t.Errorf("completed %q, want %q", rep.Completed, tc.wantCompleted)
			}
			if len(rep.Withheld) != 1 || rep.Withheld[0].Name != "ptrace" || rep.Withheld[0].Reason != "traces other processes" {
				t.Errorf("withheld %+v, want ptrace alone", rep.Withheld)
			}
			var allowed []string
			for _, r := range p.Syscalls {
				allowed = append(allowed, r.Names...)
				if slices.Contains(r.Names, "sendfile") {
					want := "reachable from sendfile64 in libc.so.6, called by network_write in /usr/sbin/srv; not seen while recording"
					if len(r.Names) != 1 || r.Comment != want {
						t.Errorf("sendfile rule %+v, want it alone with comment %q", r, want)
					}
				}
				if slices.Contains(r.Names, "read") && strings.Contains(r.Comment, "not seen while recording") {
					t.Errorf("recorded read is commented as added: %+v", r)
				}
			}
			slices.Sort(allowed)
			if !slices.Equal(allowed, tc.wantAllowed) {
				t.Errorf("allowed %q, want %q", allowed, tc.wantAllowed)
			}
			if rep.Allowed != len(tc.wantAllowed) {
				t.Errorf("report says %d allowed, want %d", rep.Allowed, len(tc.wantAllowed))
			}
			if p.DefaultAction != profile.ActErrno {
				t.Errorf("default action %v", p.DefaultAction)
			}
		})
	}
}

// Without Complete, nothing changes: the recorded profile stays what it was.
func TestProfileNoComplete(t *testing.T) {
	rec := record.New("ptrace")
	rec.Add(record.Call{Arch: syscalls.X86_64, Name: "read"}, 1)
	_, rep, err := Profile(rec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Completed) != 0 || len(rep.Withheld) != 0 {
		t.Errorf("completed %q, withheld %+v without Complete", rep.Completed, rep.Withheld)
	}
}
