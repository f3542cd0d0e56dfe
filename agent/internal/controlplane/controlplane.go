//go:build linux

// Package controlplane runs a real etcd and kube-apiserver for the agent's integration
// tests: loopback only, state in one temporary directory, the API server stoppable and
// restartable to simulate an outage.
package controlplane

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// ErrUnavailable says a binary the control plane needs is missing; tests skip on it.
var ErrUnavailable = errors.New("control plane unavailable")

// Binaries locates etcd and kube-apiserver: $ETCD and $KUBE_APISERVER, then the e2e
// cluster's build output (test/e2e/.bin, from test/e2e/cluster/build-k8s.sh), then PATH.
func Binaries() (etcd, apiserver string, err error) {
	etcd, err = find("ETCD", "etcd")
	if err != nil {
		return "", "", fmt.Errorf("%w: etcd not found (apt-get install etcd-server, or set $ETCD)", ErrUnavailable)
	}
	apiserver, err = find("KUBE_APISERVER", "kube-apiserver")
	if err != nil {
		return "", "", fmt.Errorf("%w: kube-apiserver not found (build it with test/e2e/cluster/build-k8s.sh, or set $KUBE_APISERVER)", ErrUnavailable)
	}
	return etcd, apiserver, nil
}

func find(env, name string) (string, error) {
	if p := os.Getenv(env); p != "" {
		return p, nil
	}
	if root, ok := moduleRoot(); ok {
		p := filepath.Join(root, "test", "e2e", ".bin", name)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

// moduleRoot finds the repository from the working directory (go test runs in the
// package's directory).
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.HasPrefix(string(b), "module github.com/seccompctl/seccompctl\n") {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// ControlPlane is a running etcd and kube-apiserver.
type ControlPlane struct {
	dir       string
	apiBin    string
	apiPort   int
	apiArgs   []string
	etcd      *proc
	apiserver *proc
	// Token is a bearer token of a member of system:masters.
	Token string
	// URL is the API server's https URL.
	URL string
}

// Start runs etcd and kube-apiserver under dir and waits until the API server is
// ready.
func Start(ctx context.Context, dir string) (*ControlPlane, error) {
	etcdBin, apiBin, err := Binaries()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	cp := &ControlPlane{dir: dir, apiBin: apiBin, apiPort: ports[3]}
	cp.URL = "https://127.0.0.1:" + strconv.Itoa(cp.apiPort)
	tok := make([]byte, 16)
	rand.Read(tok)
	cp.Token = hex.EncodeToString(tok)

	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	etcd := exec.Command(etcdBin,
		"--name=default", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=default="+peer,
		fmt.Sprintf("--listen-metrics-urls=http://127.0.0.1:%d", ports[2]),
		"--unsafe-no-fsync")
	if cp.etcd, err = cp.start(etcd, "etcd"); err != nil {
		return nil, err
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		cp.Stop()
		return nil, err
	}
	keyFile := filepath.Join(dir, "sa.key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		cp.Stop()
		return nil, err
	}
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(cp.Token+",admin,admin,system:masters\n"), 0o600); err != nil {
		cp.Stop()
		return nil, err
	}
	cp.apiArgs = []string{
		"--etcd-servers=" + client,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(cp.apiPort),
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + keyFile,
		"--service-account-signing-key-file=" + keyFile,
		"--token-auth-file=" + tokens,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/24",
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
	}
	if err := cp.StartAPIServer(ctx); err != nil {
		cp.Stop()
		return nil, err
	}
	return cp, nil
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// proc is a child process; done closes when it has exited.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (cp *ControlPlane) start(cmd *exec.Cmd, name string) (*proc, error) {
	log, err := os.OpenFile(filepath.Join(cp.dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	// Dies with the test binary even if the test forgets Stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); log.Close(); close(p.done) }()
	return p, nil
}

// StartAPIServer (re)starts kube-apiserver on the same port and waits for /readyz.
func (cp *ControlPlane) StartAPIServer(ctx context.Context) error {
	p, err := cp.start(exec.Command(cp.apiBin, cp.apiArgs...), "kube-apiserver")
	if err != nil {
		return err
	}
	cp.apiserver = p
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(90 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cp.URL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+cp.Token)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		exited := false
		select {
		case <-p.done:
			exited = true
		default:
		}
		if exited || time.Now().After(deadline) || ctx.Err() != nil {
			stop(p)
			log, _ := os.ReadFile(filepath.Join(cp.dir, "kube-apiserver.log"))
			if len(log) > 3000 {
				log = log[len(log)-3000:]
			}
			return fmt.Errorf("kube-apiserver not ready:\n%s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// KillAPIServer kills kube-apiserver (SIGKILL: a crash, no graceful shutdown), leaving
// etcd running: an API outage.
func (cp *ControlPlane) KillAPIServer() {
	if p := cp.apiserver; p != nil {
		p.cmd.Process.Kill()
		<-p.done
	}
	cp.apiserver = nil
}

func stop(p *proc) {
	if p == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Stop ends both processes.
func (cp *ControlPlane) Stop() {
	stop(cp.apiserver)
	stop(cp.etcd)
}

// Config is an admin client configuration.
func (cp *ControlPlane) Config() *rest.Config {
	return &rest.Config{Host: cp.URL, BearerToken: cp.Token, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
}

// Kubeconfig writes a kubeconfig file for token at path.
func (cp *ControlPlane) Kubeconfig(path, token string) error {
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: user
  user:
    token: %s
contexts:
- name: test
  context: {cluster: test, user: user}
current-context: test
`, cp.URL, token)
	return os.WriteFile(path, []byte(cfg), 0o600)
}
