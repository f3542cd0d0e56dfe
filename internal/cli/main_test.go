package cli

import (
	"os"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for seccompctl when a verb re-executes itself
// as a hidden helper (the probe of `test`, the launcher of `run`, `record` and `test --cmd`).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "__") {
		os.Exit(Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
