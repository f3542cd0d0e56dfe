package probe

import (
	"os"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
)

func mustParse(t *testing.T, src string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("probe.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The probe makes the calls under the real filter: every outcome comes from the kernel
// and matches the interpreter's prediction.
func TestRunKernel(t *testing.T) {
	p := mustParse(t, `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["read", "getpid", "close", "exit_group"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
    {"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"},
    {"names": ["getuid"], "action": "SCMP_ACT_KILL_THREAD"},
    {"names": ["getgid"], "action": "SCMP_ACT_TRAP"},
    {"names": ["fcntl"], "action": "SCMP_ACT_LOG"},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
  ]
}`)
	exp := &Expectations{
		Allow: []string{"read", "getpid", "close", "fcntl", "exit_group", "socket(1, 1, 0)", "socket(2, 1, 0)"},
		Deny:  []string{"write", "getppid", "getuid", "getgid", "openat", "mount"},
		Errno: "EPERM",
	}
	rep, err := Run(p, Options{Expect: exp})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		outcome  Outcome
		errno    string
		method   Method
		mismatch bool
	}{
		"read":            {Allowed, "", Kernel, false},
		"getpid":          {Allowed, "", Kernel, false},
		"close":           {Allowed, "", Kernel, false},
		"fcntl":           {Allowed, "", Kernel, false},
		"exit_group":      {Allowed, "", Interpreter, false},
		"socket(1, 1, 0)": {Allowed, "", Kernel, false},
		"socket(2, 1, 0)": {Denied, "EPERM", Kernel, true},
		"write":           {Denied, "EACCES", Kernel, true}, // denied, but not with EPERM
		"getppid":         {Killed, "", Kernel, true},
		"getuid":          {Killed, "", Kernel, true},
		"getgid":          {Killed, "", Kernel, true},
		"openat":          {Denied, "EPERM", Kernel, false},
		"mount":           {Denied, "EPERM", Interpreter, false},
	}
	for _, r := range rep.Results {
		w, ok := want[r.Call]
		if !ok {
			t.Errorf("unexpected result %+v", r)
			continue
		}
		if r.Outcome != w.outcome || r.Errno != w.errno || r.Method != w.method || r.Mismatch != w.mismatch {
			t.Errorf("%s: got %s %s via %s mismatch=%v (%s), want %s %s via %s mismatch=%v",
				r.Call, r.Outcome, r.Errno, r.Method, r.Mismatch, r.Note, w.outcome, w.errno, w.method, w.mismatch)
		}
		if strings.Contains(r.Note, "disagree") {
			t.Errorf("%s: %s", r.Call, r.Note)
		}
	}
	if rep.Mismatches != 5 {
		t.Errorf("mismatches = %d, want 5", rep.Mismatches)
	}
}

func TestRunCommandKernel(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("no /bin/busybox (apt-get install -y busybox-static)")
	}
	// What static busybox 1.35 calls for "true" (strace).
	allow := `["execve", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "readlink", "getrandom", "brk", "mprotect", "prctl", "getuid", "exit_group"]`
	ok := mustParse(t, `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": `+allow+`, "action": "SCMP_ACT_ALLOW"}]}`)
	rep, err := Run(ok, Options{Cmd: []string{"/bin/busybox", "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Cmd; c == nil || !c.Started || c.ExitCode != 0 || c.Mismatch {
		t.Errorf("busybox true under an allowlist: %+v", rep.Cmd)
	}
	noExec := mustParse(t, `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["exit_group"], "action": "SCMP_ACT_ALLOW"}]}`)
	rep, err = Run(noExec, Options{Cmd: []string{"/bin/busybox", "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Cmd; c == nil || c.Started || !c.Mismatch || !strings.Contains(c.Error, "operation not permitted") {
		t.Errorf("without execve: %+v", rep.Cmd)
	}
	exit3 := mustParse(t, `{"defaultAction": "SCMP_ACT_ALLOW"}`)
	rep, err = Run(exit3, Options{Cmd: []string{"/bin/busybox", "sh", "-c", "exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Cmd; c == nil || !c.Started || c.ExitCode != 3 || !c.Mismatch {
		t.Errorf("exit 3: %+v", rep.Cmd)
	}
}
