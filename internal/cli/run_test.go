//go:build linux

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// runUnder runs `seccompctl run` (the built binary: run re-executes itself) and returns
// its output and exit code.
func runUnder(t *testing.T, cred *syscall.Credential, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

func TestRunKernel(t *testing.T) {
	bin := seccompctlBinary(t)
	deny := writeTemp(t, "deny.json", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`)
	kill := writeTemp(t, "kill.json", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]}`)
	noExecve := writeTemp(t, "noexecve.json", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["execve", "execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}`)
	dir := t.TempDir()
	noExec := filepath.Join(dir, "script.sh")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\necho ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		notExist string
	}{
		{"exit status passes through", []string{"--profile", deny, "--", "/bin/sh", "-c", "exit 7"}, 7, nil, nil, ""},
		{"errno from the filter", []string{"--profile", deny, "--", "mkdir", filepath.Join(dir, "x")}, 1, nil,
			[]string{"Permission denied"}, filepath.Join(dir, "x")},
		{"killed by the filter", []string{"--profile", kill, "--", "python3", "-c", "import os; os.getppid()"}, 128 + int(syscall.SIGSYS), nil, nil, ""},
		{"filter mode and no_new_privs unset with CAP_SYS_ADMIN", []string{"--profile", deny, "--", "grep", "-E", "^(Seccomp|NoNewPrivs):", "/proc/self/status"}, 0,
			[]string{"NoNewPrivs:\t0", "Seccomp:\t2"}, nil, ""},
		{"--no-new-privs", []string{"--profile", deny, "--no-new-privs", "--", "grep", "NoNewPrivs:", "/proc/self/status"}, 0,
			[]string{"NoNewPrivs:\t1"}, nil, ""},
		{"docker's default", []string{"--profile", dockerProfile, "--", "/bin/sh", "-c", "umount /nonexistent-seccompctl; echo $?"}, 0,
			[]string{"32"}, []string{"must be superuser"}, ""},
		{"command not found", []string{"--profile", deny, "--", "no-such-command-seccompctl"}, 127, nil, []string{"executable file not found"}, ""},
		{"command missing", []string{"--profile", deny}, 2, nil, []string{"the command goes after --"}, ""},
		// Found but not executable is 126, as in a shell; only a missing command is 127.
		{"a directory", []string{"--profile", deny, "--", dir}, 126, nil, []string{"is a directory"}, ""},
		{"a file without execute permission", []string{"--profile", deny, "--", noExec}, 126, nil, []string{"permission denied"}, ""},
		{"a path that does not exist", []string{"--profile", deny, "--", filepath.Join(dir, "missing")}, 127, nil, []string{"no such file"}, ""},
		{"execve denied by the profile", []string{"--profile", noExecve, "--", "/bin/true"}, 126, nil, []string{"executing /bin/true: operation not permitted"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if os.Geteuid() != 0 && strings.Contains(tt.name, "CAP_SYS_ADMIN") {
				t.Skip("needs CAP_SYS_ADMIN")
			}
			out, errOut, code := runUnder(t, nil, bin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if tt.notExist != "" {
				if _, err := os.Stat(tt.notExist); err == nil {
					t.Errorf("%s was created despite the filter", tt.notExist)
				}
			}
		})
	}
}

// TestRunKernelWithoutCapSysAdmin runs as an unprivileged user: the helper must set
// no_new_privs itself, say so, and the filter must still be in force.
func TestRunKernelWithoutCapSysAdmin(t *testing.T) {
	needRoot(t) // to switch to nobody
	bin := seccompctlBinary(t)
	dir, err := os.MkdirTemp("", "seccompctl-run-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "seccompctl")
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(shared, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prof, []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runUnder(t, &syscall.Credential{Uid: 65534, Gid: 65534}, shared,
		"--profile", prof, "--", "/bin/sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; uname")
	if code == 0 {
		t.Errorf("uname succeeded under a filter denying it\n%s", out)
	}
	for _, want := range []string{"NoNewPrivs:\t1", "Seccomp:\t2"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "no CAP_SYS_ADMIN: setting no_new_privs") {
		t.Errorf("stderr does not say why no_new_privs was set:\n%s", errOut)
	}
}
