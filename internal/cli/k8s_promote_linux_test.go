package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
)

// TestRootKernelComplainThenEnforce walks the complain-mode path on the real kernel: a
// workload needing uname, which its profile does not allow, fails under the enforcing
// profile, runs under the complain-mode one while the kernel logs the uname, and runs
// under the profile 'k8s promote' builds from that log.
func TestRootKernelComplainThenEnforce(t *testing.T) {
	needRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	records, err := audit.Listen(ctx)
	if errors.Is(err, unix.EPERM) || (err != nil && strings.Contains(err.Error(), "CAP_AUDIT_READ")) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	bin := seccompctlBinary(t)
	// A copy of busybox in a directory of its own: its path in the audit records tells
	// this test's workload from any other busybox on the machine.
	bb := filepath.Join(t.TempDir(), "busybox")
	data, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Skipf("needs busybox-static (scripts/deps.sh): %v", err)
	}
	if err := os.WriteFile(bb, data, 0o755); err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command(bb, "uname", "-a").Output()
	if err != nil {
		t.Fatalf("busybox uname -a with no filter: %v", err)
	}
	run := func(prof string) ([]byte, error) {
		return exec.CommandContext(ctx, bin, "run", "--profile", prof, "--", bb, "uname", "-a").CombinedOutput()
	}

	dir := t.TempDir()
	web := filepath.Join(dir, "web.json")
	os.WriteFile(web, enforcingProfile(t), 0o644)
	// busybox prints what it can when uname fails (only the OS name), so the output
	// tells whether uname was denied.
	if out, _ := run(web); string(out) == string(want) {
		t.Fatalf("uname -a ran under the enforcing profile without uname:\n%s", out)
	}

	manifests := t.TempDir()
	if _, errOut, code := execCLI(t, "", "k8s", "configmap", "--complain", "--name", "web", "-n", "shop", "-o", manifests, web); code != 0 {
		t.Fatalf("configmap --complain: exit %d: %s", code, errOut)
	}
	complainCM := filepath.Join(manifests, "web.yaml")
	cm, err := kube.ParseConfigMap(complainCM, mustRead(t, complainCM))
	if err != nil {
		t.Fatal(err)
	}
	complain := filepath.Join(dir, "complain.json")
	os.WriteFile(complain, []byte(cm.Data["web.json"]), 0o644)
	if out, err := run(complain); err != nil || string(out) != string(want) {
		t.Fatalf("under the complain-mode profile: %v\n%s\nwant %s", err, out, want)
	}

	// The records of the workload, up to the logged uname, as 'monitor --format json'
	// writes them. Nothing in a pod here, so they carry no profile: promote counts them
	// with --include-unattributed.
	var log strings.Builder
	enc := json.NewEncoder(&log)
	m := &monitor.Monitor{Node: "node-1"}
	for done := false; !done; {
		select {
		case r, ok := <-records:
			if !ok {
				t.Fatal("audit stream ended")
			}
			if r.Exe != bb {
				continue
			}
			v := m.Attribute(ctx, r)
			if v.Action != profile.ActLog.String() {
				t.Errorf("record under the complain profile with action %s: %+v", v.Action, v)
			}
			enc.Encode(v)
			done = v.Syscall == "uname"
		case <-ctx.Done():
			t.Fatalf("no SECCOMP record of uname from %s; got:\n%s", bb, log.String())
		}
	}
	t.Logf("logged under the complain-mode profile:\n%s", log.String())
	logFile := writeK8sTemp(t, "violations.jsonl", log.String())

	// Just logged: not clean for a day, so refused and nothing written.
	enforced := filepath.Join(t.TempDir(), "enforced.yaml")
	_, errOut, code := execCLI(t, "", "k8s", "promote", complainCM, "--from", logFile, "--include-unattributed", "-o", enforced)
	if code != ExitFindings || !strings.Contains(errOut, "refused: clean for only") {
		t.Fatalf("promote right after the log: exit %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(enforced); !os.IsNotExist(err) {
		t.Fatalf("refused promotion wrote %s (%v)", enforced, err)
	}
	_, errOut, code = execCLI(t, "", "k8s", "promote", complainCM, "--from", logFile, "--include-unattributed", "--clean-for", "0", "-o", enforced)
	if code != 0 || !strings.Contains(errOut, "adds uname: logged 1 time(s)") {
		t.Fatalf("promote: exit %d, stderr:\n%s", code, errOut)
	}
	cm, err = kube.ParseConfigMap(enforced, mustRead(t, enforced))
	if err != nil {
		t.Fatal(err)
	}
	promoted := filepath.Join(dir, "promoted.json")
	os.WriteFile(promoted, []byte(cm.Data["web.json"]), 0o644)
	p, err := profile.Load(promoted)
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != profile.ActErrno {
		t.Fatalf("promoted profile's default is %s", p.DefaultAction)
	}
	if out, err := run(promoted); err != nil || string(out) != string(want) {
		t.Fatalf("under the promoted profile: %v\n%s\nwant %s", err, out, want)
	}
}
