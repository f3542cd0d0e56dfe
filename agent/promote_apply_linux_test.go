package agent_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/profile"
)

// complainConfigMap is docker's default profile less uname, in complain mode, as
// 'k8s configmap --complain --name NAME' makes it.
func complainConfigMap(t *testing.T, ns, name string, since time.Time) *corev1.ConfigMap {
	t.Helper()
	p := profile.RuntimeDefault()
	for i := range p.Syscalls {
		p.Syscalls[i].Names = slices.DeleteFunc(p.Syscalls[i].Names, func(n string) bool { return n == "uname" })
	}
	c, enforced, err := kube.Complain(p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	key := name + ".json"
	cm, err := kube.ConfigMap(kube.ConfigMapOptions{Name: name, Namespace: ns, Complain: map[string]kube.Enforced{key: enforced}, ComplainSince: since},
		[]kube.ProfileFile{{Key: key, Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

// writeStatusLease stands in for a node's agent: its status Lease with what it logged.
func writeStatusLease(t *testing.T, client kubernetes.Interface, ns, node string, st agent.LoggedState) {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "seccompctl-agent-" + node, Namespace: ns,
		Labels: map[string]string{kube.LabelStatus: "node"}, Annotations: map[string]string{agent.AnnotationLogged: string(b)}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &node}}
	if _, err := client.CoordinationV1().Leases(ns).Create(context.Background(), l, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestAPIServerPromoteApply runs 'k8s promote KEY --apply' against a real API server:
// the ConfigMap holding the key and the logged syscalls (the nodes' status Leases) come
// from the cluster; a promotion refused for its clean period changes nothing; a
// promotion updates the ConfigMap in place to the enforcing profile without the
// complain metadata; and a ConfigMap changed between the read and the update (by a
// writer that gets in first, through a proxy) is not overwritten.
func TestAPIServerPromoteApply(t *testing.T) {
	cp, admin, ns, _ := agent.APIServerEnv(t)
	ctx := context.Background()
	kubeconfig := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := cp.Kubeconfig(kubeconfig, cp.Token); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-48 * time.Hour)
	for _, name := range []string{"web", "api"} {
		if _, err := admin.CoreV1().ConfigMaps(ns).Create(ctx, complainConfigMap(t, ns, name, since), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	logged := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	entry := func(prof string) agent.Logged {
		return agent.Logged{Profile: prof, Syscall: "uname", Arch: "x86_64", Action: "SCMP_ACT_LOG", Node: "node-1",
			Namespace: "shop", Pod: "web-1", Container: "app", Count: 4, First: logged.Add(-time.Hour), Last: logged}
	}
	writeStatusLease(t, admin, ns, "node-1", agent.LoggedState{Entries: []agent.Logged{entry("web.json"), entry("api.json")}, Complain: []string{"api.json", "web.json"}})
	get := func(name string) *corev1.ConfigMap {
		t.Helper()
		cm, err := admin.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm
	}
	before := get("web")

	// Logged two hours ago: --clean-for 24h refuses, and nothing changes.
	code, _, errOut := runCLI(t, "k8s", "promote", "web.json", "--apply", "-n", ns, "--kubeconfig", kubeconfig)
	if code != 1 || !strings.Contains(errOut, "refused: clean for only") {
		t.Errorf("promote within the clean period: exit %d, stderr %s; want 1 and the clean-period refusal", code, errOut)
	}
	if get("web").ResourceVersion != before.ResourceVersion {
		t.Errorf("a refused promotion changed the ConfigMap")
	}
	code, _, errOut = runCLI(t, "k8s", "promote", "nothing.json", "--apply", "-n", ns, "--kubeconfig", kubeconfig)
	if code != 2 || !strings.Contains(errOut, "holds nothing.json") {
		t.Errorf("promote of a key no ConfigMap holds: exit %d, stderr %s; want 2", code, errOut)
	}

	code, out, errOut := runCLI(t, "k8s", "promote", "web.json", "--apply", "--clean-for", "1h", "-n", ns, "--kubeconfig", kubeconfig)
	if code != 0 || !strings.Contains(out, "configmap "+ns+"/web updated: web.json enforcing, 1 syscall(s) added") {
		t.Fatalf("promote --apply: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	after := get("web")
	if after.UID != before.UID || kube.InComplainMode(after, "web.json") || after.Annotations[kube.AnnotationComplainSince] != "" || after.Labels[kube.LabelProfiles] != "true" {
		t.Errorf("promoted ConfigMap: uid %s (was %s), labels %v, annotations %v; want the same object, the agent's label, no complain metadata",
			after.UID, before.UID, after.Labels, after.Annotations)
	}
	p, err := profile.Parse("web.json", []byte(after.Data["web.json"]))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range p.Syscalls {
		if slices.Contains(r.Names, "uname") && r.Action == profile.ActAllow && strings.Contains(r.Comment, "logged in complain mode 4 time(s) on node-1") {
			found = true
		}
	}
	if p.DefaultAction != profile.ActErrno || !found {
		t.Errorf("promoted profile: default %s, uname rule found %v; want SCMP_ACT_ERRNO and uname allowed with where it was logged", p.DefaultAction, found)
	}
	// It is enforcing now: a second promotion is bad input, and changes nothing.
	code, _, errOut = runCLI(t, "k8s", "promote", "web.json", "--apply", "--clean-for", "1h", "-n", ns, "--kubeconfig", kubeconfig)
	if code != 2 || !strings.Contains(errOut, "not a complain-mode profile") || get("web").ResourceVersion != after.ResourceVersion {
		t.Errorf("second promotion: exit %d, stderr %s; want 2, not a complain-mode profile, nothing changed", code, errOut)
	}

	// A concurrent writer: the proxy lets another update of api in just before the
	// promotion's own update reaches the API server.
	var once sync.Once
	target, err := url.Parse(cp.Config().Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cp.Config())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = transport
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/configmaps/api") {
			once.Do(func() {
				cm := get("api")
				cm.Annotations["team"] = "changed meanwhile"
				if _, err := admin.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
					t.Error(err)
				}
			})
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	proxied := filepath.Join(t.TempDir(), "proxied.kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["proxy"] = &clientcmdapi.Cluster{Server: srv.URL}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: cp.Token}
	cfg.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "admin"}
	cfg.CurrentContext = "proxy"
	if err := clientcmd.WriteToFile(*cfg, proxied); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "k8s", "promote", "api.json", "--apply", "--clean-for", "1h", "-n", ns, "--kubeconfig", proxied)
	if code != 1 || !strings.Contains(errOut, "changed since it was read; nothing was overwritten") {
		t.Errorf("promotion racing another writer: exit %d, stderr %s; want 1 and the conflict", code, errOut)
	}
	api := get("api")
	if api.Annotations["team"] != "changed meanwhile" || !kube.InComplainMode(api, "api.json") {
		t.Errorf("the concurrent change was overwritten: %v %v", api.Labels, api.Annotations)
	}
}
