package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/agent/internal/controlplane"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/profile"
)

// These tests run the agent against a real etcd and kube-apiserver, with the RBAC of
// `seccompctl k8s install`. They skip only when a binary is missing.

var shared struct {
	once sync.Once
	cp   *controlplane.ControlPlane
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(agentProcessEnv); cfg != "" {
		os.Exit(agentProcess(cfg))
	}
	if spec := os.Getenv(syscallChildEnv); spec != "" {
		os.Exit(syscallChild(spec))
	}
	code := m.Run()
	if shared.cp != nil {
		shared.cp.Stop()
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func controlPlane(t *testing.T) *controlplane.ControlPlane {
	t.Helper()
	if testing.Short() {
		t.Skip("needs etcd and kube-apiserver; skipped with -short")
	}
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "seccompctl-cp-")
		if shared.err == nil {
			shared.cp, shared.err = controlplane.Start(context.Background(), shared.dir)
		}
	})
	if errors.Is(shared.err, controlplane.ErrUnavailable) {
		t.Skip(shared.err)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.cp
}

// env is one test's namespace, node directory and agent.
type env struct {
	t          *testing.T
	cp         *controlplane.ControlPlane
	admin      kubernetes.Interface
	ns         string
	kubeletDir string
	kubeconfig string
	dir        string // <kubelet root>/seccomp/profiles
}

var nsSeq struct {
	sync.Mutex
	n int
}

func newEnv(t *testing.T, cp *controlplane.ControlPlane) *env {
	t.Helper()
	admin, err := kubernetes.NewForConfig(cp.Config())
	if err != nil {
		t.Fatal(err)
	}
	nsSeq.Lock()
	nsSeq.n++
	ns := fmt.Sprintf("agent-test-%d-%d", os.Getpid()%10000, nsSeq.n)
	nsSeq.Unlock()
	e := &env{t: t, cp: cp, admin: admin, ns: ns, kubeletDir: t.TempDir()}
	e.dir = filepath.Join(e.kubeletDir, "seccomp", "profiles")
	os.MkdirAll(filepath.Join(e.kubeletDir, "seccomp"), 0o755)
	e.install()
	return e
}

// install creates the install manifests' objects in the test namespace and writes a
// kubeconfig holding a token of the agent's ServiceAccount, so the agent runs with
// exactly the permissions the manifests grant.
func (e *env) install() {
	t, ctx := e.t, context.Background()
	objs, err := kube.Install(kube.InstallOptions{Namespace: e.ns, KubeletRoot: e.kubeletDir})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Namespace:
			_, err = e.admin.CoreV1().Namespaces().Create(ctx, o, metav1.CreateOptions{})
		case *corev1.ServiceAccount:
			_, err = e.admin.CoreV1().ServiceAccounts(e.ns).Create(ctx, o, metav1.CreateOptions{})
		case *rbacv1.Role:
			_, err = e.admin.RbacV1().Roles(e.ns).Create(ctx, o, metav1.CreateOptions{})
		case *rbacv1.RoleBinding:
			_, err = e.admin.RbacV1().RoleBindings(e.ns).Create(ctx, o, metav1.CreateOptions{})
		case *appsv1.DaemonSet:
			// No controller runs here; creating it checks the manifest server-side.
			_, err = e.admin.AppsV1().DaemonSets(e.ns).Create(ctx, o, metav1.CreateOptions{})
		default:
			t.Fatalf("unexpected install object %T", o)
		}
		if err != nil {
			t.Fatalf("creating %T: %v", o, err)
		}
	}
	exp := int64(3600)
	tok, err := e.admin.CoreV1().ServiceAccounts(e.ns).CreateToken(ctx, kube.AgentName,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := e.cp.Kubeconfig(e.kubeconfig, tok.Status.Token); err != nil {
		t.Fatal(err)
	}
}

type running struct {
	a      *Agent
	cancel context.CancelFunc
	done   chan error
}

func (e *env) start() *running {
	e.t.Helper()
	a, err := New(Config{
		Kubeconfig:    e.kubeconfig,
		NodeName:      "node-" + e.ns,
		KubeletRoot:   e.kubeletDir,
		Namespace:     e.ns,
		ListenAddress: "-",
		ResyncPeriod:  2 * time.Second,
	}, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{a: a, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	e.t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
}

func (e *env) configMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns, Labels: map[string]string{kube.LabelProfiles: "true"}},
		Data:       data,
	}
}

func (e *env) create(cm *corev1.ConfigMap) {
	e.t.Helper()
	if _, err := e.admin.CoreV1().ConfigMaps(e.ns).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) update(cm *corev1.ConfigMap) {
	e.t.Helper()
	if _, err := e.admin.CoreV1().ConfigMaps(e.ns).Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) delete(name string) {
	e.t.Helper()
	if err := e.admin.CoreV1().ConfigMaps(e.ns).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// eventually polls cond until it holds; waiting for convergence, not timing it.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached after 90s: %s", what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *env) waitFile(name, want string) {
	e.t.Helper()
	eventually(e.t, name+" installed", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join(e.dir, name))
		if err != nil {
			return false, err.Error()
		}
		return string(b) == want, fmt.Sprintf("content %.60q", b)
	})
}

func (e *env) waitGone(name string) {
	e.t.Helper()
	eventually(e.t, name+" removed", func() (bool, string) {
		_, err := os.Lstat(filepath.Join(e.dir, name))
		return os.IsNotExist(err), fmt.Sprint(err)
	})
}

// waitEvent waits for an Event on the ConfigMap with reason whose message contains
// every part.
func (e *env) waitEvent(cm, reason string, parts ...string) corev1.Event {
	e.t.Helper()
	var found corev1.Event
	eventually(e.t, "Event "+reason+" on "+cm, func() (bool, string) {
		evs, err := e.admin.CoreV1().Events(e.ns).List(context.Background(), metav1.ListOptions{
			FieldSelector: "involvedObject.kind=ConfigMap,involvedObject.name=" + cm})
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, ev := range evs.Items {
			seen = append(seen, ev.Reason+": "+ev.Message)
			ok := ev.Reason == reason
			for _, p := range parts {
				ok = ok && strings.Contains(ev.Message, p)
			}
			if ok {
				found = ev
				return true, ""
			}
		}
		return false, fmt.Sprintf("events: %q", seen)
	})
	return found
}

func (e *env) lease(node string) (Summary, []InstalledFile, []Rejection) {
	e.t.Helper()
	l, err := e.admin.CoordinationV1().Leases(e.ns).Get(context.Background(), LeaseName(node), metav1.GetOptions{})
	if err != nil {
		return Summary{}, nil, nil
	}
	var s Summary
	var files []InstalledFile
	var rej []Rejection
	json.Unmarshal([]byte(l.Annotations[AnnotationSummary]), &s)
	json.Unmarshal([]byte(l.Annotations[AnnotationInstalled]), &files)
	json.Unmarshal([]byte(l.Annotations[AnnotationRejected]), &rej)
	return s, files, rej
}

func validProfile(t *testing.T, comment string) string {
	t.Helper()
	p := profile.RuntimeDefault()
	p.Syscalls[0].Comment = comment
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// minimalProfile is the article's kind of mistake: runc cannot start a container
// under it, which lint reports as an error.
const minimalProfile = `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}`

func TestAPIServerCreateUpdateDelete(t *testing.T) {
	e := newEnv(t, controlPlane(t))
	os.MkdirAll(e.dir, 0o755)
	foreign := filepath.Join(e.dir, "foreign.json")
	os.WriteFile(foreign, []byte("not the agent's"), 0o644)

	r := e.start()
	v1, v2 := validProfile(t, "v1"), validProfile(t, "v2")
	e.create(e.configMap("web", map[string]string{"web.json": v1, "api.json": v1}))
	e.waitFile("web.json", v1)
	e.waitFile("api.json", v1)

	// Updates are seen whole by a concurrent reader: never a partial file.
	stop := make(chan struct{})
	torn := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(filepath.Join(e.dir, "web.json"))
			if err != nil || (string(b) != v1 && string(b) != v2) {
				select {
				case torn <- fmt.Sprintf("read %d bytes, err %v", len(b), err):
				default:
				}
				return
			}
		}
	}()
	cm := e.configMap("web", map[string]string{"web.json": v2, "api.json": v1})
	for i := range 6 {
		cur, _ := e.admin.CoreV1().ConfigMaps(e.ns).Get(context.Background(), "web", metav1.GetOptions{})
		cm.ResourceVersion = cur.ResourceVersion
		want := v2
		if i%2 == 1 {
			want = v1
		}
		cm.Data["web.json"] = want
		e.update(cm)
		e.waitFile("web.json", want)
	}
	close(stop)
	wg.Wait()
	select {
	case msg := <-torn:
		t.Fatalf("a reader saw a partial profile: %s", msg)
	default:
	}

	// Removing a key removes its file; the other stays untouched.
	fi1, _ := os.Stat(filepath.Join(e.dir, "web.json"))
	cur, _ := e.admin.CoreV1().ConfigMaps(e.ns).Get(context.Background(), "web", metav1.GetOptions{})
	delete(cur.Data, "api.json")
	e.update(cur)
	e.waitGone("api.json")
	fi2, _ := os.Stat(filepath.Join(e.dir, "web.json"))
	if !os.SameFile(fi1, fi2) || !fi1.ModTime().Equal(fi2.ModTime()) {
		t.Error("web.json rewritten although it did not change")
	}

	// A key naming someone else's file is refused, and the file left alone.
	e.create(e.configMap("clash", map[string]string{"foreign.json": v1}))
	e.waitEvent("clash", ReasonNotOwned, "foreign.json", "not installed by seccompctl")

	node := "node-" + e.ns
	eventually(t, "status Lease lists web.json", func() (bool, string) {
		s, files, rej := e.lease(node)
		ok := s.Installed == 1 && len(files) == 1 && files[0].File == "web.json" && files[0].Source == e.ns+"/web" &&
			len(rej) == 1 && rej[0].Key == "foreign.json"
		return ok, fmt.Sprintf("summary %+v files %+v rejected %+v", s, files, rej)
	})

	// Deleting the ConfigMap removes its files, and only those.
	e.delete("web")
	e.waitGone("web.json")
	if b, err := os.ReadFile(foreign); err != nil || string(b) != "not the agent's" {
		t.Errorf("foreign file changed: %q %v", b, err)
	}

	// The metrics say what happened. The file is gone before the sync that removed it
	// counts the removal: wait for the metrics to say so, as long as a sync may take.
	eventually(t, "metrics after the removal", func() (bool, string) {
		rec := httptest.NewRecorder()
		r.a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		lines := map[string]bool{}
		for _, l := range strings.Split(rec.Body.String(), "\n") {
			lines[l] = true
		}
		for _, want := range []string{
			"seccompctl_agent_profiles_installed 0",
			`seccompctl_agent_file_operations_total{op="remove"} 2`,
			`seccompctl_agent_profiles_rejected{reason="NotOwned"} 1`,
		} {
			if !lines[want] { // whole lines: "} 2" must not match "} 20"
				return false, fmt.Sprintf("metrics lack the line %q", want)
			}
		}
		return true, ""
	})
}

func TestAPIServerLintRefused(t *testing.T) {
	e := newEnv(t, controlPlane(t))
	e.start()
	good := validProfile(t, "good")
	e.create(e.configMap("app", map[string]string{"min.json": minimalProfile, "ok.json": good}))
	e.waitFile("ok.json", good)
	ev := e.waitEvent("app", ReasonInvalid, "min.json", "lint found", "cannot start")
	if ev.Type != corev1.EventTypeWarning || ev.Source.Host != "node-"+e.ns {
		t.Errorf("event %+v", ev)
	}
	if _, err := os.Lstat(filepath.Join(e.dir, "min.json")); !os.IsNotExist(err) {
		t.Fatalf("refused profile installed: %v", err)
	}

	// Once good it is installed; a later bad version leaves the good one in place.
	cur, _ := e.admin.CoreV1().ConfigMaps(e.ns).Get(context.Background(), "app", metav1.GetOptions{})
	cur.Data["min.json"] = good
	e.update(cur)
	e.waitFile("min.json", good)
	cur, _ = e.admin.CoreV1().ConfigMaps(e.ns).Get(context.Background(), "app", metav1.GetOptions{})
	cur.Data["ok.json"] = `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["openat"], "action": "SCMP_ACT_NOPE"}]}`
	e.update(cur)
	e.waitEvent("app", ReasonInvalid, "ok.json", "SCMP_ACT_NOPE")
	if b, _ := os.ReadFile(filepath.Join(e.dir, "ok.json")); string(b) != good {
		t.Errorf("last good ok.json replaced by %q", b)
	}
}

func TestAPIServerUnsafeKey(t *testing.T) {
	e := newEnv(t, controlPlane(t))
	e.start()
	good := validProfile(t, "x")
	// The API server accepts these keys; the agent must not.
	e.create(e.configMap("sneaky", map[string]string{".hidden.json": good, "a..b.json": good, "fine.json": good}))
	e.waitFile("fine.json", good)
	e.waitEvent("sneaky", ReasonUnsafeName, ".hidden.json", "hidden")
	e.waitEvent("sneaky", ReasonUnsafeName, "a..b.json", `".."`)
	entries, _ := os.ReadDir(e.dir)
	for _, en := range entries {
		if en.Name() != "fine.json" && en.Name() != recordName {
			t.Errorf("unexpected file %s", en.Name())
		}
	}
	// A symlink planted where a profile goes is not followed.
	target := filepath.Join(t.TempDir(), "target")
	os.WriteFile(target, []byte("keep"), 0o644)
	os.Symlink(target, filepath.Join(e.dir, "link.json"))
	e.create(e.configMap("linker", map[string]string{"link.json": good}))
	e.waitEvent("linker", ReasonNotOwned, "link.json", "symlinks are never followed")
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("symlink followed: target now %q", b)
	}
}

func TestAPIServerRestart(t *testing.T) {
	e := newEnv(t, controlPlane(t))
	r := e.start()
	v := validProfile(t, "r")
	e.create(e.configMap("a", map[string]string{"a1.json": v, "a2.json": v}))
	e.create(e.configMap("b", map[string]string{"b1.json": v}))
	e.waitFile("a1.json", v)
	e.waitFile("a2.json", v)
	e.waitFile("b1.json", v)
	before, _ := os.Stat(filepath.Join(e.dir, "a1.json"))
	r.stop()

	// While the agent is down: a ConfigMap goes, another comes, one changes.
	e.delete("b")
	e.create(e.configMap("c", map[string]string{"c1.json": v}))
	cur, _ := e.admin.CoreV1().ConfigMaps(e.ns).Get(context.Background(), "a", metav1.GetOptions{})
	cur.Data["a2.json"] = validProfile(t, "changed")
	e.update(cur)

	r = e.start()
	e.waitFile("c1.json", v)
	e.waitGone("b1.json")
	e.waitFile("a2.json", validProfile(t, "changed"))
	after, _ := os.Stat(filepath.Join(e.dir, "a1.json"))
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Error("unchanged a1.json rewritten on restart")
	}

	// A restart with nothing to do writes nothing.
	r.stop()
	r = e.start()
	eventually(t, "agent ready", func() (bool, string) { return r.a.Ready(), "" })
	last := r.a.Last()
	if len(last.Created)+len(last.Updated)+len(last.Removed) != 0 || last.Unchanged != 3 {
		t.Errorf("idle restart changed files: %+v", last)
	}
}

// TestAPIServerOutage stops the API server under a running agent: the files stay,
// the agent keeps running, and changes made after the server returns are applied.
func TestAPIServerOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("needs etcd and kube-apiserver; skipped with -short")
	}
	dir := t.TempDir()
	t0 := time.Now()
	cp, err := controlplane.Start(context.Background(), dir)
	t.Logf("control plane up in %v", time.Since(t0))
	if errors.Is(err, controlplane.ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Stop()
	e := newEnv(t, cp)
	r := e.start()
	v := validProfile(t, "o")
	e.create(e.configMap("keep", map[string]string{"keep.json": v}))
	e.waitFile("keep.json", v)

	cp.KillAPIServer()
	// Several resync periods pass with the server gone.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(e.dir, "keep.json")); err != nil || string(b) != v {
			t.Fatalf("profile lost during the outage: %v", err)
		}
		select {
		case err := <-r.done:
			t.Fatalf("agent exited during the outage: %v", err)
		default:
		}
		time.Sleep(500 * time.Millisecond)
	}
	rec := httptest.NewRecorder()
	r.a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Errorf("/readyz during outage: %d", rec.Code)
	}

	t0 = time.Now()
	if err := cp.StartAPIServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("API server back after %v", time.Since(t0))
	v2 := validProfile(t, "after")
	e.create(e.configMap("later", map[string]string{"later.json": v2}))
	e.waitFile("later.json", v2)
	t.Logf("first change after the outage applied %v after the restart", time.Since(t0))
	e.delete("keep")
	e.waitGone("keep.json")
	t.Logf("deletion applied %v after the restart", time.Since(t0))
	eventually(t, "status Lease after the outage", func() (bool, string) {
		s, _, _ := e.lease("node-" + e.ns)
		return s.Installed == 1 && time.Since(s.LastSync) < time.Minute, fmt.Sprintf("%+v", s)
	})
}
