package probe

import (
	"os"
	"testing"

	"github.com/seccompctl/seccompctl/internal/launch"
)

// The probe re-executes its own binary; in tests that is the test binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case ProbeVerb:
			os.Exit(RunProbe(os.Args[2:]))
		case launch.Verb:
			os.Exit(launch.Main())
		}
	}
	os.Exit(m.Run())
}
