//go:build e2e

package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestRecordedProfileEnforced records busybox httpd with `seccompctl record
// --runtime runc` and runs it in a pod under that profile, placed on the node
// by hand: the pod starts, serves, and what the profile does not allow fails
// with EPERM. (TestRecordInstallEnforce ships the same profile through the agent.)
func TestRecordedProfileEnforced(t *testing.T) {
	prof := recordHTTPD(t)
	allowed, def := syscallNames(t, prof)
	for _, need := range []string{"accept4", "execve", "bind", "listen"} {
		if !allowed[need] && !allowed[strings.TrimSuffix(need, "4")] {
			t.Errorf("recorded profile does not allow %s (allowed: %v)", need, allowed)
		}
	}
	if allowed["mkdir"] || allowed["mkdirat"] {
		t.Fatalf("recorded profile allows mkdir: the denial checks would prove nothing")
	}
	if def != "SCMP_ACT_ERRNO" {
		t.Fatalf("recorded profile's defaultAction = %q, want SCMP_ACT_ERRNO", def)
	}

	dir := env["E2E_SECCOMP_DIR"] + "/e2e-manual"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(dir+"/httpd.json", prof, 0o644); err != nil {
		t.Fatal(err)
	}
	// lint finds no error in a profile that is about to be shown to work.
	if requireVerbOK(t, "lint") {
		if r := seccompctl(t, "", "lint", "--runtime", "runc", dir+"/httpd.json"); r.Code != 0 {
			t.Errorf("seccompctl lint --runtime runc on the recorded profile: %s", r)
		}
	}
	ns := namespace(t, "e2e-recorded")
	apply(t, withPodProfile(httpdDeployment(ns, "httpd"), "e2e-manual/httpd.json"))
	pod := podReady(t, ns, "httpd", 2*time.Minute)
	servesAndDenies(t, ns, pod)

	// The control: the same image and command without a profile may mkdir, so
	// the EPERM came from the profile, not from permissions.
	apply(t, withContainerSecurity(httpdDeployment(ns, "unconfined"), "{seccompProfile: {type: Unconfined}}"))
	cpod := podReady(t, ns, "unconfined", 2*time.Minute)
	must(t, kubectl(t, "", "-n", ns, "exec", cpod, "--", "mkdir", deniedPath), "mkdir without a profile")
}

// servesAndDenies checks that the httpd pod answers through port-forward and
// that mkdir in it fails with EPERM.
func servesAndDenies(t *testing.T, ns, pod string) {
	t.Helper()
	addr := portForward(t, ns, "pod/"+pod, httpdPort)
	for i := 0; i < 5; i++ {
		body, err := httpGet("http://" + addr + "/")
		if err != nil || body != indexHTML {
			t.Fatalf("GET / through port-forward = %q, %v; want %q", body, err, indexHTML)
		}
	}
	r := kubectl(t, "", "-n", ns, "exec", pod, "--", "mkdir", deniedPath)
	if r.Code == 0 || !strings.Contains(r.Stderr, "Operation not permitted") {
		t.Fatalf("mkdir under the recorded profile: want EPERM (Operation not permitted), got %s", r)
	}
}

// withPodProfile sets a pod-level Localhost profile in a workload made by
// httpdDeployment, as a user would by hand.
func withPodProfile(manifest, localhostProfile string) string {
	return strings.Replace(manifest, "      automountServiceAccountToken: false\n",
		"      automountServiceAccountToken: false\n      securityContext: {seccompProfile: {type: Localhost, localhostProfile: "+localhostProfile+"}}\n", 1)
}

// withContainerSecurity sets the container's securityContext in a workload made
// by httpdDeployment.
func withContainerSecurity(manifest, securityContext string) string {
	return strings.Replace(manifest, "      - name: httpd\n", "      - name: httpd\n        securityContext: "+securityContext+"\n", 1)
}

// TestRecordInstallEnforce is the whole workflow on a real node: record busybox
// httpd, ship the profile in a ConfigMap, let the agent install it, run a
// Deployment patched by `seccompctl k8s patch` to use it, and check that it
// serves while what the profile does not allow fails with EPERM. Then the
// profile is updated and deleted under the running pod.
func TestRecordInstallEnforce(t *testing.T) {
	prof := recordHTTPD(t)
	ensureAgent(t)

	const key, cm = "e2e-httpd.json", "e2e-httpd"
	apply(t, profileConfigMap(t, cm, map[string][]byte{key: prof}))
	t.Cleanup(func() { kubectl(t, "", "-n", agentNamespace, "delete", "configmap", cm, "--ignore-not-found") })
	waitInstalled(t, key, prof)

	ns := namespace(t, "e2e-workflow")
	apply(t, patchLocalhost(t, httpdDeployment(ns, "httpd"), key))
	pod := podReady(t, ns, "httpd", 2*time.Minute)
	if got := jsonpath(t, ns, "pod/"+pod, "{.spec.securityContext.seccompProfile.localhostProfile}{.spec.containers[0].securityContext.seccompProfile.localhostProfile}"); got != profilesDir+"/"+key {
		t.Fatalf("pod %s runs with localhostProfile %q, want %s/%s", pod, got, profilesDir, key)
	}
	servesAndDenies(t, ns, pod)

	t.Run("update reaches the node", func(t *testing.T) {
		updated := withAllowed(t, prof, "mkdir", "mkdirat")
		apply(t, profileConfigMap(t, cm, map[string][]byte{key: updated}))
		waitInstalled(t, key, updated)
		stillRunning(t, ns, pod)
		// A running container keeps the filter it started with ...
		if r := kubectl(t, "", "-n", ns, "exec", pod, "--", "mkdir", deniedPath); r.Code == 0 {
			t.Fatalf("mkdir allowed in the running pod right after the update: its filter changed under it")
		}
		// ... and a restarted one gets the new profile.
		must(t, kubectl(t, "", "-n", ns, "rollout", "restart", "deployment/httpd"), "rollout restart")
		must(t, kubectl(t, "", "-n", ns, "rollout", "status", "deployment/httpd", "--timeout=2m"), "rollout status")
		pod = podReady(t, ns, "httpd", 2*time.Minute)
		must(t, kubectl(t, "", "-n", ns, "exec", pod, "--", "mkdir", deniedPath), "mkdir under the updated profile")
	})

	t.Run("deletion removes the file", func(t *testing.T) {
		must(t, kubectl(t, "", "-n", agentNamespace, "delete", "configmap", cm), "delete ConfigMap")
		waitRemoved(t, key)
		stillRunning(t, ns, pod)
		addr := portForward(t, ns, "pod/"+pod, httpdPort)
		if body, err := httpGet("http://" + addr + "/"); err != nil || body != indexHTML {
			t.Fatalf("GET / after the profile was deleted = %q, %v", body, err)
		}
	})
}

// stillRunning checks that pod was neither restarted nor replaced.
func stillRunning(t *testing.T, ns, pod string) {
	t.Helper()
	state := jsonpath(t, ns, "pod/"+pod, `{.status.phase} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}`)
	if state != "Running 0 true" {
		t.Fatalf("pod %s: phase, restarts, ready = %q; want it untouched (Running 0 true)", pod, state)
	}
}

// TestArticleMinimalProfile: the article's minimal profile cannot start any
// container under runc, `seccompctl lint` says so before anything is deployed,
// and the agent refuses to install it.
func TestArticleMinimalProfile(t *testing.T) {
	minimal, err := os.ReadFile("testdata/seed-configmap-minimal.json")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("lint flags it", func(t *testing.T) {
		requireVerb(t, "lint")
		r := seccompctl(t, "", "lint", "--runtime", "runc", "testdata/seed-configmap-minimal.json")
		if r.Code != 1 {
			t.Fatalf("seccompctl lint: want exit 1 (findings), got %s", r)
		}
		if !strings.Contains(r.Stdout+r.Stderr, "execve") {
			t.Errorf("lint output does not name execve, which runc needs:\n%s", r)
		}
	})

	t.Run("pod cannot start", func(t *testing.T) {
		// Placed on the node by hand, as the article's copy-once DaemonSet would.
		dir := env["E2E_SECCOMP_DIR"] + "/e2e-manual"
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.WriteFile(dir+"/minimal-profile.json", minimal, 0o644); err != nil {
			t.Fatal(err)
		}
		ns := namespace(t, "e2e-minimal")
		apply(t, minimalPod(ns, "e2e-manual/minimal-profile.json"))
		eventually(t, 2*time.Minute, "the pod to fail starting its container", func() (bool, string) {
			state := jsonpath(t, ns, "pod/minimal", `{.status.containerStatuses[0].state}{.status.containerStatuses[0].lastState}`)
			return strings.Contains(state, "operation not permitted"), state
		})
		if ready := jsonpath(t, ns, "pod/minimal", `{.status.containerStatuses[0].ready}`); ready != "false" {
			t.Fatalf("container ready = %q under the minimal profile", ready)
		}
	})

	t.Run("agent refuses it", func(t *testing.T) {
		ensureAgent(t)
		const key, cm = "minimal-profile.json", "e2e-minimal"
		apply(t, profileConfigMap(t, cm, map[string][]byte{key: minimal}))
		t.Cleanup(func() { kubectl(t, "", "-n", agentNamespace, "delete", "configmap", cm, "--ignore-not-found") })
		eventually(t, 90*time.Second, "an Event saying why the profile was refused", func() (bool, string) {
			ev := kubectl(t, "", "-n", agentNamespace, "get", "events", "--field-selector", "involvedObject.name="+cm,
				"-o", `jsonpath={range .items[*]}{.type} {.reason}: {.message}{"\n"}{end}`).Stdout
			return ev != "" && strings.Contains(ev, "Warning") && strings.Contains(ev, "execve"), ev
		})
		if _, err := os.Stat(nodeProfile(key)); !os.IsNotExist(err) {
			t.Fatalf("the agent installed a profile that lint rejects: stat %s: %v", nodeProfile(key), err)
		}
	})
}

func minimalPod(ns, localhostProfile string) string {
	return `apiVersion: v1
kind: Pod
metadata:
  name: minimal
  namespace: ` + ns + `
  labels: {e2e: minimal}
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  securityContext:
    seccompProfile:
      type: Localhost
      localhostProfile: ` + localhostProfile + `
  containers:
  - name: app
    image: ` + env["E2E_IMAGE_BUSYBOX"] + `
    imagePullPolicy: Never
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
`
}
