//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/seccompctl/seccompctl/kube"
)

// The agent's defaults (issue 6): namespace, and the directory under
// <kubelet root>/seccomp it installs into.
const (
	agentNamespace = "seccompctl-system"
	profilesDir    = "profiles"
)

var agent struct {
	once sync.Once
	err  error
	// restarted is whether this run restarted an agent an earlier run installed.
	restarted bool
}

// snapshotInterval is how often the recording agent writes its snapshots in the
// tests: short, so that status and collect see a recording within seconds.
const snapshotInterval = "5s"

// ensureAgent installs the node agent once per run with `seccompctl k8s install`
// and waits for its DaemonSet to be ready on the node.
func ensureAgent(t *testing.T) {
	t.Helper()
	requireVerb(t, "k8s", "install")
	requireVerb(t, "agent")
	agent.once.Do(func() {
		agent.err = installAgent(t, true, true)
	})
	if agent.err != nil {
		t.Fatalf("installing the agent: %v", agent.err)
	}
}

// installAgent installs (or reinstalls) the agent, recording or not, analyzing
// the recorded containers' executables (--record-static) or not, and waits until
// the DaemonSet's pod runs that version.
func installAgent(t *testing.T, record, static bool) error {
	args := []string{"k8s", "install", "--image", env["E2E_IMAGE_AGENT"], "--image-pull-policy", "Never",
		"--kubelet-root", env["E2E_KUBELET_ROOT"], "--port", env["E2E_AGENT_PORT"],
		"--monitor", "--cri-socket", env["E2E_CONTAINERD_SOCK"], "--runtime", "runc"}
	if record {
		root, err := hostCgroup2()
		if err != nil {
			return err
		}
		args = append(args, "--record", "--cgroup-root", root, "--snapshot-interval", snapshotInterval)
		if static {
			args = append(args, "--record-static")
		}
	}
	r := seccompctl(t, "", args...)
	if r.Code != 0 {
		return fmt.Errorf("seccompctl k8s install: %s", r)
	}
	manifests, err := adaptAgent(r.Stdout)
	if err != nil {
		return err
	}
	existed := jsonpath(t, agentNamespace, "daemonset/"+kube.AgentName, "{.metadata.name}") != ""
	if r := kubectl(t, manifests, "apply", "-f", "-"); r.Code != 0 {
		return fmt.Errorf("kubectl apply: %s", r)
	}
	// The image was imported again for this run under the same name: an agent left
	// from an earlier run on a cluster kept up would otherwise go on running the
	// earlier build.
	if existed && !agent.restarted {
		if r := kubectl(t, "", "-n", agentNamespace, "rollout", "restart", "daemonset/"+kube.AgentName); r.Code != 0 {
			return fmt.Errorf("restarting the agent: %s", r)
		}
		agent.restarted = true
	}
	// A changed DaemonSet replaces its pod: wait for the new one.
	if r := kubectl(t, "", "-n", agentNamespace, "rollout", "status", "daemonset/"+kube.AgentName, "--timeout=3m"); r.Code != 0 {
		return fmt.Errorf("the agent DaemonSet's rollout: %s", r)
	}
	var ds string
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ds = jsonpath(t, agentNamespace, "daemonsets", `{range .items[*]}{.metadata.name} {.status.desiredNumberScheduled} {.status.numberReady}{"\n"}{end}`)
		f := strings.Fields(ds)
		if len(f) == 3 && f[1] == "1" && f[2] == "1" {
			return nil
		}
		if time.Now().After(deadline) {
			r := kubectl(t, "", "-n", agentNamespace, "describe", "pods")
			l := kubectl(t, "", "-n", agentNamespace, "logs", "--all-containers", "--tail=50", "-l", "app.kubernetes.io/name")
			return fmt.Errorf("agent DaemonSet not ready after 3m: %q\n%s\n%s%s", ds, r.Stdout, l.Stdout, l.Stderr)
		}
		time.Sleep(time.Second)
	}
}

// adaptAgent fits the install manifests to this cluster: no kube-proxy serves
// the kubernetes Service (the agent reaches the API server on the host's
// loopback, so it must share the host's network, and keeps its own port on
// loopback too), images are preloaded (never pulled), and the node's runtime is
// runc (which `k8s install` cannot say yet).
func adaptAgent(manifests string) (string, error) {
	docs := strings.Split(manifests, "\n---")
	for i, doc := range docs {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return "", fmt.Errorf("install manifest %d: %w", i, err)
		}
		if obj == nil || obj["kind"] != "DaemonSet" {
			continue
		}
		spec, _ := dig(obj, "spec", "template", "spec").(map[string]any)
		if spec == nil {
			return "", fmt.Errorf("DaemonSet without a pod template")
		}
		spec["hostNetwork"] = true
		containers, _ := spec["containers"].([]any)
		for _, c := range containers {
			c := c.(map[string]any)
			c["imagePullPolicy"] = "Never"
			// On the host's network the agent's HTTP port would face every
			// interface: keep it (and the kubelet's probes) on loopback.
			args, _ := c["args"].([]any)
			for i, a := range args {
				s, _ := a.(string)
				if strings.HasPrefix(s, "--listen=:") {
					args[i] = "--listen=127.0.0.1:" + strings.TrimPrefix(s, "--listen=:")
				}
			}
			c["args"] = args
			for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
				if get, ok := dig(c, probe, "httpGet").(map[string]any); ok {
					get["host"] = "127.0.0.1"
				}
			}
			envs, _ := c["env"].([]any)
			c["env"] = append(envs,
				map[string]any{"name": "KUBERNETES_SERVICE_HOST", "value": env["E2E_APISERVER_HOST"]},
				map[string]any{"name": "KUBERNETES_SERVICE_PORT", "value": env["E2E_APISERVER_PORT"]})
		}
		out, err := yaml.Marshal(obj)
		if err != nil {
			return "", err
		}
		docs[i] = "\n" + string(out)
	}
	return strings.Join(docs, "\n---"), nil
}

// hostCgroup2 returns where this host mounts the cgroup v2 hierarchy:
// /sys/fs/cgroup on a pure cgroup v2 host, /sys/fs/cgroup/unified on a hybrid one.
func hostCgroup2() (string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		// "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER"
		f := strings.Fields(line)
		for i := range f {
			if f[i] == "-" && i+1 < len(f) && f[i+1] == "cgroup2" && len(f) > 4 && f[3] == "/" {
				return f[4], nil
			}
		}
	}
	return "", fmt.Errorf("no cgroup v2 hierarchy is mounted on this host: the agent cannot record")
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// profileConfigMap returns `seccompctl k8s configmap` for files named by their
// keys, written to a temporary directory.
func profileConfigMap(t *testing.T, name string, files map[string][]byte) string {
	t.Helper()
	requireVerb(t, "k8s", "configmap")
	dir := t.TempDir()
	args := []string{"k8s", "configmap", "--name", name}
	for key, data := range files {
		p := filepath.Join(dir, key)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	return must(t, seccompctl(t, "", args...), "seccompctl k8s configmap").Stdout
}

// nodeProfile is where the agent installs key on this node.
func nodeProfile(key string) string {
	return filepath.Join(env["E2E_SECCOMP_DIR"], profilesDir, key)
}

// waitInstalled waits until the node holds key with the same JSON as want.
func waitInstalled(t *testing.T, key string, want []byte) {
	t.Helper()
	var wantV any
	if err := json.Unmarshal(want, &wantV); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, "profile "+key+" installed on the node", func() (bool, string) {
		got, err := os.ReadFile(nodeProfile(key))
		if err != nil {
			return false, err.Error()
		}
		var gotV any
		if err := json.Unmarshal(got, &gotV); err != nil {
			return false, fmt.Sprintf("installed file is not JSON (a torn write?): %v", err)
		}
		if !reflect.DeepEqual(gotV, wantV) {
			return false, "installed file differs from the ConfigMap's"
		}
		return true, ""
	})
}

// waitRemoved waits until key is gone from the node.
func waitRemoved(t *testing.T, key string) {
	t.Helper()
	eventually(t, 90*time.Second, "profile "+key+" removed from the node", func() (bool, string) {
		_, err := os.Stat(nodeProfile(key))
		return os.IsNotExist(err), fmt.Sprintf("stat: %v", err)
	})
}

// patchLocalhost runs `seccompctl k8s patch` to point every pod of the
// manifests at the installed profile key.
func patchLocalhost(t *testing.T, manifests, key string) string {
	t.Helper()
	requireVerb(t, "k8s", "patch")
	out := must(t, seccompctl(t, manifests, "k8s", "patch", "--localhost", profilesDir+"/"+key, "-f", "-"),
		"seccompctl k8s patch").Stdout
	if !strings.Contains(out, "localhostProfile: "+profilesDir+"/"+key) {
		t.Fatalf("patched manifests do not name %s/%s:\n%s", profilesDir, key, out)
	}
	return out
}
