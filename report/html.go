package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/diff"
	"github.com/seccompctl/seccompctl/semantics"
)

var (
	//go:embed assets/report.html.tmpl
	pageTemplate string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/report.js
	pageJS string
)

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"join":   strings.Join,
	"reason": reasonText,
	"arch":   ArchName,
	// One letter a cell: the runtime default's table has thousands of them.
	"stateClass": func(state string) string { return state[:1] },
}).Parse(pageTemplate))

// Chart geometry, in SVG user units.
const (
	labelW  = 90
	barMax  = 330
	numberW = 40
	rowH    = 30
)

type pageData struct {
	R      *Report
	CSS    template.CSS
	JS     template.JS
	Charts []chart
	Arches []string
	Rows   []row
	LabelW int
	// MultiArch says the baseline column names the architectures of each state.
	MultiArch bool
}

type chart struct {
	Arch          string
	Comparison    diff.Comparison
	Total         diff.CategoryCount
	Width, Height int
	Bars          []bar
}

type bar struct {
	Category          string
	Profile, Baseline int
	Y, BY             int
	PW, BW, PX, BX    int
}

type row struct {
	Syscall
	DangerSort   string
	BaselineSort string
	// Baseline groups the architectures by the baseline's state there.
	Baseline []baseGroup
	Comments []RuleInfo
}

type baseGroup struct {
	State  string
	Arches []string
}

// Render writes r as one HTML page that needs nothing else: styles, script and charts
// are inline, and its content security policy forbids loading anything.
func Render(w io.Writer, r *Report) error {
	d := pageData{R: r, CSS: template.CSS(pageCSS), JS: template.JS(pageJS), LabelW: labelW, MultiArch: len(r.Comparisons) > 1}
	for _, c := range r.Comparisons {
		d.Arches = append(d.Arches, c.Arch)
		d.Charts = append(d.Charts, newChart(c))
	}
	for _, s := range r.Syscalls {
		rw := row{Syscall: s, DangerSort: "0"}
		if s.Danger != "" {
			rw.DangerSort = fmt.Sprint(int(s.DangerSeverity) + 1)
		}
		var base []string
		for _, dec := range s.Decisions {
			if dec.Baseline != Missing {
				base = append(base, dec.Baseline)
				i := slices.IndexFunc(rw.Baseline, func(g baseGroup) bool { return g.State == dec.Baseline })
				if i < 0 {
					i = len(rw.Baseline)
					rw.Baseline = append(rw.Baseline, baseGroup{State: dec.Baseline})
				}
				rw.Baseline[i].Arches = append(rw.Baseline[i].Arches, dec.Arch)
			}
			for _, ri := range dec.Rules {
				if ri.Comment != "" && !slices.ContainsFunc(rw.Comments, func(c RuleInfo) bool { return c.Comment == ri.Comment }) {
					rw.Comments = append(rw.Comments, ri)
				}
			}
		}
		slices.Sort(base)
		rw.BaselineSort = strings.Join(slices.Compact(base), " ")
		d.Rows = append(d.Rows, rw)
	}
	// Render to memory first so a template error never leaves half a page behind.
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		return fmt.Errorf("rendering the report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func newChart(c diff.Comparison) chart {
	ch := chart{Arch: c.Arch, Comparison: c, Total: c.Total, Width: labelW + barMax + numberW, Height: rowH*len(c.Categories) + 4}
	max := 1
	for _, cc := range c.Categories {
		max = maxInt(max, maxInt(cc.Profile, cc.Baseline))
	}
	for i, cc := range c.Categories {
		b := bar{Category: cc.Category, Profile: cc.Profile, Baseline: cc.Baseline, Y: i*rowH + 2}
		b.BY = b.Y + 12
		b.PW, b.BW = cc.Profile*barMax/max, cc.Baseline*barMax/max
		b.PX, b.BX = labelW+b.PW+4, labelW+b.BW+4
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func reasonText(reason string) string {
	switch semantics.Reason(reason) {
	case semantics.ReasonDefault:
		return "default"
	case semantics.ReasonENOSYS:
		return "ENOSYS"
	case semantics.ReasonBadArch:
		return "architecture refused"
	}
	return reason
}
