package launch

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
)

// The launcher re-executes its own binary; in tests that is the test binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == Verb {
		os.Exit(Main())
	}
	os.Exit(m.Run())
}

// allowAll is the smallest filter: every call allowed.
var allowAll = bpf.Program{{Op: bpf.ClassRET | bpf.SrcK, K: bpf.RetAllow}}

func launch(t *testing.T, prog bpf.Program, argv ...string) (Result, string) {
	t.Helper()
	path, code, err := LookPath(argv[0])
	if err != nil {
		t.Fatalf("LookPath(%s): exit %d, %v", argv[0], code, err)
	}
	var out strings.Builder
	p, err := Start(Cmd{
		Request: Request{Path: path, Args: argv, Program: prog.Encode(binary.NativeEndian), NoNewPrivs: true},
		Stdout:  &out, Stderr: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

func TestLaunchRunsCommand(t *testing.T) {
	res, out := launch(t, allowAll, "/bin/sh", "-c", "echo hi; exit 3")
	if !res.Stage.Started() || res.ExitCode() != 3 || out != "hi\n" {
		t.Errorf("stage %d, exit %d, output %q; want started, 3, hi", res.Stage, res.ExitCode(), out)
	}
	res, _ = launch(t, allowAll, "/bin/sh", "-c", "kill -TERM $$")
	if res.ExitCode() != ExitSignalBase+int(syscall.SIGTERM) {
		t.Errorf("killed by SIGTERM: exit %d, want %d", res.ExitCode(), ExitSignalBase+int(syscall.SIGTERM))
	}
}

// The filter is in force in the command: a denied call fails with the profile's errno.
func TestLaunchFilterApplies(t *testing.T) {
	nr := uint32(syscall.SYS_GETPPID)
	prog := bpf.Program{
		{Op: bpf.ClassLD | bpf.SizeW | bpf.ModeABS, K: 0}, // seccomp_data.nr
		{Op: bpf.ClassJMP | bpf.JmpJEQ | bpf.SrcK, K: nr, Jt: 0, Jf: 1},
		{Op: bpf.ClassRET | bpf.SrcK, K: bpf.RetErrno | 1},
		{Op: bpf.ClassRET | bpf.SrcK, K: bpf.RetAllow},
	}
	// The shell reads $PPID with getppid at start-up: this process without the filter.
	want := "ppid=" + strconv.Itoa(os.Getpid())
	if _, out := launch(t, allowAll, "/bin/sh", "-c", "echo ppid=$PPID"); strings.TrimSpace(out) != want {
		t.Fatalf("without the filter: %q, want %q", out, want)
	}
	res, out := launch(t, prog, "/bin/sh", "-c", "echo ppid=$PPID")
	if !res.Stage.Started() || res.ExitCode() != 0 {
		t.Fatalf("stage %d exit %d: %s", res.Stage, res.ExitCode(), out)
	}
	t.Logf("under the filter: %q", out)
	if strings.TrimSpace(out) == want {
		t.Errorf("getppid was not denied: %q", out)
	}
}

// A filter that denies execve: the command never runs and the status is 126.
func TestLaunchExecDenied(t *testing.T) {
	prog := bpf.Program{
		{Op: bpf.ClassLD | bpf.SizeW | bpf.ModeABS, K: 0},
		{Op: bpf.ClassJMP | bpf.JmpJEQ | bpf.SrcK, K: uint32(syscall.SYS_EXECVE), Jt: 0, Jf: 1},
		{Op: bpf.ClassRET | bpf.SrcK, K: bpf.RetErrno | uint32(syscall.EPERM)},
		{Op: bpf.ClassRET | bpf.SrcK, K: bpf.RetAllow},
	}
	res, _ := launch(t, prog, "/bin/true")
	if res.Stage.Started() || res.Stage.ExecErrno() != syscall.EPERM || res.ExitCode() != ExitCannotExec {
		t.Errorf("stage %d (exec errno %v), exit %d; want EPERM and %d", res.Stage, res.Stage.ExecErrno(), res.ExitCode(), ExitCannotExec)
	}
	if err := res.Err("/bin/true"); err == nil || !strings.Contains(err.Error(), "operation not permitted") {
		t.Errorf("Err: %v", err)
	}
}

func TestLookPathExitCodes(t *testing.T) {
	dir := t.TempDir()
	noExec := filepath.Join(dir, "script")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		code int
	}{
		{dir, ExitCannotExec},    // a directory
		{noExec, ExitCannotExec}, // found, not executable
		{filepath.Join(dir, "missing"), ExitNotFound},
		{"seccompctl-no-such-command", ExitNotFound},
	} {
		_, code, err := LookPath(tt.name)
		if err == nil || code != tt.code {
			t.Errorf("LookPath(%s) = exit %d, %v; want %d", tt.name, code, err, tt.code)
		}
	}
}
