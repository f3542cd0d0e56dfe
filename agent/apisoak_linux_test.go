package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/kube"
)

// agentProcessEnv makes the test binary run an agent with the JSON Config it holds, so
// the soak can measure the agent's own memory.
const agentProcessEnv = "SECCOMPCTL_AGENT_PROCESS"

func agentProcess(cfgJSON string) int {
	var cfg Config
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	a, err := New(cfg, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestAPIServerSoak runs the agent as its own process against a real API server and
// creates 50 ConfigMaps of 20 profiles each: it reports how long until all 1,000 files
// are on the node and the agent's memory. Run it with
//
//	SECCOMPCTL_SOAK=1 go test ./agent -run TestAPIServerSoak -v
func TestAPIServerSoak(t *testing.T) {
	if os.Getenv("SECCOMPCTL_SOAK") == "" {
		t.Skip("set SECCOMPCTL_SOAK=1 to run the API server soak")
	}
	var err error
	e := newEnv(t, controlPlane(t))
	// Create the ConfigMaps as fast as the API server takes them.
	fast := e.cp.Config()
	fast.QPS, fast.Burst = 500, 500
	if e.admin, err = kubernetes.NewForConfig(fast); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, _ := json.Marshal(Config{Kubeconfig: e.kubeconfig, NodeName: "soak", KubeletRoot: e.kubeletDir,
		Namespace: e.ns, ListenAddress: addr, ResyncPeriod: time.Minute})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), agentProcessEnv+"="+string(cfg))
	if v := os.Getenv("SOAK_GOMEMLIMIT"); v != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+v)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return ""
		}
		return string(b)
	}
	eventually(t, "agent ready", func() (bool, string) { return get("/readyz") != "", "" })
	idle := procStatus(t, cmd.Process.Pid)

	sources := soakSources(t)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(sources))
	for _, s := range sources {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: e.ns, Labels: map[string]string{kube.LabelProfiles: "true"}},
			Data:       map[string]string{},
		}
		for k, v := range s.Data {
			cm.Data[k] = v
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.admin.CoreV1().ConfigMaps(e.ns).Create(context.Background(), cm, metav1.CreateOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	created := time.Since(start)
	eventually(t, "1000 profiles installed", func() (bool, string) {
		m := get("/metrics")
		return strings.Contains(m, "\nseccompctl_agent_profiles_installed 1000\n"), metricLine(m, "seccompctl_agent_profiles_installed")
	})
	installed := time.Since(start)
	busy := procStatus(t, cmd.Process.Pid)
	for _, s := range sources {
		for k, v := range s.Data {
			b, err := os.ReadFile(filepath.Join(e.dir, k))
			if err != nil || string(b) != v {
				t.Fatalf("%s: wrong content (%v)", k, err)
			}
		}
	}
	m := get("/metrics")
	t.Logf("50 ConfigMaps created in %v; all 1000 profiles installed %v after the first create", created.Round(time.Millisecond), installed.Round(time.Millisecond))
	t.Logf("agent RSS idle %s, after the soak %s, peak %s; Go heap in use %s MiB; syncs %s, sync time total %s s",
		idle["VmRSS"], busy["VmRSS"], busy["VmHWM"], mib(metricLine(m, "go_memstats_heap_inuse_bytes")),
		metricLine(m, `seccompctl_agent_syncs_total{result="ok"}`), metricLine(m, "seccompctl_agent_sync_duration_seconds_sum"))
}

func procStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok {
			out[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return out
}

func metricLine(body, name string) string {
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return strings.TrimPrefix(l, name+" ")
		}
	}
	return ""
}

func mib(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return fmt.Sprintf("%.1f", f/(1<<20))
}
