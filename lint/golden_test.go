package lint

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/internal/goldenfile"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

var update = goldenfile.Update

func goldenPath(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenfile.Check(t, path, got)
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenPath(t, filepath.Join("testdata", "golden", name), got)
}

var goldenCases = []struct {
	profile, golden string
	opts            Options
}{
	// The article's profiles (testdata/profiles/seed-*.json, copied verbatim).
	{"seed-minimal.json", "seed-minimal.txt", Options{}},
	{"seed-minimal.json", "seed-minimal.runc-nnp.txt", Options{Runtimes: []string{"runc"}, NoNewPrivs: true}},
	{"seed-configmap-minimal.json", "seed-configmap-minimal.txt", Options{}},
	{"seed-configmap-minimal.json", "seed-configmap-minimal.arm64.txt", Options{Arches: []syscalls.Arch{syscalls.X86_64, syscalls.AArch64}, Runtimes: []string{"containerd"}}},
	{"seed-conditional.json", "seed-conditional.txt", Options{}},
	{"seed-audit.json", "seed-audit.txt", Options{}},
	// The runtimes' defaults.
	{"docker-default-20.10.24.json", "docker-default-20.10.24.txt", Options{}},
	{"containers-common-0.50.1.json", "containers-common-0.50.1.txt", Options{}},
	// Docker 19.03 predates faccessat2, which runc 1.1.5 calls: runc's stub answers
	// it ENOSYS and the container starts (an error here before the one meaning).
	{"docker-default-19.03.15.json", "docker-default-19.03.15.txt", Options{}},
}

func lintFile(t *testing.T, name string, opts Options) []Finding {
	t.Helper()
	p, err := profile.Load(filepath.Join("testdata", "profiles", name))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Lint(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteText(&buf, lintFile(t, c.profile, c.opts), TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, c.golden, buf.Bytes())
		})
	}
}

// What the article gets wrong must be found, whatever the wording of the messages.
func TestArticleProfiles(t *testing.T) {
	tests := []struct {
		profile string
		opts    Options
		want    map[string]string // rule ID → a substring of one of its messages
	}{
		{"seed-minimal.json", Options{Runtimes: []string{"runc"}}, map[string]string{
			"SC2001": "execve, fchown, fstatfs",
		}},
		{"seed-configmap-minimal.json", Options{Runtimes: []string{"runc"}}, map[string]string{
			"SC2001": "fstatfs",
		}},
		{"seed-configmap-minimal.json", Options{Arches: []syscalls.Arch{syscalls.AArch64}}, map[string]string{
			"SC1002": `"stat" does not exist on SCMP_ARCH_AARCH64`,
		}},
		{"seed-conditional.json", Options{}, map[string]string{
			"SC2002": "exit_group is denied",
			"SC3002": "argument 1 of openat is filename (a pointer); its flags are argument 2",
			"SC3005": "it holds for O_RDONLY and O_WRONLY",
			"SC3008": "socket is allowed only for AF_INET: AF_UNIX",
		}},
		{"seed-audit.json", Options{}, map[string]string{
			"SC5002": "SCMP_ACT_LOG",
		}},
	}
	for _, tt := range tests {
		fs := lintFile(t, tt.profile, tt.opts)
		for id, sub := range tt.want {
			found := false
			for _, f := range idsOf(fs, id) {
				found = found || strings.Contains(f.Message, sub)
			}
			if !found {
				t.Errorf("%s: no %s finding containing %q; got %v", tt.profile, id, sub, fs)
			}
		}
	}
}

func TestDefaultsHaveNoErrors(t *testing.T) {
	for _, name := range []string{"docker-default-20.10.24.json", "containers-common-0.50.1.json"} {
		for _, opts := range []Options{{}, {NoNewPrivs: true}, {Arches: []syscalls.Arch{syscalls.X86_64, syscalls.AArch64}}} {
			fs := lintFile(t, name, opts)
			for _, f := range fs {
				if f.Severity == Error {
					t.Errorf("%s %+v: error finding on a runtime default: %s", name, opts, f)
				}
			}
		}
	}
	// moby's own current default, as profile.RuntimeDefault returns it.
	fs, err := Lint(profile.RuntimeDefault(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := Count(fs, Error); n != 0 {
		t.Errorf("RuntimeDefault: %d error findings: %v", n, fs)
	}
}

func TestJSON(t *testing.T) {
	fs := lintFile(t, "seed-conditional.json", Options{})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, fs); err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != len(fs) || r.Summary.Errors != Count(fs, Error) {
		t.Errorf("JSON round trip lost findings: %+v", r.Summary)
	}
	if r.Findings[0].Severity.String() == "" || r.Findings[0].Line == 0 {
		t.Errorf("JSON finding lacks severity or position: %+v", r.Findings[0])
	}
}
