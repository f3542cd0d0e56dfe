package cli

import (
	"strings"
	"testing"
)

// The markdown formats keep the verbs' exit codes: a pull-request job can post the
// comment and still fail on what it says.
func TestMarkdownFormats(t *testing.T) {
	minimal, conditional := "../../lint/testdata/profiles/seed-minimal.json", "../../lint/testdata/profiles/seed-conditional.json"
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"diff", "--format", "markdown", minimal, conditional}, ExitFindings, []string{"| architectures | change | syscalls |", "`socket` changed", "#### New lint findings"}},
		{[]string{"diff", "--format", "markdown", minimal, minimal}, 0, []string{"No difference in meaning."}},
		{[]string{"lint", "--format", "markdown", conditional}, ExitFindings, []string{"| severity | rule | where | finding |", "SC3002 wrong-flags-argument", "errors,"}},
		{[]string{"lint", "--format", "markdown", "--fail-on", "never", conditional}, 0, []string{"| error | SC2002 exit-denied |"}},
	} {
		out, errOut, code := execCLI(t, "", tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d: %s", tc.args, code, tc.code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}
