package cli

import (
	"bytes"
	"strings"
	"testing"
)

// execCLI runs seccompctl in-process with args and returns stdout, stderr and the exit code.
func execCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(append([]string{"seccompctl"}, args...), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}
