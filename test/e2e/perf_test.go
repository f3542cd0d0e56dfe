//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// perfLoop is the syscall-bound loop: 1,500,000 one-byte reads and as many writes.
const perfLoop = "time dd if=/dev/zero of=/dev/null bs=1 count=1500000 2>/dev/null"

// TestPerfRecordingOverhead measures what recording costs, side by side in one run
// on the real cluster: the wall time of perfLoop in a pod while it is recorded
// against the same pod unrecorded, and in another pod (outside the recording) while
// the recording runs against no recording at all. It reports figures and asserts
// nothing about them (timing is not a test result); it runs only with
// E2E_PERF=1, as docs/benchmarks.md says:
//
//	E2E_PERF=1 E2E_RUN=TestPerfRecordingOverhead make e2e
//
// The recorder is the agent (`k8s record`).
func TestPerfRecordingOverhead(t *testing.T) {
	if os.Getenv("E2E_PERF") != "1" {
		t.Skip("a measurement, not a test: E2E_PERF=1 runs it (docs/benchmarks.md)")
	}
	rounds := 7
	loadavg, _ := os.ReadFile("/proc/loadavg")
	if n, err := strconv.Atoi(os.Getenv("E2E_PERF_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	ensureAgent(t)
	ns := namespace(t, "e2e-perf")
	for _, name := range []string{"perf-rec", "perf-other"} {
		apply(t, fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %[2]s
  namespace: %[1]s
  labels: {app: %[2]s, e2e: perf}
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  containers:
    - name: loop
      image: %[3]s
      imagePullPolicy: Never
      command: [sleep, "3600"]
`, ns, name, env["E2E_IMAGE_BUSYBOX"]))
	}
	for _, name := range []string{"perf-rec", "perf-other"} {
		must(t, kubectl(t, "", "-n", ns, "wait", "--for=condition=Ready", "pod/"+name, "--timeout=120s"), "pod "+name+" Ready")
	}

	// Phases, each of interleaved rounds (the pods in alternating order, so that a
	// machine getting busier or quieter weighs on both alike): no recorder on the
	// node; with the agent, the recording agent idle (no request); perf-rec
	// recorded; no recorder again, which shows the drift over the run.
	pods := [2]string{"perf-rec", "perf-other"}
	measure := func(phase string) [2][]loopTimes {
		var got [2][]loopTimes
		for i := 0; i < rounds; i++ {
			order := []int{0, 1}
			if i%2 == 1 {
				order = []int{1, 0}
			}
			for _, p := range order {
				got[p] = append(got[p], loopTime(t, ns, pods[p]))
			}
		}
		t.Logf("%s: perf-rec %v; perf-other %v", phase, got[0], got[1])
		return got
	}
	t.Cleanup(func() {
		if err := installAgent(t, true, true); err != nil {
			t.Errorf("reinstalling the recording agent: %v", err)
		}
	})
	if err := installAgent(t, false, false); err != nil {
		t.Fatal(err)
	}
	phases := []string{"no recorder"}
	results := [][2][]loopTimes{measure(phases[0])}
	// Recording without static analysis: an analysis's seconds of CPU would be
	// counted against the recorder.
	if err := installAgent(t, true, false); err != nil {
		t.Fatal(err)
	}
	phases = append(phases, "agent --record, no request")
	results = append(results, measure(phases[len(phases)-1]))
	stop, recorder := startPerfRecording(t, ns)
	phases = append(phases, "recording perf-rec")
	results = append(results, measure(phases[len(phases)-1]))
	stop()
	if err := installAgent(t, false, false); err != nil {
		t.Fatal(err)
	}
	phases = append(phases, "no recorder, again")
	results = append(results, measure(phases[len(phases)-1]))

	// The baseline: both no-recorder phases together.
	base := [2][]loopTimes{}
	for p := range pods {
		base[p] = append(slices.Clone(results[0][p]), results[len(results)-1][p]...)
	}
	report := fmt.Sprintf("recorder: %s; loop: %s; %d rounds per phase, medians (wall / CPU user+sys) and ratios to no recorder; load average before: %s\n",
		recorder, perfLoop, rounds, strings.Join(strings.Fields(string(loadavg))[:3], " "))
	report += "| pod | " + strings.Join(phases, " | ") + " |\n|---|" + strings.Repeat("---|", len(phases)) + "\n"
	for p, name := range []string{"perf-rec (the recorded pod)", "perf-other (outside the recording)"} {
		report += "| " + name + " |"
		for _, res := range results {
			w, c := median(res[p], wall), median(res[p], cpu)
			report += fmt.Sprintf(" %v / %v (%.2f× / %.2f×) |", w, c,
				float64(w)/float64(median(base[p], wall)), float64(c)/float64(median(base[p], cpu)))
		}
		report += "\n"
	}
	t.Log("\n" + report)
	if out := os.Getenv("E2E_PERF_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// loopTimes is what busybox's time says of one run of perfLoop.
type loopTimes struct{ real, user, sys time.Duration }

func (l loopTimes) String() string { return fmt.Sprintf("%v (cpu %v)", l.real, l.user+l.sys) }

func wall(l loopTimes) time.Duration { return l.real }
func cpu(l loopTimes) time.Duration  { return l.user + l.sys }

// loopTime runs perfLoop in the pod and returns the times busybox's time reports.
func loopTime(t *testing.T, ns, pod string) loopTimes {
	t.Helper()
	r := must(t, kubectl(t, "", "-n", ns, "exec", pod, "--", "sh", "-c", perfLoop+" 2>&1"), "loop in "+pod)
	// busybox: "real\t0m 1.23s", "user\t...", "sys\t..."
	var lt loopTimes
	found := 0
	for _, line := range strings.Split(r.Stdout+r.Stderr, "\n") {
		f := strings.SplitN(strings.TrimSpace(line), "\t", 2)
		if len(f) != 2 {
			continue
		}
		var m int
		var sec float64
		if _, err := fmt.Sscanf(strings.TrimSpace(f[1]), "%dm %fs", &m, &sec); err != nil {
			continue
		}
		d := time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second))
		switch f[0] {
		case "real":
			lt.real, found = d, found+1
		case "user":
			lt.user, found = d, found+1
		case "sys":
			lt.sys, found = d, found+1
		}
	}
	if found != 3 {
		t.Fatalf("no real, user and sys times in the loop's output: %s", r)
	}
	return lt
}

// startPerfRecording records perf-rec and returns how to stop it and what records.
func startPerfRecording(t *testing.T, ns string) (stop func(), recorder string) {
	t.Helper()
	req := strings.TrimSpace(must(t, seccompctl(t, "", "k8s", "record", "-l", "app=perf-rec", "-n", ns), "k8s record").Stdout)
	eventually(t, 90*time.Second, "the agent recording perf-rec", func() (bool, string) {
		r := seccompctl(t, "", "k8s", "record", "status", req)
		return r.Code == 0 && strings.Contains(r.Stdout, "perf-rec"), r.String()
	})
	return func() { must(t, seccompctl(t, "", "k8s", "record", "stop", req), "k8s record stop") }, "the agent (k8s record)"
}

func median(ls []loopTimes, of func(loopTimes) time.Duration) time.Duration {
	var s []time.Duration
	for _, l := range ls {
		s = append(s, of(l))
	}
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
