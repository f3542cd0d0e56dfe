package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/syscalls"
)

// TestRecordedSleepSurvivesStopAsRoot: a sleep stopped and continued is resumed by the
// kernel with restart_syscall, a call the program never makes and a plain recording
// never sees. The profile recorded from an undisturbed sleep (--complete none) allows
// it, and the stopped and continued sleep ends well under it; without that rule the
// same sleep fails, which shows the check can fail.
func TestRecordedSleepSurvivesStopAsRoot(t *testing.T) {
	needRoot(t)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep(1)")
	}
	bin := seccompctlBinary(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "sleep.json")
	if out, err := exec.Command(bin, "record", "--complete", "none", "-q", "--mode", "ptrace", "-o", prof, "--", sleep, "0.01").CombinedOutput(); err != nil {
		t.Fatalf("record: %v\n%s", err, out)
	}
	data, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Syscalls []json.RawMessage `json:"syscalls"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	var without []json.RawMessage
	found := false
	for _, raw := range p.Syscalls {
		var r map[string]any
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		names := fmt.Sprint(r["names"])
		if strings.Contains(names, "restart_syscall") {
			found = true
			if !strings.Contains(fmt.Sprint(r["comment"]), "made by the kernel") {
				t.Errorf("restart_syscall's rule says %q", r["comment"])
			}
			continue
		}
		without = append(without, raw)
	}
	if !found {
		t.Fatalf("the recorded profile does not allow restart_syscall: %s", data)
	}
	var whole map[string]any
	if err := json.Unmarshal(data, &whole); err != nil {
		t.Fatal(err)
	}
	whole["syscalls"] = without
	stripped, _ := json.Marshal(whole)
	bare := filepath.Join(dir, "bare.json")
	if err := os.WriteFile(bare, stripped, 0o644); err != nil {
		t.Fatal(err)
	}

	if out, err := stopAndContinue(t, bin, prof, sleep); err != nil {
		t.Errorf("sleep stopped and continued under the recorded profile: %v\n%s", err, out)
	}
	if out, err := stopAndContinue(t, bin, bare, sleep); err == nil {
		t.Errorf("sleep stopped and continued ended well without restart_syscall allowed: the check proves nothing\n%s", out)
	}
}

// stopAndContinue runs sleep 1 under the profile, stops it once it sleeps and
// continues it, and returns how it ended.
func stopAndContinue(t *testing.T, bin, prof, sleep string) (string, error) {
	t.Helper()
	var out strings.Builder
	cmd := exec.Command(bin, "run", "--profile", prof, "--", sleep, "1")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// run starts the command as its child: wait until that is sleep, in its sleep call.
	deadline := time.Now().Add(time.Minute)
	var pid int
	for {
		if pid = sleepingChild(cmd.Process.Pid, sleep); pid != 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("waited a minute for a child of %d to be %s asleep", cmd.Process.Pid, sleep)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for {
		stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if slices.Contains(strings.Fields(string(stat)), "T") {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	return out.String(), err
}

// sleepingChild returns a child of parent that runs exe and sleeps in nanosleep or
// clock_nanosleep (/proc/PID/syscall), or 0.
func sleepingChild(parent int, exe string) int {
	var sleeps []string
	for _, name := range []string{"nanosleep", "clock_nanosleep"} {
		if nr, ok := syscalls.Number(syscalls.Native(), name); ok {
			sleeps = append(sleeps, fmt.Sprint(nr))
		}
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", parent))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			var pid int
			fmt.Sscan(field, &pid)
			path, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
			call, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
			if f := strings.Fields(string(call)); path == exe && len(f) > 0 && slices.Contains(sleeps, f[0]) {
				return pid
			}
		}
	}
	return 0
}
