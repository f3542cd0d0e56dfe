package agent

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHybridCgroupRoot(t *testing.T) {
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	mount, err := cgroup2Mount(string(mi))
	if err != nil {
		t.Skip(err)
	}
	if got := hybridCgroupRoot(mount); got != mount {
		t.Errorf("the cgroup v2 mount %s: %s", mount, got)
	}
	if filepath.Base(mount) == "unified" {
		// A hybrid host, as the e2e machines are: its whole cgroup directory leads to it.
		if got := hybridCgroupRoot(filepath.Dir(mount)); got != mount {
			t.Errorf("the hybrid host's %s: %s, want %s", filepath.Dir(mount), got, mount)
		}
	}
	dir := t.TempDir()
	if got := hybridCgroupRoot(dir); got != dir {
		t.Errorf("a plain directory %s: %s", dir, got)
	}
}
