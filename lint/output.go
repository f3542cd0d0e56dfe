package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// TextOptions control WriteText.
type TextOptions struct {
	// Color marks severities with ANSI colours (only on a terminal).
	Color bool
}

// WriteText writes one line per finding, "file:line:col: severity ID: message", then a
// summary line.
func WriteText(w io.Writer, fs []Finding, opts TextOptions) error {
	for _, f := range fs {
		loc := f.Location()
		if loc != "" {
			loc += ": "
		}
		sev := f.Severity.String()
		if opts.Color {
			sev = colorFor(f.Severity) + sev + "\x1b[0m"
		}
		if _, err := fmt.Fprintf(w, "%s%s %s: %s\n", loc, sev, f.Rule, f.Message); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, Summary(fs))
	return err
}

func colorFor(s Severity) string {
	switch s {
	case Error:
		return "\x1b[1;31m"
	case Warning:
		return "\x1b[1;33m"
	}
	return "\x1b[1;36m"
}

// Summary returns "2 errors, 1 warning, 0 info".
func Summary(fs []Finding) string {
	var n [3]int
	for _, f := range fs {
		if f.Severity >= Info && f.Severity <= Error {
			n[f.Severity]++
		}
	}
	return fmt.Sprintf("%d error%s, %d warning%s, %d info", n[Error], plural(n[Error] == 1, "", "s"),
		n[Warning], plural(n[Warning] == 1, "", "s"), n[Info])
}

// Report is the JSON form of a lint run.
type Report struct {
	Findings []Finding     `json:"findings"`
	Summary  ReportSummary `json:"summary"`
}

// ReportSummary counts findings by severity.
type ReportSummary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
}

// WriteJSON writes fs as a Report.
func WriteJSON(w io.Writer, fs []Finding) error {
	r := Report{Findings: fs}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, f := range fs {
		switch f.Severity {
		case Error:
			r.Summary.Errors++
		case Warning:
			r.Summary.Warnings++
		default:
			r.Summary.Info++
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Explain writes the long form of a rule: what `lint --explain ID` prints.
func Explain(w io.Writer, r *Rule) error {
	_, err := fmt.Fprintf(w, "%s %s (%s)\n\n%s\n\nWhy: %s\n\nFix: %s\n", r.ID, r.Name, r.Severity, r.Summary, r.Why, r.Fix)
	return err
}

// SARIFOptions control WriteSARIF.
type SARIFOptions struct {
	// ToolVersion is the seccompctl version recorded in the log.
	ToolVersion string
	// BaseDir makes file paths relative, as GitHub code scanning wants them relative to
	// the repository root; empty keeps them as given.
	BaseDir string
}

// SARIF 2.1.0 types: only what a lint log needs
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string              `json:"id"`
		Name                 string              `json:"name"`
		ShortDescription     sarifText           `json:"shortDescription"`
		FullDescription      sarifText           `json:"fullDescription"`
		Help                 sarifHelp           `json:"help"`
		DefaultConfiguration sarifConfig         `json:"defaultConfiguration"`
		Properties           sarifRuleProperties `json:"properties"`
	}
	sarifRuleProperties struct {
		Tags             []string `json:"tags"`
		Precision        string   `json:"precision"`
		SecuritySeverity string   `json:"security-severity"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
)

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score GitHub uses to rank security alerts.
func securitySeverity(s Severity) string {
	switch s {
	case Error:
		return "8.0"
	case Warning:
		return "5.0"
	}
	return "2.0"
}

// WriteSARIF writes fs as a SARIF 2.1.0 log that GitHub code scanning accepts: every
// rule of the catalogue in tool.driver.rules, one result per finding with a physical
// location (line 1 when the source has no position).
func WriteSARIF(w io.Writer, fs []Finding, opts SARIFOptions) error {
	rules := Rules()
	index := map[string]int{}
	driver := sarifDriver{
		Name:           "seccompctl",
		Version:        opts.ToolVersion,
		InformationURI: "https://github.com/seccompctl/seccompctl",
	}
	for i, r := range rules {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:               r.ID,
			Name:             r.Name,
			ShortDescription: sarifText{r.Summary},
			FullDescription:  sarifText{r.Summary + " " + r.Why},
			Help: sarifHelp{
				Text:     fmt.Sprintf("%s\n\nWhy: %s\n\nFix: %s", r.Summary, r.Why, r.Fix),
				Markdown: fmt.Sprintf("**%s** %s\n\n**Why:** %s\n\n**Fix:** %s", r.ID, r.Summary, r.Why, r.Fix),
			},
			DefaultConfiguration: sarifConfig{sarifLevel(r.Severity)},
			Properties: sarifRuleProperties{
				Tags:             []string{"security", "seccomp"},
				Precision:        "high",
				SecuritySeverity: securitySeverity(r.Severity),
			},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, f := range fs {
		line := f.Line
		if line < 1 {
			line = 1
		}
		run.Results = append(run.Results, sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: sarifURI(f.File, opts.BaseDir)},
				Region:           sarifRegion{StartLine: line, StartColumn: f.Column},
			}}},
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// sarifURI turns a file name into a URI reference: relative to base with forward
// slashes when possible, a file:// URI for an absolute path outside it.
func sarifURI(file, base string) string {
	if file == "" {
		return "profile"
	}
	if base != "" && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(base, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	if filepath.IsAbs(file) {
		return "file://" + filepath.ToSlash(file)
	}
	return filepath.ToSlash(filepath.Clean(file))
}

// WriteMarkdown writes findings as a GitHub-flavoured markdown table for a
// pull-request comment, then the summary line; rules link to their long form with
// `seccompctl lint --explain ID`.
func WriteMarkdown(w io.Writer, fs []Finding) error {
	var b strings.Builder
	b.WriteString("### seccomp lint\n\n")
	if len(fs) > 0 {
		b.WriteString("| severity | rule | where | finding |\n|---|---|---|---|\n")
		for _, f := range fs {
			fmt.Fprintf(&b, "| %s | %s %s | `%s` | %s |\n", f.Severity, f.Rule, mdCell(f.Name), strings.ReplaceAll(mdCell(f.Location()), "`", "'"), mdCell(f.Message))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "**%s**\n", Summary(fs))
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell makes text safe inside a markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.Join(strings.Fields(s), " ")
}
