package agent_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/internal/bpffd"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/snapshot"
)

// recEnv is one recording test: a real API server, the agent's namespace and
// ServiceAccount, an application namespace the agent may read pods in, and a scratch
// kubepods-like tree in the host's cgroup v2 hierarchy holding real processes.
type recEnv struct {
	t              *testing.T
	admin          kubernetes.Interface
	agentNS, appNS string
	node           string
	kubeconfig     string // the agent's
	adminConfig    string
	mount, scratch string // the cgroup v2 mount; the tree the agent takes as the kubelet's cgroup root
	children       []*child
}

func newRecEnv(t *testing.T) *recEnv {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the eBPF recorder and cgroups")
	}
	cp, admin, agentNS, agentKubeconfig := agent.APIServerEnv(t)
	e := &recEnv{t: t, admin: admin, agentNS: agentNS, appNS: agentNS + "-app", node: "node-" + agentNS, kubeconfig: agentKubeconfig}
	e.adminConfig = filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := cp.Kubeconfig(e.adminConfig, cp.Token); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: e.appNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// No controller-manager runs here to make it; pods need it.
	if _, err := admin.CoreV1().ServiceAccounts(e.appNS).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// What an operator grants in a namespace whose pods may be recorded.
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "seccompctl-record", Namespace: e.appNS},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}}}
	if _, err := admin.RbacV1().Roles(e.appNS).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "seccompctl-record", Namespace: e.appNS},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: kube.AgentName, Namespace: agentNS}}}
	if _, err := admin.RbacV1().RoleBindings(e.appNS).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mi), "\n") {
		if f := strings.Fields(line); len(f) > 8 && strings.Contains(line, " - cgroup2 ") {
			e.mount = f[4]
		}
	}
	if e.mount == "" {
		t.Skip("no cgroup v2 hierarchy mounted")
	}
	e.scratch = filepath.Join(e.mount, fmt.Sprintf("seccompctl-agent-test-%d-%s", os.Getpid(), agentNS))
	if err := os.Mkdir(e.scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.cleanup)
	return e
}

func (e *recEnv) cleanup() {
	for _, c := range e.children {
		c.kill()
	}
	// Cgroups go deepest first; a directory with processes or children cannot.
	var dirs []string
	filepath.WalkDir(e.scratch, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		if err := os.Remove(d); err != nil {
			e.t.Logf("cleanup: %v", err)
		}
	}
}

func (e *recEnv) startAgent(interval time.Duration) (*agent.Agent, func()) {
	e.t.Helper()
	return e.startAgentWith(interval, nil)
}

// startAgentWith starts the recording agent with its configuration changed by edit.
func (e *recEnv) startAgentWith(interval time.Duration, edit func(*agent.Config)) (*agent.Agent, func()) {
	e.t.Helper()
	rel, _ := filepath.Rel(e.mount, e.scratch)
	var logw io.Writer = io.Discard
	if testing.Verbose() {
		logw = os.Stderr
	}
	cfg := agent.Config{
		Kubeconfig: e.kubeconfig, NodeName: e.node, KubeletRoot: e.t.TempDir(), Namespace: e.agentNS,
		ListenAddress: "-", ResyncPeriod: 5 * time.Second,
		Record: true, CgroupRoot: e.mount, KubeletCgroupRoot: rel, SnapshotInterval: interval,
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := agent.New(cfg, agent.WithLogger(slog.New(slog.NewTextHandler(logw, nil))))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("agent: %v", err)
		}
	}
	e.t.Cleanup(stop)
	return a, stop
}

func (e *recEnv) cli(args ...string) string {
	e.t.Helper()
	code, out, errOut := runCLI(e.t, append(args, "--kubeconfig", e.adminConfig, "--agent-namespace", e.agentNS)...)
	if code != 0 {
		e.t.Fatalf("seccompctl %s: exit %d, stderr %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// pod creates a pod bound to the agent's node and returns it with its UID. A request
// makes it Burstable; without, the API server makes it BestEffort.
func (e *recEnv) pod(ns, name string, labels map[string]string, requests corev1.ResourceList, containers ...string) *corev1.Pod {
	e.t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{NodeName: e.node}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "example.invalid/" + c,
			Resources: corev1.ResourceRequirements{Requests: requests}})
	}
	p, err := e.admin.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// setStatus sets the pod's container IDs as the kubelet would.
func (e *recEnv) setStatus(p *corev1.Pod, running map[string]string, inits map[string]string) {
	e.t.Helper()
	ctx := context.Background()
	cur, err := e.admin.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	cur.Status.Phase = corev1.PodRunning
	cur.Status.ContainerStatuses, cur.Status.InitContainerStatuses = nil, nil
	scheme := func(id string) string {
		if strings.Contains(id, "://") {
			return id
		}
		return "containerd://" + id
	}
	for name, id := range running {
		cur.Status.ContainerStatuses = append(cur.Status.ContainerStatuses, corev1.ContainerStatus{Name: name, ContainerID: scheme(id),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	}
	for name, id := range inits {
		cur.Status.InitContainerStatuses = append(cur.Status.InitContainerStatuses, corev1.ContainerStatus{Name: name,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: scheme(id)}}})
	}
	if _, err := e.admin.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// podDir is the pod's cgroup in the scratch tree, under the cgroupfs driver's layout.
func (e *recEnv) podDir(p *corev1.Pod, qos string) string {
	return filepath.Join(e.scratch, "kubepods", qos, "pod"+string(p.UID))
}

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// child is a workload process started inside a cgroup (its first exec is there).
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func (e *recEnv) run(dir, calls string) *child {
	e.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer unix.Close(fd)
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), agent.SyscallChildEnv+"="+calls)
	// In a mount namespace of its own, as a runtime executes a container's entrypoint:
	// the recorder counts a container from such an exec.
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd, Pdeathsig: syscall.SIGKILL, Cloneflags: syscall.CLONE_NEWNS}
	c := &child{cmd: cmd}
	if c.in, err = cmd.StdinPipe(); err != nil {
		e.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	c.out = bufio.NewReader(stdout)
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.children = append(e.children, c)
	c.wait(e.t)
	return c
}

func (c *child) wait(t *testing.T) {
	t.Helper()
	if line, err := c.out.ReadString('\n'); err != nil || line != "done\n" {
		t.Fatalf("workload: %q, %v", line, err)
	}
}

// again makes the child's syscalls once more.
func (c *child) again(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(c.in, "go\n"); err != nil {
		t.Fatal(err)
	}
	c.wait(t)
}

// exit ends the child and waits for it.
func (c *child) exit() {
	c.in.Close()
	c.cmd.Wait()
}

func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

// snapshot reads the node's snapshot of request, its parts joined; ok is false while
// there is none.
func (e *recEnv) snapshot(request string) (snapshot.Snapshot, bool, string) {
	ls, err := e.admin.CoordinationV1().Leases(e.agentNS).List(context.Background(), metav1.ListOptions{LabelSelector: kube.LabelSnapshotOf + "=" + request})
	if err != nil {
		return snapshot.Snapshot{}, false, err.Error()
	}
	var parts []snapshot.Snapshot
	for _, l := range ls.Items {
		s, err := snapshot.Decode(l.Name, []byte(l.Annotations[kube.AnnotationSnapshot]))
		if err != nil {
			e.t.Fatal(err)
		}
		parts = append(parts, s)
	}
	for _, s := range snapshot.Join(parts) {
		if s.Node == e.node {
			return s, true, ""
		}
	}
	return snapshot.Snapshot{}, false, fmt.Sprintf("no snapshot of %s from node %s yet", request, e.node)
}

// waitSnapshot polls the snapshot until cond holds, and returns it.
func (e *recEnv) waitSnapshot(what, request string, cond func(s snapshot.Snapshot) (bool, string)) snapshot.Snapshot {
	e.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		s, ok, why := e.snapshot(request)
		if ok {
			var good bool
			if good, why = cond(s); good {
				return s
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not reached after 90s: %s", what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func container(s snapshot.Snapshot, pod, name string) *snapshot.Container {
	for i, c := range s.Containers {
		if c.Pod == pod && c.Container == name {
			return &s.Containers[i]
		}
	}
	return nil
}

func count(c *snapshot.Container, name string) uint64 {
	if c == nil {
		return 0
	}
	for _, sc := range c.Syscalls {
		if sc.Name == name {
			return sc.Count
		}
	}
	return 0
}

func podOf(s snapshot.Snapshot, name string) *snapshot.Pod {
	for i, p := range s.Pods {
		if p.Name == name {
			return &s.Pods[i]
		}
	}
	return nil
}

func gauge(t *testing.T, a *agent.Agent, name string) float64 {
	t.Helper()
	mfs, err := a.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += value(m)
			}
		}
	}
	return sum
}

func value(m *dto.Metric) float64 {
	if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	return m.Counter.GetValue()
}

// TestAPIServerAgentRecords runs the agent with --record against a real API server and
// the real kernel: pods bound to its node, their cgroups in a scratch kubepods tree,
// real processes in them making known syscalls.
func TestAPIServerAgentRecords(t *testing.T) {
	e := newRecEnv(t)
	ctx := context.Background()
	web := map[string]string{"app": "web"}

	// A pod running before the request: its app container and its sandbox.
	old := e.pod(e.appNS, "web-old", web, nil, "app")
	idOld, idSandbox := newID(), newID()
	oldApp := e.run(filepath.Join(e.podDir(old, "besteffort"), idOld), "sysinfo")
	sandbox := e.run(filepath.Join(e.podDir(old, "besteffort"), idSandbox), "times")
	e.setStatus(old, map[string]string{"app": idOld}, nil)

	a, stop := e.startAgent(time.Second)
	name := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=web", "-n", e.appNS))
	nothing := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=none", "-n", e.appNS))
	deniedNS := e.agentNS + "-denied"
	if _, err := e.admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: deniedNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	denied := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=web", "-n", deniedNS))

	// The running pod is watched from now: what its processes make from then on counts.
	e.waitSnapshot("web-old watched", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "web-old")
		return p != nil && p.Cgroup != "", fmt.Sprintf("pods %+v", s.Pods)
	})
	oldApp.again(t)
	sandbox.again(t)
	s := e.waitSnapshot("web-old counted", name, func(s snapshot.Snapshot) (bool, string) {
		return count(container(s, "web-old", "app"), "sysinfo") > 0 && len(s.Unresolved) > 0, fmt.Sprintf("containers %+v unresolved %+v", s.Containers, s.Unresolved)
	})
	if c := container(s, "web-old", "app"); c.Since.IsZero() {
		t.Errorf("web-old/app was running before the request, but its snapshot does not say since when: %+v", c)
	}
	if !noteWith(s, "pod "+e.appNS+"/web-old was running before the recording started") {
		t.Errorf("notes %q lack web-old's", s.Notes)
	}
	if u := s.Unresolved[0]; u.Pod != "web-old" || !strings.Contains(u.Cgroup, idSandbox) || u.Calls == 0 {
		t.Errorf("unresolved %+v: want the sandbox's cgroup", s.Unresolved)
	}
	for _, c := range s.Containers {
		if count(&c, "times") > 0 {
			t.Errorf("the sandbox's times was merged into %s/%s", c.Pod, c.Container)
		}
	}

	// A pod created after the request: recorded from its containers' first exec, its
	// init container's counts kept after its cgroup is removed.
	fresh := e.pod(e.appNS, "web-new", web, corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}, "app")
	e.waitSnapshot("web-new matched", name, func(s snapshot.Snapshot) (bool, string) {
		return podOf(s, "web-new") != nil, fmt.Sprintf("pods %+v", s.Pods)
	})
	freshDir := e.podDir(fresh, "burstable")
	if err := os.MkdirAll(freshDir, 0o755); err != nil {
		t.Fatal(err)
	}
	e.waitSnapshot("web-new watched", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "web-new")
		return p != nil && p.Cgroup != "", fmt.Sprintf("pods %+v", s.Pods)
	})
	idInit, idNew := newID(), newID()
	initDir := filepath.Join(freshDir, idInit)
	e.run(initDir, "getpriority").exit()
	if err := os.Remove(initDir); err != nil {
		t.Fatal(err)
	}
	newApp := e.run(filepath.Join(freshDir, idNew), "ioprio_get")
	e.setStatus(fresh, map[string]string{"app": idNew}, map[string]string{"init": idInit})
	s = e.waitSnapshot("web-new counted", name, func(s snapshot.Snapshot) (bool, string) {
		return count(container(s, "web-new", "app"), "ioprio_get") > 0 && count(container(s, "web-new", "init"), "getpriority") > 0,
			fmt.Sprintf("containers %+v", s.Containers)
	})
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err == nil && noteWith(s, "cannot tell a container's first exec") {
		t.Errorf("the kernel has BTF, yet the agent counts from any first exec: %q", s.Notes)
	}
	for _, n := range []string{"app", "init"} {
		c := container(s, "web-new", n)
		if count(c, "execve") == 0 || !c.Since.IsZero() {
			t.Errorf("web-new/%s: %+v; want its first exec (execve) counted and no since", n, c)
		}
	}
	for _, u := range s.Unresolved {
		if u.Pod == "web-new" {
			t.Errorf("web-new has an unresolved cgroup %+v, though its status names both", u)
		}
	}

	// The systemd driver's layout with CRI-O's names: the container in crio-<id>.scope,
	// CRI-O's conmon beside it in crio-conmon-<id>.scope, never taken for the container.
	sd := e.pod(e.appNS, "web-sd", web, nil, "app")
	slice := filepath.Join(e.scratch, "kubepods.slice", "kubepods-besteffort.slice",
		"kubepods-besteffort-pod"+strings.ReplaceAll(string(sd.UID), "-", "_")+".slice")
	if err := os.MkdirAll(slice, 0o755); err != nil {
		t.Fatal(err)
	}
	e.waitSnapshot("web-sd watched", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "web-sd")
		return p != nil && strings.HasSuffix(p.Cgroup, filepath.Base(slice)), fmt.Sprintf("pods %+v", s.Pods)
	})
	idSD := newID()
	e.run(filepath.Join(slice, "crio-conmon-"+idSD+".scope"), "sched_getparam")
	sdApp := e.run(filepath.Join(slice, "crio-"+idSD+".scope"), "sched_getscheduler")
	e.setStatus(sd, map[string]string{"app": "cri-o://" + idSD}, nil)
	s = e.waitSnapshot("web-sd counted", name, func(s snapshot.Snapshot) (bool, string) {
		conmon := false
		for _, u := range s.Unresolved {
			conmon = conmon || u.Pod == "web-sd" && strings.HasPrefix(u.Cgroup, "crio-conmon-")
		}
		return count(container(s, "web-sd", "app"), "sched_getscheduler") > 0 && conmon, fmt.Sprintf("containers %+v unresolved %+v", s.Containers, s.Unresolved)
	})
	if c := container(s, "web-sd", "app"); count(c, "sched_getparam") > 0 || !c.Since.IsZero() {
		t.Errorf("web-sd/app: %+v; want conmon's sched_getparam not merged, and no since", c)
	}

	// The container restarts: a new ID, the old one in lastState. Both runs add up
	// under its one name.
	first := count(container(s, "web-sd", "app"), "sched_getscheduler")
	sdApp.exit()
	if err := os.Remove(filepath.Join(slice, "crio-"+idSD+".scope")); err != nil {
		t.Fatal(err)
	}
	idSD2 := newID()
	e.run(filepath.Join(slice, "crio-"+idSD2+".scope"), "sched_getscheduler")
	cur, err := e.admin.CoreV1().Pods(e.appNS).Get(ctx, "web-sd", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Status.ContainerStatuses[0].ContainerID = "cri-o://" + idSD2
	cur.Status.ContainerStatuses[0].RestartCount = 1
	cur.Status.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "cri-o://" + idSD}}
	if _, err := e.admin.CoreV1().Pods(e.appNS).UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s = e.waitSnapshot("web-sd's second run counted", name, func(s snapshot.Snapshot) (bool, string) {
		return count(container(s, "web-sd", "app"), "sched_getscheduler") > first, fmt.Sprintf("containers %+v unresolved %+v", s.Containers, s.Unresolved)
	})
	for _, u := range s.Unresolved {
		if u.Pod == "web-sd" && !strings.HasPrefix(u.Cgroup, "crio-conmon-") {
			t.Errorf("a run of web-sd/app is unresolved: %+v", u)
		}
	}

	// A pod whose status says it runs, but whose cgroup is nowhere the agent looks (a
	// kubelet with another --cgroup-root): the snapshot says so.
	lost := e.pod(e.appNS, "web-lost", web, nil, "app")
	e.setStatus(lost, map[string]string{"app": newID()}, nil)
	e.waitSnapshot("web-lost noted", name, func(s snapshot.Snapshot) (bool, string) {
		return noteWith(s, "pod "+e.appNS+"/web-lost runs but its cgroup was not found below "+e.scratch), fmt.Sprintf("notes %q", s.Notes)
	})
	zero := int64(0)
	if err := e.admin.CoreV1().Pods(e.appNS).Delete(ctx, "web-lost", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}

	// The request that selects nothing, and the one for a namespace the agent may not read.
	e.waitSnapshot("nothing selected", nothing, func(s snapshot.Snapshot) (bool, string) {
		return len(s.Pods) == 0 && s.Error == "" && !s.Written.IsZero(), fmt.Sprintf("%+v", s)
	})
	if out := e.cli("k8s", "record", "status", nothing); !strings.Contains(out, "matches no pod on any") {
		t.Errorf("status of the request that selects nothing:\n%s", out)
	}
	e.waitSnapshot("denied namespace", denied, func(s snapshot.Snapshot) (bool, string) {
		return strings.Contains(s.Error, "may not list pods in namespace "+deniedNS), s.Error
	})
	if out := e.cli("k8s", "record", "status", denied); !strings.Contains(out, "not recording: the agent may not list pods in namespace "+deniedNS) {
		t.Errorf("status of the denied request:\n%s", out)
	}

	// A pod that vanishes mid-recording keeps what it made.
	before := count(container(s, "web-old", "app"), "sysinfo")
	// No kubelet runs here to finish a graceful deletion.
	if err := e.admin.CoreV1().Pods(e.appNS).Delete(ctx, "web-old", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	oldApp.exit()
	sandbox.exit()
	s = e.waitSnapshot("web-old deleted", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "web-old")
		return p != nil && p.Deleted, fmt.Sprintf("pods %+v", s.Pods)
	})
	if got := count(container(s, "web-old", "app"), "sysinfo"); got < before {
		t.Errorf("after web-old went: sysinfo %d, was %d", got, before)
	}
	if gauge(t, a, "seccompctl_agent_recording_requests_active") != 3 || gauge(t, a, "seccompctl_agent_snapshot_writes_total") == 0 {
		t.Errorf("metrics: %v requests active (want 3), %v snapshot writes",
			gauge(t, a, "seccompctl_agent_recording_requests_active"), gauge(t, a, "seccompctl_agent_snapshot_writes_total"))
	}

	// A restarted agent adds to its snapshot and says what it did not see.
	stop()
	s1, _, _ := e.snapshot(name)
	ioprio := count(container(s1, "web-new", "app"), "ioprio_get")
	if ioprio == 0 {
		t.Fatalf("the last snapshot before the restart lacks web-new/app: %+v", s1.Containers)
	}
	a, _ = e.startAgent(time.Second)
	e.waitSnapshot("resumed", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "web-new")
		return noteWith(s, "the agent restarted at") && p != nil && p.Cgroup != "", fmt.Sprintf("notes %q pods %+v", s.Notes, s.Pods)
	})
	// The resumed snapshot carries the pod's cgroup over from before the restart, so it
	// may be written before the restarted agent counts that cgroup: calls made then are
	// rightly not counted. Make them again until a snapshot shows them counted.
	s = e.waitSnapshot("counted after the restart", name, func(s snapshot.Snapshot) (bool, string) {
		if count(container(s, "web-new", "app"), "ioprio_get") > ioprio {
			return true, ""
		}
		newApp.again(t)
		return false, fmt.Sprintf("containers %+v", s.Containers)
	})
	if count(container(s, "web-old", "app"), "sysinfo") < before || count(container(s, "web-new", "init"), "getpriority") == 0 {
		t.Errorf("the restart lost what was recorded before it: %+v", s.Containers)
	}
	if c := container(s, "web-new", "app"); !c.Since.IsZero() {
		t.Errorf("web-new/app was recorded from its first exec before the restart; since %s", c.Since)
	}

	if p, c := gauge(t, a, "seccompctl_agent_recorded_pods"), gauge(t, a, "seccompctl_agent_recorded_cgroups"); p != 2 || c < 2 {
		t.Errorf("while recording web-new and web-sd: %v pod cgroups watched, %v cgroups counted; want 2 and at least their apps", p, c)
	}

	// Stopping writes a final snapshot; status shows the containers.
	e.cli("k8s", "record", "stop", name)
	stoppedAt := time.Now().Add(-time.Second)
	e.waitSnapshot("final snapshot", name, func(s snapshot.Snapshot) (bool, string) {
		return s.Written.After(stoppedAt), "written " + s.Written.String()
	})
	// The stopped request's pods are no longer watched, and their cgroups' slots are
	// freed, running ones too (the other requests match no pod).
	deadline := time.Now().Add(90 * time.Second)
	for gauge(t, a, "seccompctl_agent_recorded_pods") != 0 || gauge(t, a, "seccompctl_agent_recorded_cgroups") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the stop: %v pod cgroups watched, %v cgroups counted; want 0", gauge(t, a, "seccompctl_agent_recorded_pods"), gauge(t, a, "seccompctl_agent_recorded_cgroups"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := e.cli("k8s", "record", "status", name)
	if strings.Contains(out, "web-new was running before") {
		t.Errorf("status says web-new ran before the recording; it was recorded from its first exec and across the restart:\n%s", out)
	}
	for _, want := range []string{"stopped", e.appNS + "/web-new", "init", "unresolved cgroup", "the agent restarted at"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

func noteWith(s snapshot.Snapshot, part string) bool {
	for _, n := range s.Notes {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// TestAPIServerAgentRecordsManyContainersMemory measures what recording 100 containers
// costs the agent: its process's VmRSS before it starts and after it has recorded them
// for a while, and the memory of the eBPF recorder's maps (their memlock in fdinfo).
// Set SECCOMPCTL_MEASURE_RECORD=1 to run it (docs/benchmarks.md).
func TestAPIServerAgentRecordsManyContainersMemory(t *testing.T) {
	if os.Getenv("SECCOMPCTL_MEASURE_RECORD") == "" {
		t.Skip("a measurement: set SECCOMPCTL_MEASURE_RECORD=1")
	}
	e := newRecEnv(t)
	const pods, perPod = 50, 2
	calls := "getpid,getppid,getuid,geteuid,getgid,getegid,gettid,sysinfo,times,getpriority,ioprio_get,sched_getparam,sched_getscheduler,getpgid,getsid,sched_yield,getcpu,uname,getrusage,getitimer"
	rssBefore := vmRSS(t)
	a, _ := e.startAgent(time.Second)
	name := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=many", "-n", e.appNS))
	var all []*corev1.Pod
	for i := 0; i < pods; i++ {
		all = append(all, e.pod(e.appNS, fmt.Sprintf("many-%d", i), map[string]string{"app": "many"}, nil, "a", "b"))
	}
	for _, p := range all {
		if err := os.MkdirAll(e.podDir(p, "besteffort"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.waitSnapshot("every pod watched", name, func(s snapshot.Snapshot) (bool, string) {
		n := 0
		for _, p := range s.Pods {
			if p.Cgroup != "" {
				n++
			}
		}
		return n == pods, fmt.Sprintf("%d of %d pods watched", n, pods)
	})
	var children []*child
	for _, p := range all {
		ids := map[string]string{}
		for _, c := range []string{"a", "b"} {
			ids[c] = newID()
			children = append(children, e.run(filepath.Join(e.podDir(p, "besteffort"), ids[c]), calls))
		}
		e.setStatus(p, ids, nil)
	}
	for round := 0; round < 5; round++ {
		for _, c := range children {
			c.again(t)
		}
		time.Sleep(time.Second)
	}
	s := e.waitSnapshot("every container recorded", name, func(s snapshot.Snapshot) (bool, string) {
		// Containers past the snapshot's size bound are counted, not written.
		return len(s.Containers)+s.Dropped == pods*perPod, fmt.Sprintf("%d containers, %d dropped", len(s.Containers), s.Dropped)
	})
	// A few more snapshot cycles at the steady state.
	time.Sleep(5 * time.Second)
	rssAfter := vmRSS(t)
	maps := bpfMapMemlock(t)
	calls0 := 0
	for _, c := range s.Containers {
		calls0 += len(c.Syscalls)
	}
	ls, err := e.admin.CoordinationV1().Leases(e.agentNS).List(context.Background(), metav1.ListOptions{LabelSelector: kube.LabelSnapshotOf + "=" + name})
	if err != nil {
		t.Fatal(err)
	}
	bytes := 0
	for _, l := range ls.Items {
		bytes += len(l.Annotations[kube.AnnotationSnapshot])
	}
	t.Logf("recording %d containers (%d in the snapshot, %d left out by its size bound; %d syscall entries in it, %d bytes packed in %d Lease(s); %d cgroups counted): VmRSS %d KiB before the agent, %d KiB after: +%.1f MiB; eBPF maps %d KiB (memlock)",
		pods*perPod, len(s.Containers), s.Dropped, calls0, bytes, len(ls.Items), int(gauge(t, a, "seccompctl_agent_recorded_cgroups")), rssBefore, rssAfter, float64(rssAfter-rssBefore)/1024, maps/1024)
	if s.Dropped != 0 {
		t.Errorf("%d containers left out of the snapshot; every one should fit its Leases", s.Dropped)
	}
	if growth := rssAfter - rssBefore; growth > 64*1024 {
		t.Errorf("RSS grew by %d KiB recording %d containers; the bound is 64 MiB", growth, len(s.Containers))
	}
	if maps == 0 {
		t.Errorf("no eBPF map found in this process while recording")
	}
}

// vmRSS is this process's resident set in KiB.
func vmRSS(t *testing.T) int64 { return agent.ProcStatusKB(t, "VmRSS") >> 10 }

// bpfMapMemlock sums the kernel memory the BPF maps this process holds are charged.
func bpfMapMemlock(t *testing.T) int64 {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, fd := range fds {
		if l, err := os.Readlink("/proc/self/fd/" + fd.Name()); err != nil || l != "anon_inode:bpf-map" {
			continue
		}
		b, err := os.ReadFile("/proc/self/fdinfo/" + fd.Name())
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "memlock:"); ok {
				var n int64
				fmt.Sscanf(strings.TrimSpace(v), "%d", &n)
				sum += n
			}
		}
	}
	return sum
}

// TestAPIServerAgentRecordsNothingWithoutEBPF: where the recorder cannot start (here a
// --cgroup-root that is no cgroup v2 hierarchy), every request's snapshot says why, and
// k8s record status shows it; the agent goes on.
func TestAPIServerAgentRecordsNothingWithoutEBPF(t *testing.T) {
	e := newRecEnv(t)
	plain := t.TempDir()
	var logw io.Writer = io.Discard
	if testing.Verbose() {
		logw = os.Stderr
	}
	a, err := agent.New(agent.Config{
		Kubeconfig: e.kubeconfig, NodeName: e.node, KubeletRoot: t.TempDir(), Namespace: e.agentNS,
		ListenAddress: "-", Record: true, CgroupRoot: plain, SnapshotInterval: time.Second,
	}, agent.WithLogger(slog.New(slog.NewTextHandler(logw, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	name := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=web", "-n", e.appNS))
	e.waitSnapshot("error snapshot", name, func(s snapshot.Snapshot) (bool, string) {
		return strings.Contains(s.Error, "the eBPF recorder does not load on this node") && strings.Contains(s.Error, plain), s.Error
	})
	if out := e.cli("k8s", "record", "status", name); !strings.Contains(out, "no node records this request") || !strings.Contains(out, "not recording: the eBPF recorder does not load") {
		t.Errorf("status:\n%s", out)
	}
}

// recorderLinks counts the sys_enter links of the agent's eBPF recorder this process
// holds, as the kernel lists them: bpf_link file descriptors whose program is the
// recorder's counting program.
func recorderLinks(t *testing.T) int {
	t.Helper()
	held, err := bpffd.ProgramIDs(bpffd.Link, "sc_cg_count")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, links := range held {
		n += links
	}
	return n
}

// waitAttached waits until the recorder is attached (want) or not, as the kernel's
// links and the agent's gauge both say.
func waitAttached(t *testing.T, a *agent.Agent, what string, want bool) {
	t.Helper()
	wantLinks, wantGauge := 0, 0.0
	if want {
		wantLinks, wantGauge = 1, 1
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		links, g := recorderLinks(t), gauge(t, a, "seccompctl_agent_recorder_attached")
		if links == wantLinks && g == wantGauge {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after 30s %d recorder links in the kernel and seccompctl_agent_recorder_attached %v; want %d and %v", what, links, g, wantLinks, wantGauge)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAPIServerAgentRecorderAttachedOnlyWhileNeeded: with --record the recorder's
// sys_enter program runs only while an active request has a pod on the node; counts
// read before it is detached stay in the snapshot, and a recorder attached again adds
// to them.
func TestAPIServerAgentRecorderAttachedOnlyWhileNeeded(t *testing.T) {
	e := newRecEnv(t)
	ctx := context.Background()
	if n := recorderLinks(t); n != 0 {
		t.Fatalf("%d recorder links before the agent started", n)
	}
	a, _ := e.startAgent(time.Second)

	// A request matching no pod: its snapshot is written, nothing stays attached.
	nothing := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=none", "-n", e.appNS))
	e.waitSnapshot("request matching nothing", nothing, func(s snapshot.Snapshot) (bool, string) { return s.Error == "", s.Error })
	waitAttached(t, a, "a request matching no pod", false)

	// A matched pod attaches it.
	idle := map[string]string{"app": "idle"}
	p := e.pod(e.appNS, "idle-1", idle, nil, "app")
	dir := e.podDir(p, "besteffort")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSpace(e.cli("k8s", "record", "-l", "app=idle", "-n", e.appNS))
	e.waitSnapshot("idle-1 watched", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "idle-1")
		return p != nil && p.Cgroup != "", fmt.Sprintf("pods %+v", s.Pods)
	})
	waitAttached(t, a, "a request with a pod", true)
	id := newID()
	app := e.run(filepath.Join(dir, id), "sysinfo")
	e.setStatus(p, map[string]string{"app": id}, nil)
	s := e.waitSnapshot("idle-1 counted", name, func(s snapshot.Snapshot) (bool, string) {
		return count(container(s, "idle-1", "app"), "sysinfo") > 0, fmt.Sprintf("containers %+v", s.Containers)
	})
	first := count(container(s, "idle-1", "app"), "sysinfo")

	// The pod no longer matched: detached, its counts kept.
	relabel := func(app string) {
		t.Helper()
		cur, err := e.admin.CoreV1().Pods(e.appNS).Get(ctx, p.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Labels["app"] = app
		if _, err := e.admin.CoreV1().Pods(e.appNS).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	relabel("elsewhere")
	waitAttached(t, a, "no pod matched any more", false)
	app.again(t) // not recorded: nothing is attached
	s = e.waitSnapshot("idle-1 gone, its counts kept", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "idle-1")
		return p != nil && p.Deleted && count(container(s, "idle-1", "app"), "sysinfo") == first,
			fmt.Sprintf("pods %+v containers %+v; want sysinfo %d", s.Pods, s.Containers, first)
	})

	// Matched again: attached again, the same cgroup counted from zero by the new
	// recorder, its calls added to what was kept.
	relabel("idle")
	waitAttached(t, a, "the pod matched again", true)
	e.waitSnapshot("idle-1 watched again", name, func(s snapshot.Snapshot) (bool, string) {
		p := podOf(s, "idle-1")
		return p != nil && !p.Deleted && p.Cgroup != "", fmt.Sprintf("pods %+v", s.Pods)
	})
	app.again(t)
	s = e.waitSnapshot("idle-1 counted again", name, func(s snapshot.Snapshot) (bool, string) {
		return count(container(s, "idle-1", "app"), "sysinfo") > first, fmt.Sprintf("containers %+v; want sysinfo above %d", s.Containers, first)
	})
	second := count(container(s, "idle-1", "app"), "sysinfo")

	// Stopping the last request detaches it; its final snapshot keeps every count.
	e.cli("k8s", "record", "stop", name)
	waitAttached(t, a, "the last request stopped", false)
	s, _, why := e.snapshot(name)
	if got := count(container(s, "idle-1", "app"), "sysinfo"); got < second {
		t.Errorf("after stop sysinfo %d, was %d before (%s)", got, second, why)
	}
}
