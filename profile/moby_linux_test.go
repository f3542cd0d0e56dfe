package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccompctl/seccompctl/syscalls"
)

// TestToOCIMatchesMoby runs moby's own setupSeccomp (through LoadProfile) and our ToOCI
// over the same profiles and capability sets, on this machine's architecture and
// kernel, which is all moby can be asked about, and wants identical output.
func TestToOCIMatchesMoby(t *testing.T) {
	release, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		t.Skipf("no kernel release to compare with moby's uname: %v", err)
	}
	kernel := strings.TrimSpace(string(release))

	inputs := map[string][]byte{"conditional.json": []byte(conditional)}
	files, _ := filepath.Glob("testdata/reference/*.json")
	files = append(files, "testdata/fixtures/old-docker-name.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = data
	}
	def, err := json.Marshal(seccomp.DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	inputs["runtime-default"] = def

	capSets := map[string][]string{
		"none":    nil,
		"default": DefaultCaps(),
		"all":     Capabilities,
		"admin":   {"CAP_SYS_ADMIN"},
		"ptrace":  {"CAP_SYS_PTRACE", "CAP_BPF"},
	}
	compared := 0
	for name, data := range inputs {
		p, err := Parse(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for capName, caps := range capSets {
			spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
			want, err := seccomp.LoadProfile(string(data), spec)
			if err != nil {
				t.Fatalf("%s: moby: %v", name, err)
			}
			got, err := p.ToOCI(ResolveOptions{Caps: caps, Arch: syscalls.Native(), Kernel: kernel})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// JSON compares empty and nil slices alike, as the runtime reads them.
			w, _ := json.MarshalIndent(want, "", " ")
			g, _ := json.MarshalIndent(got, "", " ")
			if string(w) != string(g) {
				t.Errorf("%s with caps %s: ToOCI differs from moby\nmoby:\n%s\nours:\n%s", name, capName, w, g)
			}
			compared++
		}
	}
	if compared < 40 {
		t.Errorf("compared only %d cases", compared)
	}
}
