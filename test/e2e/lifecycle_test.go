//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The lifecycle test's workload: Debian's redis-server in a 2-replica Deployment
// whose init container writes the server's configuration. Their container names
// are the names of the profiles `k8s record collect` writes and applies.
const (
	imageRedis  = "localhost/seccompctl-e2e/redis:1"
	kvApp       = "kv"
	kvServer    = "kv-server"
	kvInit      = "kv-init"
	kvServerKey = kvServer + ".json"
	kvInitKey   = kvInit + ".json"
	// staticPrefix names the profiles collected with static completion apart.
	staticPrefix   = "static-"
	kvServerStatic = staticPrefix + kvServerKey
	kvInitStatic   = staticPrefix + kvInitKey
	rolloutWithin  = 3 * time.Minute
)

// kvDeployment is the workload, unpatched: no seccomp profile. The readiness
// probe is a TCP connect from the kubelet, so no probe process runs in the
// container and everything in it is what the test made happen.
func kvDeployment(ns string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  replicas: 2
  selector:
    matchLabels:
      app: %[2]s
  template:
    metadata:
      labels:
        app: %[2]s
        e2e: lifecycle
    spec:
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 2
      initContainers:
        - name: %[4]s
          image: %[5]s
          imagePullPolicy: Never
          command: [sh, -c, 'printf "dir /data\nsave \"\"\nappendonly no\nprotected-mode no\n" > /data/redis.conf']
          volumeMounts:
            - {name: data, mountPath: /data}
      containers:
        - name: %[3]s
          image: %[5]s
          imagePullPolicy: Never
          args: [/data/redis.conf]
          ports:
            - {containerPort: 6379}
          readinessProbe:
            tcpSocket: {port: 6379}
            periodSeconds: 1
          volumeMounts:
            - {name: data, mountPath: /data}
      volumes:
        - {name: data, emptyDir: {}}
`, ns, kvApp, kvServer, kvInit, imageRedis)
}

// TestLifecycleRecordToEnforce is issue 11's lifecycle on the real cluster: the
// agent records a 2-replica redis Deployment from its pods' first exec (the
// request exists before the Deployment), collect applies the profiles, the pods
// restart under them and serve while a syscall outside them is denied; then an
// operation never used while recording (BGSAVE, which forks and writes a dump)
// runs under the complain-mode profile, shows in `k8s status`, is promoted, and
// works under the enforced profile. The agent also analyzed the executables the
// containers ran (--record-static): the profile collected with static completion
// already allows what BGSAVE needs, and BGSAVE works under it enforced.
func TestLifecycleRecordToEnforce(t *testing.T) {
	for _, verb := range [][]string{{"k8s", "record"}, {"k8s", "record", "collect"}, {"k8s", "record", "status"},
		{"k8s", "record", "stop"}, {"k8s", "status"}, {"k8s", "promote"}, {"k8s", "configmap"}, {"k8s", "patch"}} {
		requireVerb(t, verb...)
	}
	ensureAgent(t)
	ensureImage(t, "redis", imageRedis)
	ns := namespace(t, "e2e-lifecycle")
	t.Cleanup(func() {
		kubectl(t, "", "-n", agentNamespace, "delete", "configmap", kvServer, kvInit, staticPrefix+kvServer, staticPrefix+kvInit, "--ignore-not-found")
	})

	// 1. The request first, so the pods are recorded from their first exec.
	rec := must(t, seccompctl(t, "", "k8s", "record", "-l", "app="+kvApp, "-n", ns), "seccompctl k8s record")
	request := strings.TrimSpace(rec.Stdout)
	if !strings.HasPrefix(request, "recording-") || strings.ContainsAny(request, " \n") {
		t.Fatalf("k8s record printed %q, want the request's name (recording-...)", rec.Stdout)
	}
	t.Cleanup(func() { seccompctl(t, "", "k8s", "record", "stop", request) })
	t.Logf("recording request %s", request)

	manifest := kvDeployment(ns)
	apply(t, manifest)
	pods := kvPods(t, ns, "", 2)

	// 2. Traffic that never saves: SET/GET and reading the save status.
	for _, pod := range pods {
		out := redisCLI(t, ns, pod, "SET greeting hello", "GET greeting", "INCR hits", "LASTSAVE", "INFO persistence")
		if !strings.Contains(out, "hello") || !strings.Contains(out, "rdb_bgsave_in_progress:0") {
			t.Fatalf("redis in %s: SET/GET/INFO gave\n%s", pod, out)
		}
		// busybox in the container too, so the denial check below fails at mkdir
		// and not at something busybox does before it.
		must(t, kubectl(t, "", "-n", ns, "exec", pod, "-c", kvServer, "--", "ls", "/data"), "ls /data in "+pod)
	}

	// 3. Both pods and the init container show in the status, with syscalls seen.
	eventually(t, 90*time.Second, "k8s record status shows both pods and the init container", func() (bool, string) {
		r := seccompctl(t, "", "k8s", "record", "status", request)
		out := r.Stdout + r.Stderr
		ok := r.Code == 0 && strings.Contains(out, kvInit) && strings.Contains(out, kvServer)
		for _, pod := range pods {
			ok = ok && strings.Contains(out, pod)
		}
		return ok, out
	})
	// What the traffic made must be in a snapshot before the recording stops: wait
	// for two more snapshot intervals.
	time.Sleep(2 * mustDuration(t, snapshotInterval))
	must(t, seccompctl(t, "", "k8s", "record", "stop", request), "k8s record stop")

	// 4. Collect and apply: one profile per container name, of what was recorded
	// only (--complete none; the agent analyzed the executables too, used in 8).
	dir := t.TempDir()
	var collected result
	eventually(t, 60*time.Second, "k8s record collect --apply", func() (bool, string) {
		collected = seccompctl(t, "", "k8s", "record", "collect", request, "-o", dir, "--apply", "--complete", "none")
		return collected.Code == 0, collected.String()
	})
	t.Logf("collect: %s", collected.Stdout+collected.Stderr)
	server, err := os.ReadFile(filepath.Join(dir, kvServerKey))
	if err != nil {
		t.Fatalf("collect wrote no %s: %v\n%s", kvServerKey, err, collected)
	}
	initProf, err := os.ReadFile(filepath.Join(dir, kvInitKey))
	if err != nil {
		t.Fatalf("collect wrote no %s (the init container was not recorded from its first exec?): %v\n%s", kvInitKey, err, collected)
	}
	// The pods were created after the request: nothing may say they were counted
	// only from the middle of their run, and the entrypoint's own execve is in.
	for _, phrase := range []string{"running before the recording", "already running when the recording began"} {
		if strings.Contains(collected.Stdout+collected.Stderr, phrase) {
			t.Fatalf("collect says a pod was %q, but every pod started after the request:\n%s", phrase, collected)
		}
	}
	allowed, def := syscallNames(t, server)
	if !allowed["execve"] {
		t.Fatalf("%s does not allow execve: the entrypoint's exec, where counting starts, was not counted\n%s", kvServerKey, server)
	}
	// What runc does to set the container up (mounts, pivot_root, namespaces, its
	// own filter) happens before the container's first exec: a recording that
	// starts at that exec never sees it. (Passing runs show that the runc process
	// `kubectl exec` starts does not bring these calls either.)
	var setup []string
	for _, name := range []string{"mount", "pivot_root", "umount2", "setns", "unshare", "seccomp"} {
		if allowed[name] {
			setup = append(setup, name)
		}
	}
	if len(setup) > 0 {
		t.Fatalf("%s allows %v, which runc calls while setting the container up, before its first exec: "+
			"the recording began before the container's own exec\n%s", kvServerKey, setup, server)
	}
	if def != "SCMP_ACT_ERRNO" || allowed["mkdir"] || allowed["mkdirat"] || !allowed["accept"] && !allowed["accept4"] {
		t.Fatalf("%s: defaultAction %s, allowed %v: want SCMP_ACT_ERRNO, accept, no mkdir", kvServerKey, def, sortedKeys(allowed))
	}
	if a, _ := syscallNames(t, initProf); !a["execve"] || !a["write"] {
		t.Fatalf("%s allows %v: want at least execve and write (sh writing the configuration)", kvInitKey, sortedKeys(a))
	}
	waitInstalled(t, kvServerKey, server)
	waitInstalled(t, kvInitKey, initProf)

	// The same recording collected with static completion, applied under other
	// names (used in 8): the agent looked at redis-server running in both pods.
	staticDir := t.TempDir()
	var staticRep staticReport
	eventually(t, 60*time.Second, "k8s record collect --complete static finds redis-server analyzed", func() (bool, string) {
		r := seccompctl(t, "", "k8s", "record", "collect", request, "-o", staticDir, "--complete", "static", "--prefix", staticPrefix, "--format", "json")
		staticRep = serverStatic(r.Stdout)
		return r.Code == 0 && slices.ContainsFunc(staticRep.Executables, func(e string) bool { return strings.HasPrefix(e, "/usr/bin/redis-server") }) &&
			len(staticRep.Analyzed) == 2, r.String()
	})
	applied := must(t, seccompctl(t, "", "k8s", "record", "collect", request, "-o", staticDir, "--complete", "static", "--prefix", staticPrefix, "--apply"),
		"k8s record collect --complete static --apply")
	t.Logf("collect --complete static: %s", applied.Stdout+applied.Stderr)
	staticServer, err := os.ReadFile(filepath.Join(staticDir, kvServerStatic))
	if err != nil {
		t.Fatal(err)
	}
	staticInit, err := os.ReadFile(filepath.Join(staticDir, kvInitStatic))
	if err != nil {
		t.Fatal(err)
	}

	// 5. The pods restart under the profiles and serve; mkdir is denied.
	patched := patchContainer(t, patchContainer(t, manifest, kvServer, kvServerKey), kvInit, kvInitKey)
	apply(t, patched)
	pods = kvPods(t, ns, profilesDir+"/"+kvServerKey, 2)
	for _, pod := range pods {
		if out := redisCLI(t, ns, pod, "SET greeting enforced", "GET greeting"); !strings.Contains(out, "enforced") {
			t.Fatalf("redis in %s under the recorded profile: SET/GET gave\n%s", pod, out)
		}
	}
	r := kubectl(t, "", "-n", ns, "exec", pods[0], "-c", kvServer, "--", "mkdir", "/data/denied")
	if r.Code == 0 || !strings.Contains(r.Stderr, "can't create directory") || !strings.Contains(r.Stderr, "Operation not permitted") {
		t.Fatalf("mkdir under the recorded profile: want it denied with EPERM, got %s", r)
	}
	// BGSAVE was never run while recording: its dump (fsync, rename in redis 7.0)
	// is denied, and redis says the save failed.
	if out := bgsave(t, ns, pods[0]); !strings.Contains(out, "rdb_last_bgsave_status:err") {
		t.Fatalf("BGSAVE under the recorded profile: want it to fail (never run while recording), got\n%s", out)
	}

	// 6. Complain mode: what the profile would deny is allowed and logged.
	cm := must(t, seccompctl(t, "", "k8s", "configmap", "--complain", "--name", kvServer, "-n", agentNamespace,
		filepath.Join(dir, kvServerKey)), "k8s configmap --complain").Stdout
	apply(t, cm)
	eventually(t, 90*time.Second, "the complain-mode profile installed on the node", func() (bool, string) {
		_, def := nodeDefaultAction(t, kvServerKey)
		return def == "SCMP_ACT_LOG", "defaultAction " + def
	})
	restart(t, ns)
	pods = kvPods(t, ns, profilesDir+"/"+kvServerKey, 2)
	if out := bgsave(t, ns, pods[0]); !strings.Contains(out, "rdb_last_bgsave_status:ok") {
		t.Fatalf("BGSAVE in complain mode (everything allowed) failed:\n%s", out)
	}
	var logged []string
	eventually(t, 90*time.Second, "k8s status "+kvServerKey+" shows what BGSAVE did", func() (bool, string) {
		r := seccompctl(t, "", "k8s", "status", kvServerKey, "--format", "json")
		logged = loggedSyscalls(r.Stdout, ns, pods[0])
		return r.Code == 0 && len(logged) > 0, r.String()
	})
	t.Logf("logged under complain mode in %s: %v", pods[0], logged)
	for _, name := range logged {
		if allowed[name] {
			t.Errorf("%s was logged under complain mode but the recorded profile allows it", name)
		}
	}

	// 7. Promote: the logged syscalls are added and the default enforced again.
	// The node runs runc, as the agent was told (--runtime runc): promote lints for it.
	must(t, seccompctl(t, "", "k8s", "promote", kvServerKey, "--apply", "--clean-for", "0s", "--runtime", "runc"), "k8s promote --apply")
	eventually(t, 90*time.Second, "the promoted profile installed on the node", func() (bool, string) {
		data, def := nodeDefaultAction(t, kvServerKey)
		if def != "SCMP_ACT_ERRNO" {
			return false, "defaultAction " + def
		}
		a, _ := syscallNames(t, data)
		for _, name := range logged {
			if !a[name] {
				return false, "does not allow " + name
			}
		}
		return true, ""
	})
	restart(t, ns)
	pods = kvPods(t, ns, profilesDir+"/"+kvServerKey, 2)
	for _, pod := range pods {
		if out := bgsave(t, ns, pod); !strings.Contains(out, "rdb_last_bgsave_status:ok") || !strings.Contains(out, "rdb_changes_since_last_save:0") {
			t.Fatalf("BGSAVE in %s under the promoted profile did not save:\n%s", pod, out)
		}
	}
	r = kubectl(t, "", "-n", ns, "exec", pods[0], "-c", kvServer, "--", "mkdir", "/data/denied")
	if r.Code == 0 || !strings.Contains(r.Stderr, "Operation not permitted") {
		t.Fatalf("mkdir under the promoted profile: want it still denied, got %s", r)
	}

	// 8. Static completion closed the gap before any complain mode: what the
	// recorded-only profile denied BGSAVE (logged in 6) is allowed by the profile
	// collected with --complete static, each rule saying it comes from the analysis,
	// and BGSAVE works under it enforced.
	staticRules := ruleComments(t, staticServer)
	for _, name := range logged {
		c, ok := staticRules[name]
		if !ok {
			t.Errorf("%s, denied to BGSAVE under the recorded profile, is not in %s: static analysis missed it (added %v, withheld %v)",
				name, kvServerStatic, staticRep.Added, staticRep.Withheld)
		} else if !strings.Contains(c, "(static analysis); not seen while recording") {
			t.Errorf("%s in %s is commented %q, want it from static analysis", name, kvServerStatic, c)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	waitInstalled(t, kvServerStatic, staticServer)
	waitInstalled(t, kvInitStatic, staticInit)
	apply(t, patchContainer(t, patchContainer(t, manifest, kvServer, kvServerStatic), kvInit, kvInitStatic))
	pods = kvPods(t, ns, profilesDir+"/"+kvServerStatic, 2)
	for _, pod := range pods {
		if out := bgsave(t, ns, pod); !strings.Contains(out, "rdb_last_bgsave_status:ok") || !strings.Contains(out, "rdb_changes_since_last_save:0") {
			t.Fatalf("BGSAVE in %s under the statically completed profile did not save:\n%s", pod, out)
		}
	}
}

// staticReport is what `k8s record collect --format json` says of a profile's
// static completion.
type staticReport struct {
	Executables []string `json:"executables"`
	Added       []string `json:"added"`
	Withheld    []struct {
		Name string `json:"name"`
	} `json:"withheld"`
	Analyzed []string `json:"analyzed"`
	Unsure   bool     `json:"unsure"`
}

// serverStatic is the static report of kv-server's profile in collect's JSON.
func serverStatic(out string) staticReport {
	var res struct {
		Files []struct {
			Container string        `json:"container"`
			Static    *staticReport `json:"static"`
		} `json:"files"`
	}
	if json.Unmarshal([]byte(out), &res) != nil {
		return staticReport{}
	}
	for _, f := range res.Files {
		if f.Container == kvServer && f.Static != nil {
			return *f.Static
		}
	}
	return staticReport{}
}

// ruleComments maps each syscall a profile allows to its rule's comment.
func ruleComments(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var p struct {
		Syscalls []struct {
			Names   []string `json:"names"`
			Action  string   `json:"action"`
			Comment string   `json:"comment"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range p.Syscalls {
		if r.Action != "SCMP_ACT_ALLOW" {
			continue
		}
		for _, n := range r.Names {
			out[n] = r.Comment
		}
	}
	return out
}

// kvPods waits until exactly n pods of the Deployment are Ready, none of them
// terminating, each running kv-server under localhostProfile ("" for none), and
// returns their names.
func kvPods(t *testing.T, ns, localhostProfile string, n int) []string {
	t.Helper()
	var pods []string
	eventually(t, rolloutWithin, fmt.Sprintf("%d Ready pods of %s with profile %q", n, kvApp, localhostProfile), func() (bool, string) {
		r := kubectl(t, "", "-n", ns, "get", "pods", "-l", "app="+kvApp, "-o",
			`jsonpath={range .items[*]}{.metadata.name}|{.metadata.deletionTimestamp}|{.status.conditions[?(@.type=="Ready")].status}|{.spec.containers[0].securityContext.seccompProfile.localhostProfile}{"\n"}{end}`)
		pods = nil
		for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
			f := strings.Split(line, "|")
			if len(f) != 4 {
				continue
			}
			if f[1] != "" || f[3] != localhostProfile {
				return false, r.Stdout // old pods still going
			}
			if f[2] == "True" {
				pods = append(pods, f[0])
			}
		}
		return len(pods) == n, r.Stdout + r.Stderr
	})
	sort := slices.Clone(pods)
	slices.Sort(sort)
	return sort
}

// redisCLI runs redis-cli in the pod's server container with commands on stdin.
func redisCLI(t *testing.T, ns, pod string, commands ...string) string {
	t.Helper()
	r := kubectl(t, strings.Join(commands, "\n")+"\n", "-n", ns, "exec", "-i", pod, "-c", kvServer, "--", "redis-cli")
	if r.Code != 0 {
		t.Fatalf("redis-cli in %s: %s", pod, r)
	}
	return r.Stdout
}

// bgsave changes a key, asks for a background save and waits until none is in
// progress; it returns INFO persistence, whose rdb_last_bgsave_status says how
// the save went.
func bgsave(t *testing.T, ns, pod string) string {
	t.Helper()
	redisCLI(t, ns, pod, "SET saved "+time.Now().Format(time.RFC3339Nano), "BGSAVE")
	var info string
	eventually(t, 30*time.Second, "BGSAVE in "+pod+" finished", func() (bool, string) {
		info = redisCLI(t, ns, pod, "INFO persistence")
		return strings.Contains(info, "rdb_bgsave_in_progress:0"), info
	})
	return info
}

// restart restarts the Deployment's pods (a profile is read when a container starts).
func restart(t *testing.T, ns string) {
	t.Helper()
	must(t, kubectl(t, "", "-n", ns, "rollout", "restart", "deployment/"+kvApp), "kubectl rollout restart")
	must(t, kubectl(t, "", "-n", ns, "rollout", "status", "deployment/"+kvApp, "--timeout="+rolloutWithin.String()), "kubectl rollout status")
}

// patchContainer runs `seccompctl k8s patch` to point one container of the
// manifest at the installed profile key.
func patchContainer(t *testing.T, manifest, container, key string) string {
	t.Helper()
	out := must(t, seccompctl(t, manifest, "k8s", "patch", "-f", "-", "-c", container, "--localhost", profilesDir+"/"+key),
		"seccompctl k8s patch -c "+container).Stdout
	if !strings.Contains(out, "localhostProfile: "+profilesDir+"/"+key) {
		t.Fatalf("patched manifest does not name %s/%s:\n%s", profilesDir, key, out)
	}
	return out
}

// nodeDefaultAction reads the profile installed on the node and its defaultAction
// ("" when it is not there or not JSON).
func nodeDefaultAction(t *testing.T, key string) ([]byte, string) {
	t.Helper()
	data, err := os.ReadFile(nodeProfile(key))
	if err != nil {
		return nil, ""
	}
	var p struct {
		DefaultAction string `json:"defaultAction"`
	}
	if json.Unmarshal(data, &p) != nil {
		return nil, ""
	}
	return data, p.DefaultAction
}

// loggedSyscalls returns the syscalls `k8s status --format json` lists for pod.
func loggedSyscalls(out, ns, pod string) []string {
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		var e struct {
			Namespace, Pod, Syscall string
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Namespace == ns && e.Pod == pod && e.Syscall != "" {
			seen[e.Syscall] = true
		}
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var images = struct {
	sync.Mutex
	done map[string]bool
}{done: map[string]bool{}}

// ensureImage builds the image NAME of test/e2e/images and imports it into the
// cluster's containerd, unless containerd already has ref.
func ensureImage(t *testing.T, name, ref string) {
	t.Helper()
	images.Lock()
	defer images.Unlock()
	if images.done[ref] {
		return
	}
	ctr := func(args ...string) result {
		return run(t, "", "ctr", append([]string{"--address", env["E2E_CONTAINERD_SOCK"], "-n", "k8s.io"}, args...)...)
	}
	if !slices.Contains(strings.Fields(ctr("images", "ls", "-q").Stdout), ref) {
		dir := t.TempDir()
		mk := exec.Command("go", "run", "./test/e2e/images", "-o", dir, name+"="+ref)
		mk.Dir = repoRoot
		if out, err := mk.CombinedOutput(); err != nil {
			t.Fatalf("building the %s image: %v\n%s", name, err, out)
		}
		must(t, ctr("images", "import", filepath.Join(dir, name+".tar")), "importing the "+name+" image")
	}
	images.done[ref] = true
}
