package lint

import (
	"os"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
)

// Lint never panics on a profile that loads, whatever it says.
func FuzzLint(f *testing.F) {
	for _, name := range []string{"seed-conditional.json", "seed-minimal.json", "seed-audit.json"} {
		data, err := os.ReadFile("testdata/profiles/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]}],
  "syscalls": [{"names": ["clone"], "action": "SCMP_ACT_KILL", "args": [{"index": 1, "value": 0, "valueTwo": 7, "op": "SCMP_CMP_MASKED_EQ"}], "excludes": {"arches": ["s390x"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := profile.Parse("fuzz.json", data)
		if err != nil {
			return
		}
		fs, err := Lint(p, Options{})
		if err != nil {
			return
		}
		for _, f := range fs {
			if f.Rule == "" || f.Message == "" {
				t.Errorf("finding without rule or message: %+v", f)
			}
		}
	})
}
