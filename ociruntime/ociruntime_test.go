package ociruntime

import (
	"errors"
	"slices"
	"testing"

	"github.com/seccompctl/seccompctl/syscalls"
)

func TestRequired(t *testing.T) {
	tests := []struct {
		runtime string
		nnp     bool
		want    []string // must be in the list
		not     []string // must not be
	}{
		// Without no_new_privs runc loads the filter before setting up the user and the
		// capabilities; with it, just before execve.
		{"runc", false, []string{"execve", "fstatfs", "getdents64", "openat", "setuid", "setgid", "setgroups", "capset", "capget", "prctl", "futex", "rt_sigreturn"}, nil},
		{"runc", true, []string{"execve", "fstatfs", "getdents64", "openat", "close", "write"}, []string{"setuid", "capset"}},
		{"crun", false, []string{"execve", "setresuid", "setresgid", "capset", "prctl"}, []string{"fstatfs"}},
		{"crun", true, []string{"execve", "close"}, []string{"setresuid", "fstatfs", "futex"}},
	}
	for _, tt := range tests {
		got, err := Required(tt.runtime, syscalls.X86_64, tt.nnp)
		if err != nil {
			t.Fatalf("%s nnp=%v: %v", tt.runtime, tt.nnp, err)
		}
		if !slices.IsSorted(got) {
			t.Errorf("%s nnp=%v: not sorted: %v", tt.runtime, tt.nnp, got)
		}
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s nnp=%v: %s missing from %v", tt.runtime, tt.nnp, w, got)
			}
		}
		for _, n := range tt.not {
			if slices.Contains(got, n) {
				t.Errorf("%s nnp=%v: %s unexpectedly in %v", tt.runtime, tt.nnp, n, got)
			}
		}
	}
}

func TestRequiredErrors(t *testing.T) {
	if _, err := Required("youki", syscalls.X86_64, true); !errors.Is(err, ErrUnknownRuntime) {
		t.Errorf("youki: err = %v, want ErrUnknownRuntime", err)
	}
	if _, err := Required("runc", syscalls.X86, true); !errors.Is(err, ErrUnsupportedArch) {
		t.Errorf("x86: err = %v, want ErrUnsupportedArch", err)
	}
}

func TestDerivedArchesOnlyNameTheirSyscalls(t *testing.T) {
	for _, arch := range syscalls.TableArches() {
		if !arch.Is64() {
			continue
		}
		for _, rt := range Runtimes() {
			for _, nnp := range []bool{true, false} {
				r, err := Lookup(rt, arch, nnp)
				if err != nil {
					t.Fatalf("%s %s: %v", rt, arch, err)
				}
				if r.Derived != (arch != syscalls.X86_64) {
					t.Errorf("%s %s: Derived = %v", rt, arch, r.Derived)
				}
				for _, n := range r.Names() {
					if !syscalls.Exists(arch, n) {
						t.Errorf("%s %s nnp=%v: %s does not exist there", rt, arch, nnp, n)
					}
				}
				if !slices.Contains(r.Names(), "execve") {
					t.Errorf("%s %s nnp=%v: execve missing", rt, arch, nnp)
				}
			}
		}
	}
}

func TestWhy(t *testing.T) {
	r, err := Lookup("runc", syscalls.X86_64, true)
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Why("fstatfs"); w == "" || r.Why("acct") != "" {
		t.Errorf("Why(fstatfs) = %q, Why(acct) = %q", w, r.Why("acct"))
	}
	if w := r.Why("sched_yield"); w == "" {
		t.Errorf("Why(sched_yield) is empty: the Go runtime additions lost their reason")
	}
}

func TestAccepts(t *testing.T) {
	tests := []struct {
		runtime, construct string
		ok                 bool
	}{
		{"runc", "action SCMP_ACT_NOTIFY", false}, // needs listenerPath
		{"crun", "action SCMP_ACT_NOTIFY", true},
		{"runc", "flag SECCOMP_FILTER_FLAG_LOG", false},
		{"crun", "flag SECCOMP_FILTER_FLAG_LOG", true},
		{"crun", "flag SECCOMP_FILTER_FLAG_NEW_LISTENER", false},
		{"runc", "action SCMP_ACT_KILL_PROCESS", true},
		{"crun", "defaultAction SCMP_ACT_NOTIFY", false},
	}
	for _, tt := range tests {
		f, known := Accepts(tt.runtime, tt.construct)
		if !known {
			t.Errorf("%s %s: not measured", tt.runtime, tt.construct)
			continue
		}
		if f.OK != tt.ok {
			t.Errorf("%s %s: OK = %v, want %v (%s)", tt.runtime, tt.construct, f.OK, tt.ok, f.Message)
		}
	}
	if _, known := Accepts("runc", "no such construct"); known {
		t.Error("unknown construct reported as measured")
	}
	if len(Features("crun")) == 0 {
		t.Error("no crun features")
	}
}
