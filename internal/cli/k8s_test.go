package cli

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/seccompctl/seccompctl/kube"
)

var updateDeploy = flag.Bool("update-deploy", false, "rewrite deploy/base from `k8s install`")

const allowProfile = `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}`

func writeK8sTemp(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func decodeDocs(t *testing.T, data string) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(data))
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

func TestK8sConfigMap(t *testing.T) {
	dir := t.TempDir()
	web := filepath.Join(dir, "web.json")
	os.WriteFile(web, []byte(allowProfile), 0o644)
	api := filepath.Join(dir, "api.yaml")
	os.WriteFile(api, []byte("defaultAction: SCMP_ACT_ALLOW\n"), 0o644)
	out, errOut, code := execCLI(t, "", "k8s", "configmap", "--name", "web-profiles", "-n", "apps", web, api)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	docs := decodeDocs(t, out)
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	cm := docs[0]
	meta := cm["metadata"].(map[string]any)
	if cm["kind"] != "ConfigMap" || meta["name"] != "web-profiles" || meta["namespace"] != "apps" {
		t.Errorf("metadata %v", meta)
	}
	if meta["labels"].(map[string]any)[kube.LabelProfiles] != "true" {
		t.Errorf("not labelled for the agent: %v", meta["labels"])
	}
	data := cm["data"].(map[string]any)
	if data["web.json"] != allowProfile {
		t.Errorf("JSON profile not kept byte for byte: %q", data["web.json"])
	}
	if s, _ := data["api.json"].(string); !strings.Contains(s, `"defaultAction": "SCMP_ACT_ALLOW"`) {
		t.Errorf("YAML profile not converted to JSON under api.json: %v", data)
	}

	// -o writes a file.
	outDir := t.TempDir()
	if _, errOut, code := execCLI(t, "", "k8s", "configmap", "-o", outDir, web); code != 0 {
		t.Fatalf("-o: exit %d: %s", code, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(outDir, "seccomp-profiles.yaml")); err != nil || !bytes.Contains(b, []byte("web.json")) {
		t.Errorf("-o output: %v", err)
	}
}

func TestK8sConfigMapErrors(t *testing.T) {
	dir := t.TempDir()
	// Profiles of about 300 KiB each: four of them are over 1 MiB together.
	var big []string
	for i := range 4 {
		var b strings.Builder
		b.WriteString(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [`)
		for j := range 3000 {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(`{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "comment": "padding padding padding padding padding padding padding"}`)
		}
		b.WriteString("]}")
		p := filepath.Join(dir, "big"+string(rune('a'+i))+".json")
		os.WriteFile(p, []byte(b.String()), 0o644)
		big = append(big, p)
	}
	os.WriteFile(filepath.Join(dir, ".hidden.json"), []byte(allowProfile), 0o644)
	os.MkdirAll(filepath.Join(dir, "other"), 0o755)
	os.WriteFile(filepath.Join(dir, "other", "biga.json"), []byte(allowProfile), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"defaultAction": "SCMP_ACT_NOPE"}`), 0o644)
	minimal := writeK8sTemp(t, "minimal.json", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}`)

	tests := []struct {
		name  string
		args  []string
		code  int
		want  string
		empty bool // stdout must be empty
	}{
		{"over 1 MiB", append([]string{"k8s", "configmap"}, big...), 2, "over the 1048576-byte (1 MiB) limit", true},
		{"hidden file", []string{"k8s", "configmap", filepath.Join(dir, ".hidden.json")}, 2, "hidden files are not installed", true},
		{"duplicate key", []string{"k8s", "configmap", big[0], filepath.Join(dir, "other", "biga.json")}, 2, `both be installed as "biga.json"`, true},
		{"broken profile", []string{"k8s", "configmap", filepath.Join(dir, "broken.json")}, 2, "SCMP_ACT_NOPE", true},
		{"bad name", []string{"k8s", "configmap", "--name", "Bad_Name", big[0]}, 2, "ConfigMap name", true},
		{"lint errors warn", []string{"k8s", "configmap", minimal}, 0, "the agent will refuse to install it", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := execCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.want)
			}
			if tt.empty && out != "" {
				t.Errorf("wrote output despite the error: %.100q", out)
			}
		})
	}
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app   # the server
        image: busybox
`

func TestK8sPatch(t *testing.T) {
	out, errOut, code := execCLI(t, deployment, "k8s", "patch", "-f", "-", "--profile", "build/web.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := deployment + "      securityContext:\n        seccompProfile:\n          type: Localhost\n          localhostProfile: profiles/web.json\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	out, _, code = execCLI(t, deployment, "k8s", "patch", "-f", "-", "--runtime-default", "-c", "app")
	if code != 0 || !strings.Contains(out, "        securityContext:\n          seccompProfile:\n            type: RuntimeDefault\n") {
		t.Errorf("container patch: exit %d\n%s", code, out)
	}

	file := writeK8sTemp(t, "deploy.yaml", deployment)
	if _, errOut, code := execCLI(t, "", "k8s", "patch", "-f", file, "--localhost", "operator/ns/web.json", "-i"); code != 0 {
		t.Fatalf("--in-place: exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "localhostProfile: operator/ns/web.json") {
		t.Errorf("file not patched in place:\n%s", b)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"k8s", "patch", "-f", "-"}, "exactly one of"},
		{[]string{"k8s", "patch", "-f", "-", "--runtime-default", "--unconfined"}, "exactly one of"},
		{[]string{"k8s", "patch", "--runtime-default"}, "needs -f FILE"},
		{[]string{"k8s", "patch", "-f", "-", "--runtime-default", "-c", "nope"}, `no container named "nope"`},
		{[]string{"k8s", "patch", "-f", "-", "--localhost", "/etc/x.json"}, "must be relative"},
		{[]string{"k8s", "patch", "-f", "-", "--runtime-default", "-i"}, "--in-place needs a file"},
	} {
		if _, errOut, code := execCLI(t, deployment, tt.args...); code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestK8sProfileCR(t *testing.T) {
	p := writeK8sTemp(t, "web.json", allowProfile)
	out, errOut, code := execCLI(t, "", "k8s", "profile-cr", "-n", "apps", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	docs := decodeDocs(t, out)
	if len(docs) != 1 || docs[0]["kind"] != "SeccompProfile" {
		t.Fatalf("got %v", docs)
	}
	meta := docs[0]["metadata"].(map[string]any)
	if meta["name"] != "web" || meta["namespace"] != "apps" {
		t.Errorf("metadata %v", meta)
	}
	spec := docs[0]["spec"].(map[string]any)
	if spec["defaultAction"] != "SCMP_ACT_ALLOW" {
		t.Errorf("spec %v", spec)
	}
	if _, errOut, code := execCLI(t, "", "k8s", "profile-cr", "--name", "x", p, p); code != 2 || !strings.Contains(errOut, "exactly one profile") {
		t.Errorf("--name with two profiles: exit %d %q", code, errOut)
	}
}

func TestKubectlPlugin(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Main([]string{"/usr/local/bin/kubectl-seccomp", "k8s", "--help"}, strings.NewReader(""), &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "kubectl seccomp k8s install") {
		t.Errorf("exit %d, help:\n%s", code, out.String())
	}
}

func TestAgentFlags(t *testing.T) {
	_, errOut, code := execCLI(t, "", "agent", "--dir", "../escape", "--kubeconfig", "/nonexistent", "--node-name", "n")
	if code != 2 || !strings.Contains(errOut, "..") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestK8sInstallMatchesDeploy checks that deploy/ holds what `k8s install` prints:
// byte for byte for the base, and object for object through kustomize when kubectl is
// there to build the overlays.
func TestK8sInstallMatchesDeploy(t *testing.T) {
	root := filepath.Join("..", "..", "deploy")
	out, errOut, code := execCLI(t, "", "k8s", "install")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	base := filepath.Join(root, "base", "seccompctl-agent.yaml")
	if *updateDeploy {
		os.WriteFile(base, []byte(out), 0o644)
	}
	want, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Fatalf("deploy/base/seccompctl-agent.yaml differs from `seccompctl k8s install` (go test ./internal/cli -run TestK8sInstallMatchesDeploy -update-deploy)")
	}

	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: the kustomize builds of deploy/ are not checked")
	}
	for _, tt := range []struct {
		dir  string
		args []string
	}{
		{"base", []string{"k8s", "install"}},
		{"overlays/monitor", []string{"k8s", "install", "--monitor"}},
		{"overlays/record", []string{"k8s", "install", "--record"}},
		{"overlays/record-static", []string{"k8s", "install", "--record", "--record-static"}},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			built, err := exec.Command(kubectl, "kustomize", filepath.Join(root, tt.dir)).Output()
			if err != nil {
				t.Fatalf("kubectl kustomize %s: %v", tt.dir, err)
			}
			out, _, code := execCLI(t, "", tt.args...)
			if code != 0 {
				t.Fatal(tt.args)
			}
			got, want := normalize(decodeDocs(t, string(built))), normalize(decodeDocs(t, out))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("kustomize build of deploy/%s differs from `seccompctl %s`:\n%v\n%v",
					tt.dir, strings.Join(tt.args, " "), got, want)
			}
		})
	}
}

// normalize sorts objects by kind and name, and lists merged by key (volumes,
// volumeMounts) by that key, which kustomize may reorder.
func normalize(docs []map[string]any) []any {
	var norm func(v any) any
	norm = func(v any) any {
		switch vv := v.(type) {
		case map[string]any:
			for k, e := range vv {
				vv[k] = norm(e)
			}
			return vv
		case []any:
			for i, e := range vv {
				vv[i] = norm(e)
			}
			sort.SliceStable(vv, func(i, j int) bool { return listKey(vv[i]) < listKey(vv[j]) })
			return vv
		}
		return v
	}
	out := make([]any, len(docs))
	for i, d := range docs {
		out[i] = norm(d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].(map[string]any), out[j].(map[string]any)
		return a["kind"].(string)+listKey(a["metadata"]) < b["kind"].(string)+listKey(b["metadata"])
	})
	return out
}

func listKey(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	for _, k := range []string{"name", "mountPath"} {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	return ""
}

func TestK8sInstallRuntime(t *testing.T) {
	out, errOut, code := execCLI(t, "", "k8s", "install", "--runtime", "runc")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "- --runtime=runc\n") {
		t.Errorf("agent args lack --runtime=runc:\n%s", out)
	}
	out, _, _ = execCLI(t, "", "k8s", "install")
	if strings.Contains(out, "--runtime=") {
		t.Error("default install pins a runtime; it should lint for all")
	}
	_, errOut, code = execCLI(t, "", "k8s", "install", "--runtime", "runx")
	if code != 2 || !strings.Contains(errOut, `--runtime "runx": want one of`) {
		t.Errorf("bad runtime: exit %d, stderr %q", code, errOut)
	}
}

func TestK8sInstallRecordFlags(t *testing.T) {
	out, errOut, code := execCLI(t, "", "k8s", "install", "--record", "--cgroup-root", "/sys/fs/cgroup/unified", "--snapshot-interval", "5s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"- --record\n", "- --snapshot-interval=5s\n", "path: /sys/fs/cgroup/unified\n", "kind: ClusterRoleBinding\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("install --record lacks %q:\n%s", want, out)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"k8s", "install", "--cgroup-root", "/sys/fs/cgroup/unified"}, "--cgroup-root is only for --record"},
		{[]string{"k8s", "install", "--snapshot-interval", "5s"}, "--snapshot-interval is only for --record"},
		{[]string{"k8s", "install", "--record", "--cgroup-root", "unified"}, "must be an absolute path"},
		{[]string{"k8s", "install", "--record-static"}, "--record-static is only for --record"},
		{[]string{"agent", "--record-static", "--kubeconfig", "/nonexistent", "--node-name", "n"}, "--record-static analyzes what --record records"},
		{[]string{"agent", "--record", "--record-static", "--analysis-cache", "rel", "--kubeconfig", "/nonexistent", "--node-name", "n"}, "must be an absolute path"},
		{[]string{"k8s", "record", "collect", "x", "-o", "/nonexistent", "--complete", "maybe"}, "want static or none"},
	} {
		if _, errOut, code := execCLI(t, "", tt.args...); code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
