package ociruntime

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

func needRuntime(t *testing.T, rt string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("starting containers needs root")
	}
	if _, err := exec.LookPath(rt); err != nil {
		t.Skipf("%s is not installed (apt-get install -y %s)", rt, rt)
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("no /bin/busybox (apt-get install -y busybox-static)")
	}
}

// withRuntimeNeeds returns p with one more rule allowing what rt needs.
func withRuntimeNeeds(t *testing.T, p *profile.Profile, rt string, nnp bool) *profile.Profile {
	t.Helper()
	need, err := Required(rt, syscalls.Native(), nnp)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Clone()
	q.Syscalls = append(q.Syscalls, profile.Rule{Names: need, Action: profile.ActAllow})
	return q
}

// The article's minimal profile cannot start busybox in a real runc or crun container;
// the same profile plus what the runtime needs (what `record --runtime` adds) can.
func TestArticleMinimalProfileInRealContainersRoot(t *testing.T) {
	minimal, err := profile.Load("../lint/testdata/profiles/seed-minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		runtime string
		nnp     bool
		failure string // what the runtime says under the minimal profile
	}{
		{"runc", false, "ensure /proc/self/fd is on procfs: operation not permitted"},
		{"runc", true, "ensure /proc/self/fd is on procfs: operation not permitted"},
		{"crun", false, "prctl drop bounding: Operation not permitted"},
		{"crun", true, "exec container process"},
	}
	for _, tt := range tests {
		name := tt.runtime + map[bool]string{true: "-nnp", false: ""}[tt.nnp]
		t.Run(name, func(t *testing.T) {
			needRuntime(t, tt.runtime)
			opts := ContainerOptions{Runtime: tt.runtime, Profile: minimal, Args: []string{"/bin/busybox", "true"}, NoNewPrivs: tt.nnp}
			res, err := RunContainer(opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Started || !strings.Contains(res.Error, tt.failure) {
				t.Errorf("minimal profile: started=%v error=%q, want a failure containing %q\n%s", res.Started, res.Error, tt.failure, res.Output)
			}
			opts.Profile = withRuntimeNeeds(t, minimal, tt.runtime, tt.nnp)
			res, err = RunContainer(opts)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Started || res.ExitCode != 0 || res.Error != "" {
				t.Errorf("minimal + %s's needs: started=%v exit=%d error=%q\n%s", tt.runtime, res.Started, res.ExitCode, res.Error, res.Output)
			}
		})
	}
}

func TestRunContainerReportsExitCodeRoot(t *testing.T) {
	needRuntime(t, "runc")
	res, err := RunContainer(ContainerOptions{Runtime: "runc", Profile: profile.RuntimeDefault(), Args: []string{"/bin/sh", "-c", "exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Started || res.ExitCode != 3 {
		t.Errorf("started=%v exit=%d error=%q", res.Started, res.ExitCode, res.Error)
	}
	if !strings.HasPrefix(res.Runtime, "runc 1.") {
		t.Errorf("runtime = %q", res.Runtime)
	}
}

func TestRuntimeErrorLines(t *testing.T) {
	tests := []struct{ rt, out, want string }{
		{"runc", `time="2026-11-28T00:05:55Z" level=error msg="runc run failed: unable to start container process: error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted"`,
			"runc run failed: unable to start container process: error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted"},
		{"runc", "exec /bin/true: operation not permitted", "exec /bin/true: operation not permitted"},
		{"runc", "hello from the container\n", ""},
		{"runc", "ensure /proc/self/fd is on procfs: operation not permitted\n", "ensure /proc/self/fd is on procfs: operation not permitted"},
		{"crun", "prctl drop bounding: Operation not permitted", "prctl drop bounding: Operation not permitted"},
		{"crun", "some output\n", ""},
	}
	for _, tt := range tests {
		if got := runtimeError(tt.rt, tt.out); got != tt.want {
			t.Errorf("runtimeError(%s, %q) = %q, want %q", tt.rt, tt.out, got, tt.want)
		}
	}
	if !slices.Contains(Runtimes(), "crun") {
		t.Error("crun missing from Runtimes")
	}
}
