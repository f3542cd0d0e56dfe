package semantics_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Docker 19.03's default predates faccessat2, which runc 1.1.5 calls after installing
// the filter. Its stub answers ENOSYS, runc falls back, and the container starts: lint
// must not call that fatal (it reported error SC2001 before the one meaning), and the
// meaning must say ENOSYS, as the real runc shows.
func TestDocker1903StartsUnderRuncRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("starting containers needs root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("runc is not installed (scripts/deps.sh installs it)")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("no /bin/busybox (scripts/deps.sh installs busybox-static)")
	}
	if syscalls.Native() != syscalls.X86_64 {
		t.Skip("runc's measured calls are for x86_64")
	}
	p, err := profile.Load("testdata/docker-default-19.03.15.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ociruntime.RunContainer(ociruntime.ContainerOptions{Runtime: "runc", Profile: p, Args: []string{"/bin/busybox", "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Started || res.ExitCode != 0 {
		t.Fatalf("runc under Docker 19.03's default: started=%v exit=%d error=%q\n%s", res.Started, res.ExitCode, res.Error, res.Output)
	}
	fs, err := lint.Lint(p, lint.Options{Runtimes: []string{"runc"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Rule == "SC2001" && f.Severity == lint.Error {
			t.Errorf("the container started, but lint says it cannot: %v", f)
		}
	}
	m, err := semantics.ForNode(p, syscalls.X86_64, semantics.Options{Caps: profile.DefaultCaps()})
	if err != nil {
		t.Fatal(err)
	}
	if tr, _ := m.Syscall(syscalls.X86_64, "faccessat2"); tr.Reason != semantics.ReasonENOSYS {
		t.Errorf("faccessat2: %s, want runc's ENOSYS", tr.Reason)
	}
}
