package lint

import (
	"github.com/seccompctl/seccompctl/syscalls"

	"fmt"
	"strings"
	"testing"
)

// rulesMarkdown renders the catalogue as docs/lint-rules.md.
func rulesMarkdown() []byte {
	var b strings.Builder
	b.WriteString("# seccompctl lint rules\n\n")
	b.WriteString("Generated from the catalogue in package lint (`go test ./lint -run TestRulesDoc -update`);\n")
	b.WriteString("`seccompctl lint --explain ID` prints the same text. IDs are stable: a retired rule's ID\n")
	b.WriteString("is never reused. Severity error fails `seccompctl lint` by default (`--fail-on`).\n\n")
	b.WriteString("| ID | name | severity | summary |\n|---|---|---|---|\n")
	for _, r := range Rules() {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Name, r.Severity, r.Summary)
	}
	for _, r := range Rules() {
		fmt.Fprintf(&b, "\n## %s\n\n**%s** · severity **%s**\n\n%s\n\n**Why.** %s\n\n**Fix.** %s\n", r.ID, r.Name, r.Severity, r.Summary, r.Why, r.Fix)
	}
	b.WriteString("\n## Dangerous syscalls (SC4001)\n\n| syscall | severity | why |\n|---|---|---|\n")
	for _, d := range syscalls.DangerList() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", d.Name, dangerSeverity(d), d.Why)
	}
	return []byte(b.String())
}

func TestRulesDoc(t *testing.T) {
	goldenPath(t, "../docs/lint-rules.md", rulesMarkdown())
}
