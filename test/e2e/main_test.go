//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// env holds what test/e2e/cluster/up wrote to $E2E_STATE/env.sh.
var env map[string]string

// seccompctlBin is the static seccompctl built from this tree for this run; the
// agent image holds the same binary.
var seccompctlBin string

// repoRoot is the module root (the tests run in test/e2e).
var repoRoot string

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := setup(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	state := os.Getenv("E2E_STATE")
	if state == "" {
		state = "/var/tmp/seccompctl-e2e"
	}
	var err error
	env, err = loadEnv(filepath.Join(state, "env.sh"))
	if err != nil {
		return 0, fmt.Errorf("%w: bring the cluster up first (test/e2e/cluster/up)", err)
	}
	if env["E2E_FULL"] != "true" {
		return 0, fmt.Errorf("the cluster in %s has no node (up --apiserver-only): run test/e2e/cluster/up", state)
	}
	os.Setenv("KUBECONFIG", env["KUBECONFIG"])
	if _, err := exec.LookPath("kubectl"); err != nil {
		return 0, fmt.Errorf("kubectl must be on PATH: %w", err)
	}
	if repoRoot, err = filepath.Abs("../.."); err != nil {
		return 0, err
	}

	tmp, err := os.MkdirTemp("", "seccompctl-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	seccompctlBin = filepath.Join(tmp, "seccompctl")
	build := exec.Command("go", "build", "-trimpath", "-o", seccompctlBin, "./cmd/seccompctl")
	build.Dir, build.Env = repoRoot, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building seccompctl: %v\n%s", err, out)
	}
	// The agent image holds this very binary.
	mk := exec.Command("go", "run", "./test/e2e/images", "-o", tmp, "-seccompctl", seccompctlBin,
		"agent="+env["E2E_IMAGE_AGENT"])
	mk.Dir = repoRoot
	if out, err := mk.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building the agent image: %v\n%s", err, out)
	}
	imp := exec.Command("ctr", "--address", env["E2E_CONTAINERD_SOCK"], "-n", "k8s.io",
		"images", "import", filepath.Join(tmp, "agent.tar"))
	if out, err := imp.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("importing the agent image: %v\n%s", err, out)
	}
	return m.Run(), nil
}

// loadEnv reads the `export K=V` lines of env.sh.
func loadEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if ok && !strings.HasPrefix(k, "#") {
			vars[k] = v
		}
	}
	return vars, sc.Err()
}

// result is what a command printed and its exit code.
type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// run runs a command with stdin and returns its result; only a failure to
// start it (or a timeout) is fatal.
func run(t *testing.T, stdin string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && ctx.Err() == nil:
		res.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, res)
	}
	return res
}

// must fails the test unless r exited 0.
func must(t *testing.T, r result, what string) result {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s: %s", what, r)
	}
	return r
}

func seccompctl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return run(t, stdin, seccompctlBin, args...)
}

func kubectl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return run(t, stdin, "kubectl", args...)
}

// apply pipes manifests into kubectl apply.
func apply(t *testing.T, manifests string) {
	t.Helper()
	must(t, kubectl(t, manifests, "apply", "-f", "-"), "kubectl apply")
}

var verbs = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

// requireVerb fails the test when this build of seccompctl has no such verb: a
// verb the workflow needs going missing is a regression, not a reason to skip.
func requireVerb(t *testing.T, verb ...string) {
	t.Helper()
	if !requireVerbOK(t, verb...) {
		t.Fatalf("seccompctl has no `%s` verb in this build", strings.Join(verb, " "))
	}
}

// requireVerbOK reports whether this build of seccompctl has the verb.
func requireVerbOK(t *testing.T, verb ...string) bool {
	t.Helper()
	key := strings.Join(verb, " ")
	verbs.Lock()
	ok, known := verbs.seen[key]
	verbs.Unlock()
	if !known {
		r := run(t, "", seccompctlBin, append(verb, "--help")...)
		ok = r.Code == 0 && !strings.Contains(r.Stdout+r.Stderr, "unknown command")
		// cobra prints the parent's help for an unknown subcommand of a group.
		if ok && len(verb) > 1 {
			ok = strings.Contains(r.Stdout, strings.Join(verb, " "))
		}
		verbs.Lock()
		verbs.seen[key] = ok
		verbs.Unlock()
	}
	return ok
}

// eventually polls cond every half second until it holds or timeout passes,
// then fails with the last state cond described.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s; last state: %s", what, timeout, state)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// namespace creates a namespace for one test and deletes it afterwards.
func namespace(t *testing.T, name string) string {
	t.Helper()
	kubectl(t, "", "delete", "namespace", name, "--ignore-not-found", "--wait=true", "--timeout=60s")
	must(t, kubectl(t, "", "create", "namespace", name), "create namespace")
	t.Cleanup(func() {
		if t.Failed() {
			dumpNamespace(t, name)
		}
		kubectl(t, "", "delete", "namespace", name, "--wait=false")
	})
	return name
}

// dumpNamespace logs what a failed test left in its namespace.
func dumpNamespace(t *testing.T, ns string) {
	t.Helper()
	for _, args := range [][]string{
		{"-n", ns, "get", "all,configmaps,events", "-o", "wide"},
		{"-n", ns, "describe", "pods"},
		{"-n", ns, "logs", "--all-containers", "--prefix", "--tail=50", "-l", "e2e"},
	} {
		r := kubectl(t, "", args...)
		t.Logf("kubectl %s:\n%s%s", strings.Join(args, " "), r.Stdout, r.Stderr)
	}
}

// jsonpath reads one field of a resource; "" when it does not exist.
func jsonpath(t *testing.T, ns, resource, path string) string {
	t.Helper()
	args := []string{"get", resource, "-o", "jsonpath=" + path, "--ignore-not-found"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	return strings.TrimSpace(kubectl(t, "", args...).Stdout)
}
