package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/agent/internal/controlplane"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

// createNode makes a Node object with the architecture and container runtime the
// kubelet would report.
func createNode(t *testing.T, admin kubernetes.Interface, name, arch, runtime string) {
	t.Helper()
	ctx := context.Background()
	n, err := admin.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	// Status is ignored on create; the kubelet writes it through the status subresource.
	n.Status.NodeInfo = corev1.NodeSystemInfo{Architecture: arch, ContainerRuntimeVersion: runtime, OperatingSystem: "linux"}
	if _, err := admin.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// writeSnapshot stores s as the agent of its node does.
func writeSnapshot(t *testing.T, client kubernetes.Interface, ns string, s snapshot.Snapshot) {
	t.Helper()
	data, err := snapshot.Encode(s, kube.MaxSnapshotBytes)
	if err != nil {
		t.Fatal(err)
	}
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{
		Name: kube.SnapshotLeaseName(s.Request, s.Node), Namespace: ns,
		Labels:      map[string]string{kube.LabelSnapshotOf: s.Request},
		Annotations: map[string]string{kube.AnnotationSnapshot: string(data)},
	}}
	if _, err := client.CoordinationV1().Leases(ns).Create(context.Background(), lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

type collectJSON struct {
	Files []struct {
		Container string   `json:"container"`
		Arches    []string `json:"architectures"`
		Runtimes  []string `json:"runtimes"`
	} `json:"files"`
	Empty   []string `json:"empty"`
	Objects []struct {
		Namespace, Name, Key, Action string
		Complain                     bool
	} `json:"objects"`
	Notes []string `json:"notes"`
}

// TestAPIServerCollectApply runs 'k8s record collect --apply' against a real API
// server: the Node objects give each node's architecture and runtime (one amd64
// containerd node, one arm64 CRI-O 1.29 node, one node that is gone), the profile
// lists both arches and both runtimes' needs, the labelled ConfigMap is created in
// complain mode, then updated to enforcing, then left unchanged; a container that
// recorded nothing gets no ConfigMap, a profile with lint errors is applied only with
// --force, and a ConfigMap that is not the agent's is not overwritten.
func TestAPIServerCollectApply(t *testing.T) {
	cp, admin, agentNS, _ := agent.APIServerEnv(t)
	ctx := context.Background()
	adminKubeconfig := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := cp.Kubeconfig(adminKubeconfig, cp.Token); err != nil {
		t.Fatal(err)
	}
	common := []string{"--kubeconfig", adminKubeconfig, "--agent-namespace", agentNS}
	amd, arm, gone := agentNS+"-amd", agentNS+"-arm", agentNS+"-gone"
	createNode(t, admin, amd, "amd64", "containerd://1.7.24")
	createNode(t, admin, arm, "arm64", "cri-o://1.29.1")

	code, out, errOut := runCLI(t, append([]string{"k8s", "record", "-l", "app=web", "-n", "shop"}, common...)...)
	if code != 0 {
		t.Fatalf("k8s record: exit %d, stderr %s", code, errOut)
	}
	req := strings.TrimSpace(out)
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	seen := func(n string) snapshot.Seen {
		return snapshot.Seen{Name: n, Count: 3, First: t0, Last: t0.Add(time.Minute)}
	}
	c := func(pod, name string, arch syscalls.Arch, ss ...snapshot.Seen) snapshot.Container {
		return snapshot.Container{Namespace: "shop", Pod: pod, Container: name, Arch: arch, Syscalls: ss}
	}
	writeSnapshot(t, admin, agentNS, snapshot.Snapshot{Request: req, Node: amd, Written: t0, Containers: []snapshot.Container{
		c("web-1", "web", syscalls.X86_64, seen("open"), seen("read"), seen("epoll_wait")),
		c("web-1", "idle", syscalls.X86_64),
	}})
	writeSnapshot(t, admin, agentNS, snapshot.Snapshot{Request: req, Node: arm, Written: t0, Containers: []snapshot.Container{
		c("web-2", "web", syscalls.AArch64, seen("openat"), seen("read"), seen("epoll_pwait")),
	}})
	writeSnapshot(t, admin, agentNS, snapshot.Snapshot{Request: req, Node: gone, Written: t0, Containers: []snapshot.Container{
		c("web-3", "web", syscalls.X86_64, seen("read")),
	}})

	collect := func(extra ...string) (int, collectJSON, string) {
		t.Helper()
		args := append([]string{"k8s", "record", "collect", req, "-o", t.TempDir(), "--format", "json"}, common...)
		code, out, errOut := runCLI(t, append(args, extra...)...)
		var res collectJSON
		if out != "" {
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("collect %v: stdout is not JSON: %v\n%s", extra, err, out)
			}
		}
		return code, res, errOut
	}
	code, res, errOut := collect("--apply", "--complain")
	if code != 0 {
		t.Fatalf("collect --apply --complain: exit %d, stderr %s", code, errOut)
	}
	if len(res.Files) != 1 || fmt.Sprint(res.Files[0].Arches) != "[x86_64 aarch64]" || fmt.Sprint(res.Files[0].Runtimes) != "[crun runc]" {
		t.Errorf("files %+v; want web.json for x86_64 and aarch64 with crun's and runc's needs", res.Files)
	}
	if fmt.Sprint(res.Empty) != "[idle]" || !strings.Contains(errOut, "container idle recorded nothing") {
		t.Errorf("empty %v, stderr %s; want idle said to have recorded nothing", res.Empty, errOut)
	}
	for _, want := range []string{"node " + arm + ": CRI-O 1.29.1", "node " + gone + " has no Node object"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if len(res.Objects) != 1 || res.Objects[0].Name != "web" || res.Objects[0].Key != "web.json" || res.Objects[0].Action != "created" || !res.Objects[0].Complain {
		t.Fatalf("objects %+v; want ConfigMap web created in complain mode", res.Objects)
	}
	cm, err := admin.CoreV1().ConfigMaps(agentNS).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels[kube.LabelProfiles] != "true" || cm.Labels[kube.LabelComplain] != "true" || cm.Annotations[kube.AnnotationEnforced] == "" {
		t.Errorf("ConfigMap web: labels %v, annotations %v; want the agent's and the complain label and annotation", cm.Labels, cm.Annotations)
	}
	p, err := profile.Parse("web.json", []byte(cm.Data["web.json"]))
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != profile.ActLog || fmt.Sprint(p.Architectures) != "[SCMP_ARCH_X86_64 SCMP_ARCH_AARCH64]" {
		t.Errorf("applied profile: default %s, arches %v; want SCMP_ACT_LOG for x86_64 and aarch64", p.DefaultAction, p.Architectures)
	}
	if _, err := admin.CoreV1().ConfigMaps(agentNS).Get(ctx, "idle", metav1.GetOptions{}); err == nil {
		t.Errorf("a ConfigMap was applied for the container that recorded nothing")
	}

	// Again without --complain: the same ConfigMap becomes enforcing; then nothing changes.
	code, res, errOut = collect("--apply")
	if code != 0 || len(res.Objects) != 1 || res.Objects[0].Action != "updated" || res.Objects[0].Complain {
		t.Fatalf("collect --apply: exit %d, objects %+v, stderr %s; want web updated, enforcing", code, res.Objects, errOut)
	}
	cm, err = admin.CoreV1().ConfigMaps(agentNS).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Labels[kube.LabelComplain]; ok || cm.Annotations[kube.AnnotationEnforced] != "" {
		t.Errorf("after an enforcing apply: labels %v, annotations %v; want no complain label or annotation", cm.Labels, cm.Annotations)
	}
	if code, res, _ = collect("--apply"); code != 0 || len(res.Objects) != 1 || res.Objects[0].Action != "unchanged" {
		t.Errorf("collect --apply again: exit %d, objects %+v; want web unchanged", code, res.Objects)
	}
	// --runtime overrides what the nodes say.
	if code, res, _ = collect("--runtime", "none"); code != 0 || len(res.Files) != 1 || len(res.Files[0].Runtimes) != 0 {
		t.Errorf("collect --runtime none: exit %d, files %+v; want no runtime", code, res.Files)
	}

	// A profile lint finds errors in (bpf allowed without a capability condition) is
	// not applied, and with it nothing else; --force applies it.
	writeSnapshot(t, admin, agentNS, snapshot.Snapshot{Request: req, Node: amd + "-2", Written: t0, Containers: []snapshot.Container{
		c("tool-1", "tool", syscalls.X86_64, seen("bpf"), seen("read")),
	}})
	code, _, errOut = collect("--apply")
	if code != 1 || !strings.Contains(errOut, "refused: tool.json: lint finds") {
		t.Errorf("collect --apply with a lint error: exit %d, stderr %s; want 1 and the refusal", code, errOut)
	}
	if _, err := admin.CoreV1().ConfigMaps(agentNS).Get(ctx, "tool", metav1.GetOptions{}); err == nil {
		t.Errorf("the profile with lint errors was applied")
	}
	code, res, errOut = collect("--apply", "--force")
	if code != 0 || len(res.Objects) != 2 || !strings.Contains(errOut, "applying anyway (--force)") {
		t.Errorf("collect --apply --force: exit %d, objects %+v, stderr %s; want tool and web applied with a warning", code, res.Objects, errOut)
	}

	// A ConfigMap of the same name that is not the agent's is left alone.
	if err := admin.CoreV1().ConfigMaps(agentNS).Delete(ctx, "tool", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "tool", Namespace: agentNS}, Data: map[string]string{"x": "y"}}
	if _, err := admin.CoreV1().ConfigMaps(agentNS).Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = collect("--apply", "--force")
	if code != 1 || !strings.Contains(errOut, "not overwritten") {
		t.Errorf("collect over a foreign ConfigMap: exit %d, stderr %s; want 1 and not overwritten", code, errOut)
	}
	if cm, err := admin.CoreV1().ConfigMaps(agentNS).Get(ctx, "tool", metav1.GetOptions{}); err != nil || cm.Data["x"] != "y" {
		t.Errorf("the foreign ConfigMap changed: %+v, %v", cm, err)
	}
	if got := cm.Annotations[kube.AnnotationRecordedFrom]; got != "shop/-l app=web" {
		t.Errorf("ConfigMap web names %q as recorded from; want shop/-l app=web", got)
	}

	// Another workload whose container is also named web does not replace the first's
	// profile; with --prefix it gets its own.
	code, out, errOut = runCLI(t, append([]string{"k8s", "record", "-l", "app=other", "-n", "shop"}, common...)...)
	if code != 0 {
		t.Fatalf("k8s record: exit %d, stderr %s", code, errOut)
	}
	other := strings.TrimSpace(out)
	writeSnapshot(t, admin, agentNS, snapshot.Snapshot{Request: other, Node: amd, Written: t0, Containers: []snapshot.Container{
		c("other-1", "web", syscalls.X86_64, seen("read"), seen("uname")),
	}})
	dir := t.TempDir()
	code, _, errOut = runCLI(t, append([]string{"k8s", "record", "collect", other, "-o", dir, "--apply"}, common...)...)
	if code != 1 || !strings.Contains(errOut, "holds the profile recorded from shop/-l app=web; not overwritten") {
		t.Errorf("collect of another workload over web: exit %d, stderr %s; want 1 and not overwritten", code, errOut)
	}
	code, out, errOut = runCLI(t, append([]string{"k8s", "record", "collect", other, "-o", dir, "--apply", "--prefix", "other-"}, common...)...)
	if code != 0 || !strings.Contains(out, "configmap "+agentNS+"/other-web created: other-web.json") {
		t.Errorf("collect --prefix other-: exit %d, stdout %s, stderr %s; want other-web created", code, out, errOut)
	}
	// Made for a runc node only, it lacks what crun needs: an agent linting for every
	// runtime would refuse it, and collect says how to install the agent instead.
	if !strings.Contains(errOut, "install the agent with --runtime runc") {
		t.Errorf("collect of a runc-only profile does not say the agent needs --runtime runc:\n%s", errOut)
	}
	if _, err := profile.Load(filepath.Join(dir, "other-web.json")); err != nil {
		t.Errorf("the prefixed file: %v", err)
	}

	// In complain mode, then promoted: the ConfigMap says the profile is for runc, so
	// promote lints it for runc (for crun too, it is refused).
	code, _, errOut = runCLI(t, append([]string{"k8s", "record", "collect", other, "-o", dir, "--apply", "--complain", "--prefix", "other-"}, common...)...)
	if code != 0 {
		t.Fatalf("collect --complain --prefix other-: exit %d, stderr %s", code, errOut)
	}
	// The same profile applied in complain mode again is unchanged: when complain mode
	// began stays, so the clean period is not restarted.
	cm, err = admin.CoreV1().ConfigMaps(agentNS).Get(ctx, "other-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, append([]string{"k8s", "record", "collect", other, "-o", dir, "--apply", "--complain", "--prefix", "other-"}, common...)...)
	if code != 0 || !strings.Contains(out, "configmap "+agentNS+"/other-web unchanged") {
		t.Errorf("collect --complain again: exit %d, stdout %s, stderr %s; want other-web unchanged", code, out, errOut)
	}
	if again, err := admin.CoreV1().ConfigMaps(agentNS).Get(ctx, "other-web", metav1.GetOptions{}); err != nil ||
		again.Annotations[kube.AnnotationComplainSince] != cm.Annotations[kube.AnnotationComplainSince] {
		t.Errorf("complain-since changed on an unchanged apply: %v", err)
	}
	promote := []string{"k8s", "promote", "other-web.json", "--apply", "--clean-for", "0s", "-n", agentNS, "--kubeconfig", adminKubeconfig}
	code, _, errOut = runCLI(t, append(promote, "--runtime", "runc,crun")...)
	if code != 1 || !strings.Contains(errOut, "SC2001 crun") {
		t.Errorf("promote linting for crun too: exit %d, stderr %s; want 1 and crun's SC2001", code, errOut)
	}
	code, out, errOut = runCLI(t, promote...)
	if code != 0 || !strings.Contains(out, "other-web.json enforcing") || !strings.Contains(errOut, "linting for runc, the runtimes the profile was collected for") {
		t.Errorf("promote of a runc profile: exit %d, stdout %s, stderr %s; want it promoted, linted for runc", code, out, errOut)
	}

	// A user who may read the request and its snapshots but not Nodes still collects,
	// with the snapshots' architectures and both runtimes, and is told why.
	reader := readerKubeconfig(t, cp, admin, agentNS)
	code, out, errOut = runCLI(t, "k8s", "record", "collect", other, "-o", t.TempDir(), "--format", "json", "--kubeconfig", reader, "--agent-namespace", agentNS)
	if code != 0 || !strings.Contains(errOut, "warning: cannot read Node objects") {
		t.Fatalf("collect without access to Nodes: exit %d, stderr %s; want 0 and a warning", code, errOut)
	}
	var res2 collectJSON
	if err := json.Unmarshal([]byte(out), &res2); err != nil {
		t.Fatal(err)
	}
	if len(res2.Files) != 1 || fmt.Sprint(res2.Files[0].Runtimes) != "[crun runc]" || fmt.Sprint(res2.Files[0].Arches) != "[x86_64]" {
		t.Errorf("collect without Nodes: %+v; want x86_64 from the snapshot and both runtimes", res2.Files)
	}
}

// readerKubeconfig is a kubeconfig of a ServiceAccount that may get ConfigMaps and list
// Leases in ns, and nothing else: enough for 'k8s record collect' without --apply.
func readerKubeconfig(t *testing.T, cp *controlplane.ControlPlane, admin kubernetes.Interface, ns string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reader"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}},
		{APIGroups: []string{coordinationv1.GroupName}, Resources: []string{"leases"}, Verbs: []string{"list"}},
	}}
	if _, err := admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "reader", Namespace: ns}}}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	exp := int64(3600)
	tok, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "reader", &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "reader.kubeconfig")
	if err := cp.Kubeconfig(path, tok.Status.Token); err != nil {
		t.Fatal(err)
	}
	return path
}
