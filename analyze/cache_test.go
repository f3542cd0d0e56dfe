package analyze

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// asBuild makes the analyzer act as the build named id for the rest of the test.
func asBuild(t *testing.T, id string) {
	t.Helper()
	saved := selfIdentity
	selfIdentity = func() string { return id }
	t.Cleanup(func() { selfIdentity = saved })
}

// TestCacheKeyedByAnalyzerBuild: an entry written by another build of the analyzer (same
// hand-bumped version) is never read, and a build that cannot name itself caches nothing.
func TestCacheKeyedByAnalyzerBuild(t *testing.T) {
	cache := t.TempDir()
	asBuild(t, "go:build-a")
	analyzeOne(t, "/bin/ls", Options{CacheDir: cache})
	if again := analyzeOne(t, "/bin/ls", Options{CacheDir: cache}); !again.Objects[0].FromCache {
		t.Fatalf("%s not read from the cache by the build that wrote it", again.Objects[0].Path)
	}

	asBuild(t, "go:build-b")
	for _, o := range analyzeOne(t, "/bin/ls", Options{CacheDir: cache}).Objects {
		if o.FromCache {
			t.Errorf("%s: an entry written by another analyzer build was read", o.Path)
		}
	}

	empty := t.TempDir()
	asBuild(t, "")
	for _, o := range analyzeOne(t, "/bin/ls", Options{CacheDir: empty}).Objects {
		if o.FromCache {
			t.Errorf("%s read from a cache by a build with no identity", o.Path)
		}
	}
	entries, err := os.ReadDir(empty)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("a build with no identity wrote %d cache entries", len(entries))
	}
}

// TestSelfIdentityIsGoBuildID compares the identity read from the running test binary's
// ELF note with what 'go tool buildid' prints for it.
func TestSelfIdentityIsGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid %s: %v", exe, err)
	}
	want := strings.TrimSpace(string(out))
	if want == "" {
		t.Fatalf("go tool buildid printed nothing for %s", exe)
	}
	if got := readSelfIdentity(); got != "go:"+want {
		t.Errorf("readSelfIdentity() = %q, want %q", got, "go:"+want)
	}
	if got := goBuildID("/bin/ls"); got != "" {
		t.Errorf("goBuildID(/bin/ls), a C program = %q, want none", got)
	}
}
