//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMonitorAttributesDenial runs the recorded httpd profile turned into an
// audit profile (defaultAction SCMP_ACT_LOG: what the profile does not list is
// allowed and logged) and checks that the agent's monitor and `seccompctl
// monitor` on the node attribute a logged call to the pod that made it.
//
// SCMP_ACT_ERRNO with SECCOMP_FILTER_FLAG_LOG would log real denials, but
// Debian's runc 1.1.5 refuses every profile with flags ("seccomp flags are not
// yet supported by runc"), so the pod would never start here.
func TestMonitorAttributesDenial(t *testing.T) {
	// The agent's monitoring comes with the monitor verb (package monitor).
	requireVerb(t, "monitor")
	prof := recordHTTPD(t)
	if allowed, _ := syscallNames(t, prof); allowed["umask"] {
		t.Fatalf("the recorded profile allows umask: nothing would be logged")
	}
	ensureAgent(t)
	logging := withDefaultAction(t, prof, "SCMP_ACT_LOG")

	const key, cm = "e2e-httpd-audit.json", "e2e-httpd-audit"
	apply(t, profileConfigMap(t, cm, map[string][]byte{key: logging}))
	t.Cleanup(func() { kubectl(t, "", "-n", agentNamespace, "delete", "configmap", cm, "--ignore-not-found") })
	waitInstalled(t, key, logging)

	ns := namespace(t, "e2e-monitor")
	apply(t, patchLocalhost(t, httpdDeployment(ns, "audited"), key))
	pod := podReady(t, ns, "audited", 2*time.Minute)

	// The node's monitors (the same code as the agent's), from before the
	// violation: one streams JSON lines, the other suggests a profile change.
	host := startHostMonitor(t, "--namespace", ns)
	suggest := startHostMonitor(t, "--namespace", ns, "--suggest")

	// umask is not in the recorded profile: under the audit profile it is
	// allowed and logged. The shell makes the call itself and then stays alive
	// as sleep (same pid), so the monitor can still read its cgroup when the
	// record arrives; TestMonitorShortLivedProcess covers processes that exit first.
	violate := func() result {
		return kubectl(t, "", "-n", ns, "exec", pod, "--", "sh", "-c", "umask 077; exec sleep 3")
	}
	must(t, violate(), "umask under the audit profile")

	t.Run("agent metrics", func(t *testing.T) {
		metrics := "http://" + agentAddr() + "/metrics"
		eventually(t, 60*time.Second, "the agent's metrics to count umask for pod "+ns+"/"+pod, func() (bool, string) {
			body, err := fetch(metrics)
			if err != nil {
				return false, err.Error()
			}
			if violationSeries(body, ns, pod, "httpd", "umask") {
				return true, ""
			}
			return false, "no violation series for the pod in:\n" + violationLines(body)
		})
	})

	t.Run("agent log", func(t *testing.T) {
		eventually(t, 30*time.Second, "the agent's log to show the violation", func() (bool, string) {
			logs := kubectl(t, "", "-n", agentNamespace, "logs", "-l", "app.kubernetes.io/name=seccompctl-agent", "--tail=-1").Stdout
			for _, line := range strings.Split(logs, "\n") {
				if strings.Contains(line, pod) && strings.Contains(line, "umask") && strings.Contains(line, ns) {
					return true, ""
				}
			}
			return false, "no line names the pod and umask"
		})
	})

	t.Run("host monitor", func(t *testing.T) {
		// Repeat the violation until the monitor, which may still be joining
		// the audit multicast group, reports one.
		var v map[string]any
		eventually(t, 60*time.Second, "`seccompctl monitor --format json` to report the pod's umask", func() (bool, string) {
			violate()
			for _, line := range host.lines() {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) != nil {
					continue
				}
				vals := stringValues(m)
				if vals[pod] && vals[ns] && vals["umask"] {
					v = m
					return true, ""
				}
			}
			return false, "output so far:\n" + strings.Join(host.lines(), "\n") + "\nstderr:\n" + host.stderr()
		})
		vals := stringValues(v)
		if !vals["httpd"] {
			t.Errorf("violation does not name the container httpd: %v", v)
		}
		if !vals["log"] && !vals["SCMP_ACT_LOG"] {
			t.Errorf("violation does not say the action was log: %v", v)
		}
		profileNamed := false
		for s := range vals {
			profileNamed = profileNamed || strings.HasSuffix(s, key)
		}
		if !profileNamed {
			t.Errorf("violation does not name the pod's profile %s: %v", key, v)
		}

	})

	t.Run("host monitor suggests", func(t *testing.T) {
		// Ctrl-C ends it with the audit2allow-like suggestion for the pod's profile.
		out := suggest.interrupt(t)
		var sugg []struct {
			LocalhostProfile string   `json:"localhostProfile"`
			Containers       []string `json:"containers"`
			Rule             struct {
				Names  []string `json:"names"`
				Action string   `json:"action"`
			} `json:"rule"`
		}
		if err := json.Unmarshal([]byte(out), &sugg); err != nil {
			t.Fatalf("--suggest --format json printed no JSON array: %v\n%s", err, out)
		}
		for _, s := range sugg {
			if s.LocalhostProfile == profilesDir+"/"+key && s.Rule.Action == "SCMP_ACT_ALLOW" && slices.Contains(s.Rule.Names, "umask") &&
				slices.Contains(s.Containers, ns+"/"+pod+"/httpd") {
				return
			}
		}
		t.Errorf("--suggest proposes no rule allowing umask for %s/%s used by %s/%s:\n%s", profilesDir, key, ns, pod, out)
	})
}

// TestMonitorShortLivedProcess: a violation by a process that exits
// microseconds after the call (kubectl exec ... mkdir) may be read after the
// process is gone, when its cgroup can no longer be read. The monitor must then
// say so (documented: pid, command and reason), and never name another pod.
// Which of the two happens is a race; both are checked.
func TestMonitorShortLivedProcess(t *testing.T) {
	requireVerb(t, "monitor")
	prof := recordHTTPD(t)
	ensureAgent(t)
	logging := withDefaultAction(t, prof, "SCMP_ACT_LOG")

	const key, cm = "e2e-httpd-audit2.json", "e2e-httpd-audit2"
	apply(t, profileConfigMap(t, cm, map[string][]byte{key: logging}))
	t.Cleanup(func() { kubectl(t, "", "-n", agentNamespace, "delete", "configmap", cm, "--ignore-not-found") })
	waitInstalled(t, key, logging)
	ns := namespace(t, "e2e-monitor-short")
	apply(t, patchLocalhost(t, httpdDeployment(ns, "audited"), key))
	pod := podReady(t, ns, "audited", 2*time.Minute)

	// Every namespace: an unattributed record has none.
	host := startHostMonitor(t)
	var attributed, exited int
	eventually(t, 60*time.Second, "`seccompctl monitor` to report the mkdir", func() (bool, string) {
		must(t, kubectl(t, "", "-n", ns, "exec", pod, "--", "mkdir", "-p", deniedPath), "mkdir under the audit profile")
		attributed, exited = 0, 0
		for _, line := range host.lines() {
			var v struct {
				Comm, Syscall, Namespace, Pod, Container, Error string
			}
			if json.Unmarshal([]byte(line), &v) != nil || v.Syscall != "mkdir" || v.Comm != "mkdir" {
				continue
			}
			switch {
			case v.Pod == pod && v.Namespace == ns && v.Container == "httpd":
				attributed++
			case v.Pod == "" && strings.Contains(v.Error, "exited"):
				exited++
			case v.Pod != "":
				t.Fatalf("the pod's mkdir attributed to another pod: %s", line)
			}
		}
		return attributed+exited > 0, "output so far:\n" + strings.Join(host.lines(), "\n")
	})
	t.Logf("mkdir records: %d attributed to %s/%s, %d reported as exited before attribution", attributed, ns, pod, exited)
}

// violationSeries reports whether the metrics hold a violation series with
// these labels.
func violationSeries(body, ns, pod, container, syscall string) bool {
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "#") || !strings.Contains(line, "violation") {
			continue
		}
		if strings.Contains(line, `namespace="`+ns+`"`) && strings.Contains(line, `pod="`+pod+`"`) &&
			strings.Contains(line, `container="`+container+`"`) && strings.Contains(line, `syscall="`+syscall+`"`) {
			return true
		}
	}
	return false
}

// hostMonitor is `seccompctl monitor` running on the node.
type hostMonitor struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	err  strings.Builder
	done chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func startHostMonitor(t *testing.T, args ...string) *hostMonitor {
	t.Helper()
	h := &hostMonitor{done: make(chan struct{})}
	h.cmd = exec.Command(seccompctlBin, append([]string{"monitor", "--format", "json", "--duration", "5m",
		"--cri-socket", env["E2E_CONTAINERD_SOCK"], "--node", "localhost"}, args...)...)
	h.cmd.Stdout = lockedWriter{&h.mu, &h.out}
	h.cmd.Stderr = lockedWriter{&h.mu, &h.err}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.cmd.Wait(); close(h.done) }()
	t.Cleanup(func() {
		h.cmd.Process.Kill()
		<-h.done
	})
	return h
}

func (h *hostMonitor) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Split(strings.TrimSpace(h.out.String()), "\n")
}

func (h *hostMonitor) stderr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err.String()
}

// interrupt sends SIGINT and returns everything the monitor printed.
func (h *hostMonitor) interrupt(t *testing.T) string {
	t.Helper()
	h.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-h.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("seccompctl monitor did not stop 30s after SIGINT")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String() + h.err.String()
}

// stringValues collects every string value in a decoded JSON object, nested or not.
func stringValues(v any) map[string]bool {
	vals := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			vals[v] = true
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return vals
}

// agentAddr is where the agent (on the host's network) serves /metrics.
func agentAddr() string {
	return "127.0.0.1:" + env["E2E_AGENT_PORT"]
}

func fetch(url string) (string, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// violationLines keeps the metric lines that mention violations, for messages.
func violationLines(body string) string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.Contains(line, "violation") && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
