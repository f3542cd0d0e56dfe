package cli

import (
	"strings"
	"testing"
)

// An endless or huge input is refused at the limit instead of read into memory.
func TestInputLimit(t *testing.T) {
	for _, args := range [][]string{
		{"lint", "/dev/zero"},
		{"fmt", "/dev/zero"},
		{"k8s", "patch", "-f", "/dev/zero", "--runtime-default"},
		{"--max-input-mib", "1", "compile", "-"},
	} {
		stdin := ""
		if args[len(args)-1] == "-" {
			stdin = strings.Repeat(" ", 1<<20+1)
		}
		_, errOut, code := execCLI(t, stdin, args...)
		if code != ExitUsage || !strings.Contains(errOut, "larger than the input limit") || !strings.Contains(errOut, "--max-input-mib") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	// A directory is named as such.
	_, errOut, code := execCLI(t, "", "lint", t.TempDir())
	if code != ExitUsage || !strings.Contains(errOut, "is a directory") {
		t.Errorf("lint DIR: exit %d, stderr %q", code, errOut)
	}
}
