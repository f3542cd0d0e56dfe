//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The workload: busybox httpd serving /www of the busybox image on port 8080.
const (
	httpdPort  = 8080
	indexHTML  = "seccompctl e2e\n" // what the busybox image serves at /
	deniedPath = "/tmp/denied"      // mkdir of it must fail under the recorded profile
)

var recorded struct {
	once    sync.Once
	profile []byte
	err     error
}

// recordHTTPD records busybox httpd serving a few requests on the host with
// `seccompctl record --runtime runc`, stopping it as Ctrl-C would, and returns
// the profile. Recorded once per run and shared by the tests.
func recordHTTPD(t *testing.T) []byte {
	t.Helper()
	requireVerb(t, "record")
	recorded.once.Do(func() { recorded.profile, recorded.err = doRecordHTTPD() })
	if recorded.err != nil {
		t.Fatalf("recording busybox httpd: %v", recorded.err)
	}
	return recorded.profile
}

func doRecordHTTPD() ([]byte, error) {
	dir, err := os.MkdirTemp("", "e2e-record-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	www := filepath.Join(dir, "www")
	if err := os.Mkdir(www, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(www, "index.html"), []byte(indexHTML), 0o644); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "httpd.json")
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	var log strings.Builder
	// --complete none: busybox is one binary holding every applet, so static completion
	// would allow mkdir, umask and the rest, and the denial checks would prove nothing.
	// These tests are about what was recorded being enforced.
	cmd := exec.Command(seccompctlBin, "record", "--runtime", "runc", "--complete", "none", "-o", out, "--",
		"/usr/bin/busybox", "httpd", "-f", "-v", "-p", addr, "-h", www)
	cmd.Stdout, cmd.Stderr = &log, &log
	// Its own process group, so that SIGINT reaches it as a Ctrl-C on a terminal would.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}

	// Serve what the pod will serve: the index, a missing page, a HEAD.
	base := "http://" + addr
	var body string
	deadline := time.Now().Add(60 * time.Second)
	for {
		body, err = httpGet(base + "/")
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		stop()
		return nil, fmt.Errorf("httpd under record never answered: %v\n%s", err, log.String())
	}
	if body != indexHTML {
		stop()
		return nil, fmt.Errorf("httpd under record served %q, want %q", body, indexHTML)
	}
	for i := 0; i < 3; i++ {
		httpGet(base + "/")
		httpGet(base + "/missing")
		if resp, err := http.Head(base + "/"); err == nil {
			resp.Body.Close()
		}
	}
	stop()
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("record wrote no profile after Ctrl-C: %v\n%s", err, log.String())
	}
	return data, nil
}

// httpGet returns the body of a 200 response.
func httpGet(url string) (string, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syscallNames returns the syscalls a profile allows (rules with
// SCMP_ACT_ALLOW, with or without argument conditions) and its default action.
func syscallNames(t *testing.T, data []byte) (allowed map[string]bool, defaultAction string) {
	t.Helper()
	var p struct {
		DefaultAction string `json:"defaultAction"`
		Syscalls      []struct {
			Names  []string `json:"names"`
			Name   string   `json:"name"`
			Action string   `json:"action"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("profile is not JSON: %v\n%s", err, data)
	}
	allowed = map[string]bool{}
	for _, r := range p.Syscalls {
		if r.Action != "SCMP_ACT_ALLOW" {
			continue
		}
		for _, n := range append(r.Names, r.Name) {
			if n != "" {
				allowed[n] = true
			}
		}
	}
	return allowed, p.DefaultAction
}

// withDefaultAction returns the profile with another defaultAction, every
// other field kept but a defaultErrnoRet the new action cannot use.
func withDefaultAction(t *testing.T, data []byte, action string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["defaultAction"] = action
	if action != "SCMP_ACT_ERRNO" && action != "SCMP_ACT_TRACE" {
		delete(m, "defaultErrnoRet") // meaningless, and refused, with other actions
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withAllowed returns the profile with one more rule allowing names.
func withAllowed(t *testing.T, data []byte, names ...string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	rules, _ := m["syscalls"].([]any)
	m["syscalls"] = append(rules, map[string]any{"names": names, "action": "SCMP_ACT_ALLOW"})
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var forwardLine = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> `)

// portForward runs kubectl port-forward to target's port and returns the local
// address; it stops when the test ends.
func portForward(t *testing.T, ns, target string, port int) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "kubectl", "-n", ns, "port-forward", "--address", "127.0.0.1", target, fmt.Sprintf(":%d", port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := forwardLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stdout)
		close(found)
	}()
	select {
	case p, ok := <-found:
		if !ok {
			t.Fatalf("kubectl port-forward %s exited: %s", target, stderr.String())
		}
		if _, err := strconv.Atoi(p); err != nil {
			t.Fatal(err)
		}
		return "127.0.0.1:" + p
	case <-time.After(60 * time.Second):
		t.Fatalf("kubectl port-forward %s printed no port: %s", target, stderr.String())
	}
	return ""
}

// httpdDeployment is the workload, before `seccompctl k8s patch`.
func httpdDeployment(ns, name string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[2]s
  namespace: %[1]s
  labels: {e2e: %[2]s}
spec:
  replicas: 1
  selector:
    matchLabels: {e2e: %[2]s}
  template:
    metadata:
      labels: {e2e: %[2]s}
    spec:
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: %[3]s
        imagePullPolicy: Never
        command: ["httpd", "-f", "-v", "-p", "%[4]d", "-h", "/www"]
        ports:
        - containerPort: %[4]d
`, ns, name, env["E2E_IMAGE_BUSYBOX"], httpdPort)
}

// podReady waits until the one pod labelled e2e=name is Ready and returns its name.
func podReady(t *testing.T, ns, name string, timeout time.Duration) string {
	t.Helper()
	var pod string
	eventually(t, timeout, "pod "+name+" Ready", func() (bool, string) {
		r := kubectl(t, "", "-n", ns, "get", "pods", "-l", "e2e="+name, "-o",
			`jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.status.containerStatuses[*].state}{"\n"}{end}`)
		lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
		if len(lines) != 1 || lines[0] == "" {
			return false, r.Stdout + r.Stderr
		}
		f := strings.Fields(lines[0])
		if len(f) >= 2 && f[1] == "True" {
			pod = f[0]
			return true, ""
		}
		return false, lines[0]
	})
	return pod
}
