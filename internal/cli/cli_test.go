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

// cliCase is one run of the binary: its arguments, the exit code it must give, text its
// stdout must hold and text its stderr must hold ("" for none).
type cliCase struct {
	name     string
	args     []string
	wantCode int
	wantOut  []string
	wantErr  string
}

func runCLICases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := execCLI(t, "", tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tt.wantErr != "" && !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
		})
	}
}
