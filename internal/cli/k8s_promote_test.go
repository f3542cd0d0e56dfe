package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
)

// enforcingProfile is docker's default profile less uname and sysinfo, denying with
// EPERM: an enforcing profile that passes lint, and that a workload calling uname will
// be found to need.
func enforcingProfile(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../filter/testdata/profiles/docker-default-20.10.24.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse("web.json", data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Syscalls {
		p.Syscalls[i].Names = slices.DeleteFunc(p.Syscalls[i].Names, func(n string) bool { return n == "uname" || n == "sysinfo" })
	}
	eperm := uint(1)
	p.DefaultErrnoRet = &eperm
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// monitorLog writes violations as `monitor --format json` does: one object a line.
func monitorLog(t *testing.T, vs ...monitor.Violation) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	return writeK8sTemp(t, "violations.jsonl", b.String())
}

func loggedIn(syscall, pod, prof string, at time.Time) monitor.Violation {
	v := monitor.Violation{Time: at, Node: "node-1", Arch: "SCMP_ARCH_X86_64", Syscall: syscall, Action: "SCMP_ACT_LOG"}
	if pod != "" {
		v.Container = monitor.Container{Namespace: "shop", Pod: pod, Name: "app", Profile: "/var/lib/kubelet/seccomp/profiles/" + prof, ProfileType: "Localhost"}
	}
	return v
}

func TestK8sConfigMapComplain(t *testing.T) {
	dir := t.TempDir()
	web := filepath.Join(dir, "web.json")
	os.WriteFile(web, enforcingProfile(t), 0o644)
	out, errOut, code := execCLI(t, "", "k8s", "configmap", "--complain", "--name", "web", "-n", "shop", web)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cm, err := kube.ParseConfigMap("stdout", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels[kube.LabelComplain] != "true" || cm.Labels[kube.LabelProfiles] != "true" {
		t.Errorf("labels %v", cm.Labels)
	}
	p, err := profile.Parse("web.json", []byte(cm.Data["web.json"]))
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := profile.Parse("web.json", enforcingProfile(t))
	if p.DefaultAction != profile.ActLog || p.DefaultErrnoRet != nil || len(p.Syscalls) != len(orig.Syscalls) {
		t.Errorf("complain profile default %s errno %v, %d rules (want SCMP_ACT_LOG, none, %d)", p.DefaultAction, p.DefaultErrnoRet, len(p.Syscalls), len(orig.Syscalls))
	}
	st, err := kube.ComplainStateOf(cm, "web.json")
	if err != nil {
		t.Fatal(err)
	}
	if !st.Recorded || st.Enforced.String() != orig.DefaultAction.String()+" (errno 1)" || st.Since.IsZero() {
		t.Errorf("complain state %+v, want the original %s (errno 1) and a start time", st, orig.DefaultAction)
	}

	// A profile that already allows by default has nothing to restore: bad input.
	allow := writeK8sTemp(t, "allow.json", allowProfile)
	outDir := t.TempDir()
	_, errOut, code = execCLI(t, "", "k8s", "configmap", "--complain", "--name", "allow", "-o", outDir, allow)
	if code != ExitUsage || !strings.Contains(errOut, "allow.json") || !strings.Contains(errOut, "complain mode needs the enforcing profile") {
		t.Errorf("allow default: exit %d, stderr %q", code, errOut)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("wrote %v on bad input", entries)
	}
}

func TestK8sPromote(t *testing.T) {
	dir := t.TempDir()
	web := filepath.Join(dir, "web.json")
	os.WriteFile(web, enforcingProfile(t), 0o644)
	manifests := t.TempDir()
	if _, errOut, code := execCLI(t, "", "k8s", "configmap", "--complain", "--name", "web", "-n", "shop", "-o", manifests, web); code != 0 {
		t.Fatalf("configmap: exit %d: %s", code, errOut)
	}
	complainCM := filepath.Join(manifests, "web.yaml")
	old := time.Now().Add(-48 * time.Hour)
	recent := time.Now().Add(-time.Minute)

	tests := []struct {
		name    string
		log     []monitor.Violation
		args    []string
		code    int
		stderr  []string
		added   []string // promoted only
		profile string   // file promoted instead of the manifest
	}{
		{name: "promoted", log: []monitor.Violation{loggedIn("uname", "web-1", "web.json", old), loggedIn("sysinfo", "web-2", "web.json", old),
			loggedIn("uname", "api-1", "api.json", old), loggedIn("uname", "", "", old)},
			code: 0, added: []string{"sysinfo", "uname"},
			stderr: []string{"left out 1 record(s): another profile\nleft out 1 record(s): no known profile", "adds uname: logged 1 time(s) by [shop/web-1/app]", "promoted web.json: 2 syscall(s) added, defaultAction SCMP_ACT_ERRNO (errno 1)"}},
		{name: "unattributed counted when asked", log: []monitor.Violation{loggedIn("uname", "", "", old)}, args: []string{"--include-unattributed"},
			code: 0, added: []string{"uname"}},
		{name: "refused: not clean long enough", log: []monitor.Violation{loggedIn("uname", "web-1", "web.json", recent)},
			code: ExitFindings, stderr: []string{"refused: clean for only", "--clean-for asks for 24h0m0s", "not promoted: web.json"}},
		{name: "refused: dangerous", log: []monitor.Violation{loggedIn("unshare", "web-1", "web.json", old)},
			code: ExitFindings, stderr: []string{"refused: logged syscalls are dangerous: unshare", "--allow-dangerous"}},
		{name: "dangerous allowed", log: []monitor.Violation{loggedIn("unshare", "web-1", "web.json", old)}, args: []string{"--allow-dangerous"},
			code: 0, added: []string{"unshare"}},
		{name: "refused: severe even when allowed", log: []monitor.Violation{loggedIn("bpf", "web-1", "web.json", old)}, args: []string{"--allow-dangerous"},
			code: ExitFindings, stderr: []string{"refused: lint finds"}},
		{name: "a profile file", log: []monitor.Violation{loggedIn("uname", "web-1", "web.json", old)}, args: []string{"--clean-for", "0"},
			profile: "complain", code: 0, added: []string{"uname"}},
		{name: "bad input: an enforcing profile", log: []monitor.Violation{loggedIn("uname", "web-1", "web.json", old)},
			profile: web, code: ExitUsage, stderr: []string{"web.json", "not a complain-mode profile"}},
		{name: "bad input: not a monitor log", args: []string{"--from", writeK8sTemp(t, "bad.jsonl", "{\"syscall\": \n")},
			code: ExitUsage, stderr: []string{"bad.jsonl:1: not a monitor JSON line"}},
		{name: "bad input: no such profile", profile: filepath.Join(dir, "missing.yaml"), log: []monitor.Violation{loggedIn("uname", "web-1", "web.json", old)},
			code: ExitUsage, stderr: []string{"missing.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := complainCM
			switch tt.profile {
			case "":
			case "complain":
				cm, err := kube.ParseConfigMap(complainCM, mustRead(t, complainCM))
				if err != nil {
					t.Fatal(err)
				}
				in = writeK8sTemp(t, "web.json", cm.Data["web.json"])
			default:
				in = tt.profile
			}
			outFile := filepath.Join(t.TempDir(), "enforced.yaml")
			args := []string{"k8s", "promote", in, "-o", outFile}
			if tt.log != nil {
				args = append(args, "--from", monitorLog(t, tt.log...))
			}
			stdout, stderr, code := execCLI(t, "", append(args, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if stdout != "" {
				t.Errorf("stdout %q with -o", stdout)
			}
			if code != 0 {
				if _, err := os.Stat(outFile); !os.IsNotExist(err) {
					t.Errorf("%s written when not promoted (%v)", outFile, err)
				}
				return
			}
			cm, err := kube.ParseConfigMap(outFile, mustRead(t, outFile))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := cm.Labels[kube.LabelComplain]; ok || cm.Labels[kube.LabelProfiles] != "true" {
				t.Errorf("labels %v: want the agent's label and no complain label", cm.Labels)
			}
			if _, ok := cm.Annotations[kube.AnnotationEnforced]; ok {
				t.Errorf("annotations %v still say complain mode", cm.Annotations)
			}
			wantName, wantNS := "web", "shop"
			if tt.profile != "" {
				wantName, wantNS = "seccomp-profiles", kube.DefaultNamespace
			}
			if cm.Name != wantName || cm.Namespace != wantNS {
				t.Errorf("ConfigMap %s/%s, want %s/%s", cm.Namespace, cm.Name, wantNS, wantName)
			}
			p, err := profile.Parse("web.json", []byte(cm.Data["web.json"]))
			if err != nil {
				t.Fatal(err)
			}
			wantErrno := tt.profile == "" // the manifest recorded errno 1; a file gets plain ERRNO
			if p.DefaultAction != profile.ActErrno || (p.DefaultErrnoRet != nil) != wantErrno || wantErrno && *p.DefaultErrnoRet != 1 {
				t.Errorf("default %s errno %v", p.DefaultAction, p.DefaultErrnoRet)
			}
			var added []string
			for _, r := range p.Syscalls {
				if strings.HasPrefix(r.Comment, "logged in complain mode") {
					added = append(added, r.Names...)
				}
			}
			if strings.Join(added, ",") != strings.Join(tt.added, ",") {
				t.Errorf("added rules for %v, want %v", added, tt.added)
			}
		})
	}
}

// The same logs give the same stderr, line for line.
func TestK8sPromoteStderrStable(t *testing.T) {
	web := writeK8sTemp(t, "web.json", string(enforcingProfile(t)))
	manifests := t.TempDir()
	if _, errOut, code := execCLI(t, "", "k8s", "configmap", "--complain", "--name", "web", "-o", manifests, web); code != 0 {
		t.Fatalf("configmap: exit %d: %s", code, errOut)
	}
	old := time.Now().Add(-48 * time.Hour)
	bad := loggedIn("uname", "web-1", "web.json", old)
	bad.Action = "SCMP_ACT_ERRNO"
	log := monitorLog(t, loggedIn("uname", "a", "api.json", old), loggedIn("uname", "", "", old), bad, loggedIn("uname", "web-1", "web.json", old))
	var first string
	for i := range 20 {
		_, stderr, code := execCLI(t, "", "k8s", "promote", filepath.Join(manifests, "web.yaml"), "--from", log, "-o", filepath.Join(t.TempDir(), "out.yaml"))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if i == 0 {
			first = stderr
			if strings.Count(stderr, "left out") != 3 {
				t.Fatalf("want 3 left-out lines:\n%s", stderr)
			}
		} else if stderr != first {
			t.Fatalf("stderr differs between runs:\n%s\n---\n%s", first, stderr)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
