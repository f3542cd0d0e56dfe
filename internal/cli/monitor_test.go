package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

const auditLines = `type=SECCOMP msg=audit(1795822244.744:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=999999999 comm="secdemo" exe="/tmp/x/secdemo" sig=0 arch=c000003e syscall=258 compat=0 ip=0x408ace code=0x50000
type=SYSCALL msg=audit(1795822244.744:3): not a seccomp record
Nov 28 00:07:11 node01 kernel: audit: type=1326 audit(1795824431.983:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=999999998 comm="python3" exe="/usr/bin/python3.11" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7f1fa518b4f7 code=0x7ffc0000
`

func TestMonitorInput(t *testing.T) {
	out, errOut, code := execCLI(t, auditLines, "monitor", "--input", "-", "--format", "json", "--cri-socket", "", "--node", "n1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got:\n%s", out)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &v); err != nil {
		t.Fatal(err)
	}
	if v["syscall"] != "mkdirat" || v["action"] != "SCMP_ACT_ERRNO" || v["node"] != "n1" || v["pid"] != float64(999999999) ||
		!strings.Contains(v["error"].(string), "exited before its cgroup was read") {
		t.Errorf("violation %v", v)
	}

	out, _, code = execCLI(t, auditLines, "monitor", "--input", "-", "--suggest", "--cri-socket", "")
	if code != 0 || !strings.Contains(out, `{"names": ["mkdirat"], "action": "SCMP_ACT_ALLOW"}`) ||
		!strings.Contains(out, "denied or logged on SCMP_ARCH_X86_64: getppid (1)") {
		t.Errorf("--suggest exit %d:\n%s", code, out)
	}

	out, _, _ = execCLI(t, auditLines, "monitor", "--input", "-", "--suggest", "--namespace", "shop", "--cri-socket", "")
	if !strings.Contains(out, "no denials seen") {
		t.Errorf("--namespace filter: %s", out)
	}
	out, _, _ = execCLI(t, auditLines, "monitor", "--input", "-", "--suggest", "--format", "json", "--cri-socket", "")
	var sgs []map[string]any
	if err := json.Unmarshal([]byte(out), &sgs); err != nil || len(sgs) != 2 {
		t.Errorf("--suggest --format json: %v\n%s", err, out)
	}

	if _, errOut, code := execCLI(t, "", "monitor", "--input", "/nonexistent/audit.log"); code != 2 || !strings.Contains(errOut, "/nonexistent/audit.log") {
		t.Errorf("missing input: exit %d %q", code, errOut)
	}
}
