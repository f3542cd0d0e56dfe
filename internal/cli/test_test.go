package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"/bin/busybox true", []string{"/bin/busybox", "true"}, true},
		{`sh -c 'echo "a b"; exit 3'`, []string{"sh", "-c", `echo "a b"; exit 3`}, true},
		{`a\ b "c d" ''`, []string{"a b", "c d", ""}, true},
		{"  ", nil, false},
		{"'open", nil, false},
	}
	for _, tt := range tests {
		got, err := splitCommand(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("splitCommand(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestTestUsage(t *testing.T) {
	prof := writeTemp(t, "p.json", `{"defaultAction": "SCMP_ACT_ALLOW"}`)
	badExpect := writeTemp(t, "e.yaml", "denny: [mount]\n")
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"test"}, "accepts 1 arg"},
		{[]string{"test", prof, "--runtime", "runc"}, "--runtime needs --cmd"},
		{[]string{"test", prof, "--runtime", "youki", "--cmd", "true"}, "want one of runc, crun"},
		{[]string{"test", prof, "--expect", badExpect}, "denny"},
		{[]string{"test", prof, "--cmd", "'unterminated"}, "--cmd"},
		{[]string{"test", prof, "--caps", "CAP_NOPE"}, "unknown capability"},
		{[]string{"test", "missing.json"}, "missing.json"},
	} {
		_, errOut, code := execCLI(t, "", tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: code %d, stderr %q (want %q)", tt.args, code, errOut, tt.msg)
		}
	}
}

func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{"/bin/busybox true", `sh -c 'a "b"'`, `a\ b`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := splitCommand(s)
		if err == nil && len(words) == 0 {
			t.Errorf("splitCommand(%q) returned no words and no error", s)
		}
	})
}
