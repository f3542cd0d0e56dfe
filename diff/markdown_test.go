package diff

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/lint"
)

func TestWriteMarkdown(t *testing.T) {
	r := &Result{Old: "old.json", New: "new`x.json", Different: true,
		DefaultAction: &Change{"SCMP_ACT_ERRNO(1)", "SCMP_ACT_LOG"},
		Arches: []ArchResult{{Arches: []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"},
			Added:   []ActionSet{{Action: "SCMP_ACT_ALLOW", Syscalls: []string{"ptrace", "bpf"}}},
			Removed: []ActionSet{{Action: "SCMP_ACT_ERRNO(1)", Syscalls: []string{"ptrace"}}},
			Changed: []SyscallChange{{Syscall: "socket", Old: "SCMP_ACT_ALLOW if arg0 == 1", New: "SCMP_ACT_ALLOW"}}}},
		Risks:       []Risk{{Syscall: "ptrace", Severity: lint.Error, Reason: "reads | writes other processes"}},
		NewFindings: []lint.Finding{{Rule: "SC4001", Severity: lint.Error, Message: "ptrace\nis allowed", File: "new.json", Line: 4}},
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	border := regexp.MustCompile(`(^|[^\\])\|`)
	tables := map[int]int{} // cell borders → rows
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|") {
			tables[len(border.FindAllStringIndex(l, -1))]++
		}
	}
	// changes: header, separator, 3 rows (4 borders); risks: 3 rows (4 borders); findings: 3 rows (5 borders).
	if tables[4] != 5+3 || tables[5] != 3 || len(tables) != 2 {
		t.Errorf("table rows by cell borders %v:\n%s", tables, out)
	}
	for _, want := range []string{"`new'x.json`", "now `SCMP_ACT_ALLOW` (2) | `ptrace` `bpf`", "no longer `SCMP_ACT_ERRNO(1)` (1)",
		"`SCMP_ACT_ALLOW if arg0 == 1` → `SCMP_ACT_ALLOW`", `reads \| writes other processes`, "ptrace is allowed", "**defaultAction:**"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := WriteMarkdown(&buf, &Result{Old: "a", New: "b"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No difference") || strings.Contains(buf.String(), "|") {
		t.Errorf("same profiles: %q", buf.String())
	}
}
