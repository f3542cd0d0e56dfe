//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMonitorAttributesDenial runs the recorded httpd profile turned into an
// audit profile (defaultAction SCMP_ACT_LOG: what the profile does not list is
// allowed and logged) and checks that the agent's monitor attributes the
// logged mkdir to the pod that made it.
//
// SCMP_ACT_ERRNO with SECCOMP_FILTER_FLAG_LOG would log real denials, but
// Debian's runc 1.1.5 refuses every profile with flags ("seccomp flags are not
// yet supported by runc"), so the pod would never start here.
func TestMonitorAttributesDenial(t *testing.T) {
	// The agent's monitoring comes with the monitor verb (package monitor).
	requireVerb(t, "monitor")
	prof := recordHTTPD(t)
	ensureAgent(t)
	logging := withDefaultAction(t, prof, "SCMP_ACT_LOG")

	const key, cm = "e2e-httpd-audit.json", "e2e-httpd-audit"
	apply(t, profileConfigMap(t, cm, map[string][]byte{key: logging}))
	t.Cleanup(func() { kubectl(t, "", "-n", agentNamespace, "delete", "configmap", cm, "--ignore-not-found") })
	waitInstalled(t, key, logging)

	ns := namespace(t, "e2e-monitor")
	apply(t, patchLocalhost(t, httpdDeployment(ns, "audited"), key))
	pod := podReady(t, ns, "audited", 2*time.Minute)

	// Logged, not denied: mkdir succeeds and leaves an audit record.
	must(t, kubectl(t, "", "-n", ns, "exec", pod, "--", "mkdir", deniedPath), "mkdir under the audit profile")

	metrics := "http://" + agentAddr() + "/metrics"
	eventually(t, 60*time.Second, "the agent's metrics to count mkdir for pod "+ns+"/"+pod, func() (bool, string) {
		body, err := fetch(metrics)
		if err != nil {
			return false, err.Error()
		}
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			if strings.Contains(line, `namespace="`+ns+`"`) && strings.Contains(line, `pod="`+pod+`"`) &&
				strings.Contains(line, `syscall="mkdir`) {
				return true, ""
			}
		}
		return false, "no violation series for the pod in:\n" + violationLines(body)
	})

	// The same record in the agent's JSON lines, with the container's name.
	eventually(t, 30*time.Second, "the agent's log to show the violation", func() (bool, string) {
		logs := kubectl(t, "", "-n", agentNamespace, "logs", "-l", "app.kubernetes.io/name=seccompctl-agent", "--tail=-1").Stdout
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, pod) && strings.Contains(line, "mkdir") && strings.Contains(line, ns) {
				if !strings.Contains(line, "httpd") {
					return false, "violation line without the container name httpd: " + line
				}
				return true, ""
			}
		}
		return false, "no line names the pod and mkdir"
	})
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
