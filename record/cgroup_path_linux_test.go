package record_test

import (
	"os"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/record"
)

// --cgroup names a cgroup v2 directory: nothing outside the cgroup2 mount, however
// spelled, is accepted.
func TestCgroupPathStaysInMount(t *testing.T) {
	own, _ := os.ReadFile("/proc/self/cgroup")
	self, mount := "", ""
	for _, l := range strings.Split(string(own), "\n") {
		if rest, ok := strings.CutPrefix(l, "0::"); ok {
			self = rest
		}
	}
	info, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(info), "\n") {
		if f := strings.Fields(l); strings.Contains(l, " - cgroup2 ") && len(f) > 4 {
			mount = f[4]
		}
	}
	if self == "" || mount == "" {
		t.Skip("no cgroup v2 hierarchy")
	}
	for _, ok := range []string{self, mount + self, "/"} {
		p, err := record.CgroupPath(ok)
		if err != nil || !strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			t.Errorf("CgroupPath(%q) = %q, %v", ok, p, err)
		}
	}
	for _, bad := range []string{
		"../../etc",
		mount + "/../../etc",
		mount + "/../../../../proc/self",
		mount + "/cgroup.procs", // a file, not a cgroup
		"/no-such-cgroup-seccompctl",
	} {
		if p, err := record.CgroupPath(bad); err == nil {
			t.Errorf("CgroupPath(%q) = %q, accepted", bad, p)
		}
	}
}
