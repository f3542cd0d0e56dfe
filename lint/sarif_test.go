package lint

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestSARIFRequiredFields checks the log against the required properties of the SARIF
// 2.1.0 schema (sarif-schema-2.1.0.json) and what GitHub code scanning additionally needs:
// ruleId on each result, a physical location with a URI and a 1-based startLine.
func TestSARIFRequiredFields(t *testing.T) {
	fs := lintFile(t, "seed-conditional.json", Options{})
	fs = append(fs, Finding{Rule: "SC5002", Severity: Warning, Message: "no position", File: "x.json"})
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, fs, SARIFOptions{ToolVersion: "v1.2.3"}); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log["version"] != "2.1.0" {
		t.Errorf("version = %v", log["version"])
	}
	if s, _ := log["$schema"].(string); s == "" {
		t.Errorf("no $schema")
	}
	runs, _ := log["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("runs = %v", log["runs"])
	}
	run := runs[0].(map[string]any)
	driver := obj(t, obj(t, run, "tool"), "driver")
	if driver["name"] != "seccompctl" || driver["version"] != "v1.2.3" {
		t.Errorf("driver = %v %v", driver["name"], driver["version"])
	}
	rules, _ := driver["rules"].([]any)
	if len(rules) != len(Rules()) {
		t.Errorf("%d rules in the log, %d in the catalogue", len(rules), len(Rules()))
	}
	ids := map[string]bool{}
	for _, r := range rules {
		rule := r.(map[string]any)
		id, _ := rule["id"].(string)
		if id == "" || ids[id] {
			t.Errorf("rule id %q missing or duplicated", id)
		}
		ids[id] = true
		if str(obj(t, rule, "shortDescription"), "text") == "" || str(obj(t, rule, "help"), "text") == "" {
			t.Errorf("%s: no shortDescription or help text", id)
		}
		if lvl := str(obj(t, rule, "defaultConfiguration"), "level"); !validLevel(lvl) {
			t.Errorf("%s: level %q", id, lvl)
		}
	}
	results, _ := run["results"].([]any)
	if len(results) != len(fs) {
		t.Fatalf("%d results for %d findings", len(results), len(fs))
	}
	for _, r := range results {
		res := r.(map[string]any)
		ruleID, _ := res["ruleId"].(string)
		idx, _ := res["ruleIndex"].(float64)
		if rules[int(idx)].(map[string]any)["id"] != ruleID {
			t.Errorf("ruleIndex %v does not point at %s", idx, ruleID)
		}
		if str(obj(t, res, "message"), "text") == "" {
			t.Errorf("%s: result without message text", ruleID)
		}
		if !validLevel(str(res, "level")) {
			t.Errorf("%s: level %q", ruleID, str(res, "level"))
		}
		locs, _ := res["locations"].([]any)
		if len(locs) != 1 {
			t.Fatalf("%s: locations = %v", ruleID, res["locations"])
		}
		phys := obj(t, locs[0].(map[string]any), "physicalLocation")
		if uri := str(obj(t, phys, "artifactLocation"), "uri"); uri == "" {
			t.Errorf("%s: no artifact URI", ruleID)
		}
		region := obj(t, phys, "region")
		if line, _ := region["startLine"].(float64); line < 1 {
			t.Errorf("%s: startLine %v", ruleID, region["startLine"])
		}
		if col, ok := region["startColumn"].(float64); ok && col < 1 {
			t.Errorf("%s: startColumn %v", ruleID, col)
		}
	}
}

func TestSARIFURI(t *testing.T) {
	tests := []struct{ file, base, want string }{
		{"profiles/a.json", "", "profiles/a.json"},
		{"/repo/profiles/a.json", "/repo", "profiles/a.json"},
		{"/elsewhere/a.json", "/repo", "file:///elsewhere/a.json"},
		{"./a.json", "", "a.json"},
	}
	for _, tt := range tests {
		if got := sarifURI(tt.file, tt.base); got != tt.want {
			t.Errorf("sarifURI(%q, %q) = %q, want %q", tt.file, tt.base, got, tt.want)
		}
	}
}

func validLevel(s string) bool { return s == "error" || s == "warning" || s == "note" || s == "none" }

func obj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("missing object %q in %v", key, m)
	}
	return v
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
