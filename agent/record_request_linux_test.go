package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/internal/cli"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(append([]string{"seccompctl"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestAPIServerRecordRequest creates, reads and stops a recording request with the CLI
// against a real API server, and checks the agent's own ServiceAccount can read it.
func TestAPIServerRecordRequest(t *testing.T) {
	cp, admin, agentNS, agentKubeconfig := agent.APIServerEnv(t)
	ctx := context.Background()
	appNS := agentNS + "-app"
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "web", "tier": "front"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: appNS},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}},
			},
		},
	}
	if _, err := admin.AppsV1().Deployments(appNS).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	adminKubeconfig := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := cp.Kubeconfig(adminKubeconfig, cp.Token); err != nil {
		t.Fatal(err)
	}
	common := []string{"--kubeconfig", adminKubeconfig, "--agent-namespace", agentNS}

	before := time.Now()
	code, out, errOut := runCLI(t, append([]string{"k8s", "record", "deploy/web", "-n", appNS, "--container", "nginx", "--duration", "1h"}, common...)...)
	if code != 0 {
		t.Fatalf("k8s record: exit %d, stderr %s", code, errOut)
	}
	name := strings.TrimSpace(out)
	if !strings.HasPrefix(name, kube.RecordingNamePrefix) {
		t.Fatalf("printed name %q lacks the %q prefix", name, kube.RecordingNamePrefix)
	}

	// The agent reads requests with its own ServiceAccount's permissions.
	agentClient := clientFor(t, agentKubeconfig)
	cm, err := agentClient.CoreV1().ConfigMaps(agentNS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the agent's ServiceAccount cannot read the request: %v", err)
	}
	r, err := kube.RecordingFromConfigMap(cm)
	if err != nil {
		t.Fatal(err)
	}
	if r.Namespace != appNS || r.Selector != "app=web,tier=front" || fmt.Sprint(r.Containers) != "[nginx]" || r.Target != "deploy/web" {
		t.Errorf("request %+v: want namespace %s, the deployment's selector, container nginx, target deploy/web", r, appNS)
	}
	if d := r.Deadline.Sub(before); d < 59*time.Minute || d > 61*time.Minute || !r.Active(time.Now()) {
		t.Errorf("deadline %s is not about an hour after the request, or the request is inactive", r.Deadline)
	}

	// A missing workload and a selector of everything are refused, and nothing is created.
	code, _, errOut = runCLI(t, append([]string{"k8s", "record", "sts/missing", "-n", appNS}, common...)...)
	if code != 2 || !strings.Contains(errOut, "sts/missing: not found in namespace "+appNS) {
		t.Errorf("missing workload: exit %d, stderr %q; want 2 and a not-found message", code, errOut)
	}
	code, _, errOut = runCLI(t, append([]string{"k8s", "record", "-l", "", "-n", appNS}, common...)...)
	if code != 2 {
		t.Errorf("no workload nor selector: exit %d, stderr %q; want 2", code, errOut)
	}
	list, err := admin.CoreV1().ConfigMaps(agentNS).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelRecording + "=true"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Errorf("%d recording requests after the refused ones; want 1", len(list.Items))
	}

	// Before any snapshot, status says so.
	code, out, errOut = runCLI(t, append([]string{"k8s", "record", "status", name}, common...)...)
	if code != 0 || !strings.Contains(out, "no node has written a snapshot yet") {
		t.Errorf("status without snapshots: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// Snapshots as the agents write them, with the agent's own ServiceAccount: two nodes
	// record, a third cannot.
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	seen := func(n string, c uint64) snapshot.Seen {
		return snapshot.Seen{Name: n, Count: c, First: t0, Last: t0.Add(time.Minute)}
	}
	app := func(pod string, ss ...snapshot.Seen) snapshot.Container {
		return snapshot.Container{Namespace: appNS, Pod: pod, Container: "nginx", Arch: syscalls.X86_64, Syscalls: ss}
	}
	for _, s := range []snapshot.Snapshot{
		{Request: name, Node: "node-a", Written: t0, Containers: []snapshot.Container{app("web-1", seen("accept4", 5), seen("epoll_wait", 9)), app("web-2", seen("epoll_wait", 2))}},
		{Request: name, Node: "node-b", Written: t0, Containers: []snapshot.Container{app("web-3", seen("epoll_wait", 1), seen("sendfile", 1))}},
		{Request: name, Node: "node-c", Written: t0, Error: "eBPF recorder did not load: operation not permitted"},
	} {
		data, err := snapshot.Encode(s, kube.MaxSnapshotBytes)
		if err != nil {
			t.Fatal(err)
		}
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{
			Name: kube.SnapshotLeaseName(name, s.Node), Namespace: agentNS,
			Labels:      map[string]string{kube.LabelSnapshotOf: name},
			Annotations: map[string]string{kube.AnnotationSnapshot: string(data)},
		}}
		if _, err := agentClient.CoordinationV1().Leases(agentNS).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
			t.Fatalf("the agent's ServiceAccount cannot write its snapshot: %v", err)
		}
	}
	code, out, errOut = runCLI(t, append([]string{"k8s", "record", "status", name}, common...)...)
	if code != 0 {
		t.Fatalf("status: exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{"deploy/web in namespace " + appNS, "recording until", appNS + "/web-1", "not recording: eBPF recorder did not load"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	dir := t.TempDir()
	code, _, errOut = runCLI(t, append([]string{"k8s", "record", "collect", name, "-o", dir}, common...)...)
	if code != 0 {
		t.Fatalf("collect: exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(errOut, "node node-c records nothing") {
		t.Errorf("collect does not warn about the node that records nothing: %s", errOut)
	}
	p, err := profile.Load(filepath.Join(dir, "nginx.json"))
	if err != nil {
		t.Fatal(err)
	}
	comments := map[string]string{}
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			comments[n] = r.Comment
		}
	}
	for n, want := range map[string]string{"accept4": "seen in 1 of 3 replicas", "epoll_wait": "seen in 3 of 3 replicas", "sendfile": "seen in 1 of 3 replicas"} {
		if !strings.HasPrefix(comments[n], want) {
			t.Errorf("%s: comment %q, want %q", n, comments[n], want)
		}
	}
	if _, ok := comments["execve"]; !ok {
		t.Errorf("the collected profile lacks runc's execve")
	}

	code, out, errOut = runCLI(t, append([]string{"k8s", "record", "stop", name}, common...)...)
	if code != 0 {
		t.Fatalf("k8s record stop: exit %d, stderr %s", code, errOut)
	}
	cm, err = admin.CoreV1().ConfigMaps(agentNS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err = kube.RecordingFromConfigMap(cm)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stopped.IsZero() || r.Active(time.Now()) {
		t.Fatalf("after stop the request is still active: %+v", r)
	}
	// Stopping again keeps the first stop time.
	code, out2, _ := runCLI(t, append([]string{"k8s", "record", "stop", name}, common...)...)
	if code != 0 || out2 != out {
		t.Errorf("second stop: exit %d, output %q; want 0 and the first stop's %q", code, out2, out)
	}
	code, _, errOut = runCLI(t, append([]string{"k8s", "record", "stop", "recording-none"}, common...)...)
	if code != 2 || !strings.Contains(errOut, "not found in namespace "+agentNS) {
		t.Errorf("stop of a missing request: exit %d, stderr %q; want 2 and not found", code, errOut)
	}
}

func clientFor(t *testing.T, kubeconfig string) kubernetes.Interface {
	t.Helper()
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
