package lint

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// cells splits a markdown table row at the pipes that are not escaped.
func cells(row string) []string {
	parts := regexp.MustCompile(`(^|[^\\])\|`).FindAllStringIndex(row, -1)
	return make([]string, len(parts))
}

func TestWriteMarkdown(t *testing.T) {
	fs := []Finding{
		{Rule: "SC4001", Name: "dangerous-syscall", Severity: Error, Message: "ptrace is allowed | and a pipe\nand a newline", File: "a`b.json", Line: 3, Column: 5},
		{Rule: "SC7001", Name: "duplicate", Severity: Info, Message: "read is listed twice"},
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, fs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 2+len(fs) {
		t.Fatalf("%d table rows, want a header, a separator and one per finding:\n%s", len(rows), out)
	}
	for _, r := range rows {
		if n := len(cells(r)); n != 5 {
			t.Errorf("row %q has %d cell borders, want 5", r, n)
		}
	}
	for _, want := range []string{`ptrace is allowed \| and a pipe and a newline`, "`a'b.json:3:5`", "SC4001 dangerous-syscall", "**1 error, 0 warnings, 1 info**"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := WriteMarkdown(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "|") || !strings.Contains(buf.String(), "0 errors") {
		t.Errorf("no findings: %q", buf.String())
	}
}
