package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/seccompctl/seccompctl/diff"
	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/report"
	"github.com/seccompctl/seccompctl/syscalls"
)

// chromium starts Debian's chromium headless (scripts/deps.sh installs it) and returns
// a context whose tabs run in it.
func chromium(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/deps.sh installs it): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root cannot use chromium's sandbox
		chromedp.Flag("disable-gpu", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// pageEvents records what a tab logs and requests.
type pageEvents struct {
	mu       sync.Mutex
	errors   []string
	requests []string
}

func watchTab(t *testing.T, ctx context.Context) *pageEvents {
	t.Helper()
	ev := &pageEvents{}
	err := chromedp.Listen(ctx, func(e any) {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		switch e := e.(type) {
		case *cdpruntime.EventConsoleAPICalled:
			if e.Type == cdpruntime.ConsoleAPICalledTypeError || e.Type == cdpruntime.ConsoleAPICalledTypeWarning || e.Type == cdpruntime.ConsoleAPICalledTypeAssert {
				ev.errors = append(ev.errors, fmt.Sprintf("console.%s", e.Type))
			}
		case *cdpruntime.EventExceptionThrown:
			ev.errors = append(ev.errors, "exception: "+e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				ev.errors = append(ev.errors, fmt.Sprintf("log %s: %s", e.Entry.Level, e.Entry.Text))
			}
		case *network.EventRequestWillBeSent:
			ev.requests = append(ev.requests, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return ev
}

// pageFacts is everything the page shows that a number or a decision is read from,
// read back from the DOM.
type pageFacts struct {
	Verdict string `json:"verdict"`
	Charts  []struct {
		Arch    string `json:"arch"`
		Profile int    `json:"profile,string"`
		Base    int    `json:"baseline,string"`
		Denied  int    `json:"denied,string"`
		Added   int    `json:"added,string"`
		Cats    []struct {
			Category string `json:"category"`
			Profile  int    `json:"profile,string"`
			Base     int    `json:"baseline,string"`
		} `json:"cats"`
	} `json:"charts"`
	Lint struct {
		Errors   int `json:"errors,string"`
		Warnings int `json:"warnings,string"`
		Info     int `json:"info,string"`
	} `json:"lint"`
	Findings []string `json:"findings"`
	Rows     []struct {
		Name     string `json:"name"`
		Category string `json:"category"`
		Cells    []struct {
			Arch      string   `json:"arch"`
			State     string   `json:"state"`
			Action    string   `json:"action"`
			Positions []string `json:"positions"`
		} `json:"cells"`
		Base []struct {
			Arch  string `json:"arch"`
			State string `json:"state"`
		} `json:"base"`
	} `json:"rows"`
	Total int `json:"total,string"`
	Shown int `json:"shown,string"`
}

const readFacts = `(() => {
  const txt = (el, sel) => { const e = el.querySelector(sel); return e ? e.textContent.trim() : ""; };
  const all = (el, sel) => Array.from(el.querySelectorAll(sel));
  const arches = all(document, "#syscalls thead th[data-arch]").map(th => th.dataset.arch);
  const states = {a: "allowed", c: "conditional", d: "denied", m: "missing"};
  return {
    verdict: txt(document, "#verdict"),
    charts: all(document, "figure.chart").map(f => ({
      arch: f.dataset.arch,
      profile: txt(f, ".total-profile"), baseline: txt(f, ".total-baseline"),
      denied: txt(f, ".total-denied"), added: txt(f, ".total-added"),
      cats: all(f, "g.category").map(g => ({category: g.dataset.category, profile: txt(g, ".n-profile"), baseline: txt(g, ".n-baseline")})),
    })),
    lint: {errors: txt(document, "#lint-errors"), warnings: txt(document, "#lint-warnings"), info: txt(document, "#lint-info")},
    findings: all(document, "tr.finding").map(r => r.dataset.rule),
    rows: all(document, "#syscalls tbody tr").map(r => ({
      name: r.dataset.syscall,
      category: r.cells[1].textContent.trim(),
      cells: Array.from(r.cells).slice(3, 3 + arches.length).map((c, i) => ({arch: arches[i], state: states[c.className],
        action: txt(c, "code"), positions: all(c, "i").map(p => p.textContent.trim()).filter(p => p !== "")})),
      base: all(r, "b[data-arches]").flatMap(s => s.dataset.arches.split(" ").map(a => ({arch: a, state: s.textContent.trim()}))),
    })),
    total: txt(document, "#total"), shown: txt(document, "#shown"),
  };
})()`

// reportProfiles are the reference profiles (copies in lint/testdata), the profiles
// generate and merge write in their golden tests (they carry comments and
// provenance), and the runtime default.
func reportProfiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"../../lint/testdata/profiles/*.json", "../../generate/testdata/golden/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d profiles: %v", len(files), files)
	}
	if rd := profile.RuntimeDefault(); rd != nil {
		data, err := rd.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "runtime-default.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	return files
}

func TestReportInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	browser := chromium(t)
	for _, file := range reportProfiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(filepath.Dir(filepath.Dir(file)))+"/"+filepath.Base(file), ".json"), func(t *testing.T) {
			checkReportPage(t, browser, file)
		})
	}
}

func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, errOut, code := execCLI(t, "", args...)
	if code != 0 && !(code == 1 && args[0] == "lint") {
		t.Fatalf("seccompctl %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("seccompctl %s: %v", strings.Join(args, " "), err)
	}
}

func checkReportPage(t *testing.T, browser context.Context, file string) {
	htmlFile := filepath.Join(t.TempDir(), "report.html")
	if _, errOut, code := execCLI(t, "", "report", file, "-o", htmlFile); code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	html, err := os.ReadFile(htmlFile)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(file) == "runtime-default.json" && len(html) >= 1<<20 {
		t.Errorf("the runtime default's report is %d bytes, want under 1 MB", len(html))
	}
	var cmp []diff.Comparison
	runJSON(t, &cmp, "compare", file, "--format", "json")
	var lr lint.Report
	runJSON(t, &lr, "lint", file, "--format", "json", "--fail-on", "never")

	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	events := watchTab(t, ctx)
	url := "file://" + htmlFile
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	facts, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](readFacts))
	if err != nil {
		t.Fatal(err)
	}

	// The header's verdict, from compare's and lint's own output.
	var parts []string
	for _, c := range cmp {
		s := fmt.Sprintf("allows %d of the runtime default's %d syscalls on %s", c.Total.Profile-len(c.Total.Added), c.Total.Baseline, report.ArchName(c.Arch))
		if len(c.Total.Added) > 0 {
			s += fmt.Sprintf(" and %d the runtime default does not", len(c.Total.Added))
		}
		parts = append(parts, s)
	}
	parts = append(parts, fmt.Sprintf("%d lint error%s", lr.Summary.Errors, map[bool]string{true: "", false: "s"}[lr.Summary.Errors == 1]))
	if want := strings.Join(parts, "; "); facts.Verdict != want {
		t.Errorf("verdict %q, compare and lint say %q", facts.Verdict, want)
	}

	// The charts: compare's counts, category by category.
	if len(facts.Charts) != len(cmp) {
		t.Fatalf("%d charts, compare reports %d architectures", len(facts.Charts), len(cmp))
	}
	for i, c := range cmp {
		ch := facts.Charts[i]
		if ch.Arch != c.Arch || ch.Profile != c.Total.Profile || ch.Base != c.Total.Baseline || ch.Denied != len(c.Total.Denied) || ch.Added != len(c.Total.Added) {
			t.Errorf("chart %s totals %d/%d/%d/%d, compare says %s %d/%d/%d/%d", ch.Arch, ch.Profile, ch.Base, ch.Denied, ch.Added,
				c.Arch, c.Total.Profile, c.Total.Baseline, len(c.Total.Denied), len(c.Total.Added))
		}
		if len(ch.Cats) != len(c.Categories) {
			t.Fatalf("chart %s has %d categories, compare %d", ch.Arch, len(ch.Cats), len(c.Categories))
		}
		for j, cc := range c.Categories {
			if got := ch.Cats[j]; got.Category != cc.Category || got.Profile != cc.Profile || got.Base != cc.Baseline {
				t.Errorf("chart %s: %s %d/%d, compare says %s %d/%d", ch.Arch, got.Category, got.Profile, got.Base, cc.Category, cc.Profile, cc.Baseline)
			}
		}
	}

	// Lint's counts and findings, in lint's order.
	if facts.Lint.Errors != lr.Summary.Errors || facts.Lint.Warnings != lr.Summary.Warnings || facts.Lint.Info != lr.Summary.Info {
		t.Errorf("lint counts %+v, lint says %+v", facts.Lint, lr.Summary)
	}
	var rules []string
	for _, f := range lr.Findings {
		rules = append(rules, f.Rule)
	}
	if !slices.Equal(facts.Findings, rules) {
		t.Errorf("findings %v, lint says %v", facts.Findings, rules)
	}

	// One row per syscall of the architectures' tables.
	names := map[string]bool{}
	for _, c := range cmp {
		a, _ := syscalls.ParseArch(c.Arch)
		for _, e := range syscalls.Table(a) {
			names[e.Name] = true
		}
	}
	if len(facts.Rows) != len(names) || facts.Total != len(names) || facts.Shown != len(names) {
		t.Errorf("%d rows (total %d, shown %d), want one per syscall: %d", len(facts.Rows), facts.Total, facts.Shown, len(names))
	}

	// Every row's states add up to compare's counts per category; every decision
	// without conditions is the one explain gives.
	// explain does what 'seccompctl explain FILE SYSCALL --arch ARCH' does with its
	// default flags, compiling once per architecture: running the verb for each of
	// the thousands of rows would take minutes. Spot checks below run the verb itself.
	compiled := map[string]*filter.Filter{}
	explain := func(archName, name string) explainJSON {
		t.Helper()
		arch, err := syscalls.ParseArch(archName)
		if err != nil {
			t.Fatal(err)
		}
		f := compiled[archName]
		if f == nil {
			o, err := filterOptions(nil, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			o.Native = arch
			app := &App{Out: io.Discard, ErrOut: io.Discard}
			if f, err = compileProfile(app, file, o); err != nil {
				t.Fatal(err)
			}
			compiled[archName] = f
		}
		nr, sname, err := parseSyscall(arch, name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := explainCall(f, inputName(file), arch, nr, sname, [6]uint64{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, name := range []string{"read", "ptrace", "socket", "clone3"} {
		var viaVerb explainJSON
		runJSON(t, &viaVerb, "explain", file, name, "--arch", cmp[0].Arch, "--format", "json")
		if direct := explain(cmp[0].Arch, name); !reflect.DeepEqual(direct, viaVerb) {
			t.Errorf("explain %s: the verb says %+v, the test's shortcut %+v", name, viaVerb, direct)
		}
	}
	type key struct{ arch, cat string }
	here, base := map[key]int{}, map[key]int{}
	explained := 0
	for _, r := range facts.Rows {
		if !names[r.Name] {
			t.Errorf("row for %q, in no table", r.Name)
		}
		if r.Category != diff.Category(r.Name) {
			t.Errorf("%s: category %q, compare's is %q", r.Name, r.Category, diff.Category(r.Name))
		}
		for _, b := range r.Base {
			if b.State != report.Denied {
				base[key{b.Arch, r.Category}]++
			}
		}
		for _, c := range r.Cells {
			if c.State == report.Missing {
				continue
			}
			if c.State != report.Denied {
				here[key{c.Arch, r.Category}]++
			}
			ex := explain(c.Arch, r.Name)
			explained++
			pos := ""
			if ex.Position != "" {
				pos = ex.Position[:strings.LastIndex(ex.Position, ":")]
			}
			if c.State == report.Conditional {
				// A call with all-zero arguments meets some rule's conditions or none.
				if pos != "" && !slices.Contains(c.Positions, pos) {
					t.Errorf("%s on %s: explain decides by %s, the page names %v", r.Name, c.Arch, pos, c.Positions)
				}
				continue
			}
			if c.Action != ex.Decision.Action {
				t.Errorf("%s on %s: the page says %s, explain %s", r.Name, c.Arch, c.Action, ex.Decision.Action)
			}
			if got := strings.Join(c.Positions, ","); got != pos {
				t.Errorf("%s on %s: the page names rule %q, explain %q", r.Name, c.Arch, got, pos)
			}
		}
	}
	if explained == 0 {
		t.Fatal("no decision checked against explain")
	}
	for _, c := range cmp {
		for _, cc := range c.Categories {
			k := key{c.Arch, cc.Category}
			if here[k] != cc.Profile || base[k] != cc.Baseline {
				t.Errorf("%s %s: rows allow %d here and %d by the baseline, compare says %d and %d", c.Arch, cc.Category, here[k], base[k], cc.Profile, cc.Baseline)
			}
		}
	}

	checkSearchAndSort(t, ctx, len(names))

	events.mu.Lock()
	defer events.mu.Unlock()
	if len(events.errors) > 0 {
		t.Errorf("console errors: %v", events.errors)
	}
	for _, u := range events.requests {
		if u != url {
			t.Errorf("the page requested %s", u)
		}
	}
}

func checkSearchAndSort(t *testing.T, ctx context.Context, total int) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#search"), "sock")); err != nil {
		t.Fatal(err)
	}
	type searchResult struct {
		Shown   int  `json:"shown,string"`
		Visible int  `json:"visible"`
		AllHit  bool `json:"allHit"`
		NoMiss  bool `json:"noMiss"`
		Socket  bool `json:"socket"`
	}
	sr, err := chromedp.Run(ctx, chromedp.Evaluate[searchResult](`(() => {
	  const rows = Array.from(document.querySelectorAll("#syscalls tbody tr"));
	  const vis = rows.filter(r => !r.hidden);
	  return {shown: document.getElementById("shown").textContent, visible: vis.length,
	    allHit: vis.every(r => r.textContent.toLowerCase().includes("sock")),
	    noMiss: rows.filter(r => r.hidden).every(r => !r.textContent.toLowerCase().includes("sock")),
	    socket: vis.some(r => r.dataset.syscall === "socket")};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !sr.AllHit || !sr.NoMiss || !sr.Socket || sr.Visible != sr.Shown || sr.Visible == 0 || sr.Visible >= total {
		t.Errorf("search for \"sock\": %+v of %d rows", sr, total)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById("search"); s.value = ""; return s.dispatchEvent(new Event("input")); })()`)); err != nil {
		t.Fatal(err)
	}

	order := func() []string {
		names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#syscalls tbody tr")).filter(r => !r.hidden).map(r => r.dataset.syscall)`))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	click := func(col int) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#syscalls thead th:nth-child(%d)", col)))); err != nil {
			t.Fatal(err)
		}
	}
	click(1)
	asc := order()
	click(1)
	desc := order()
	if len(asc) != total || len(desc) != total {
		t.Fatalf("after clearing the search %d and %d rows are shown, want %d", len(asc), len(desc), total)
	}
	if !slices.IsSortedFunc(asc, strings.Compare) {
		t.Errorf("sorting by syscall: not ascending: %v", asc[:10])
	}
	rev := slices.Clone(asc)
	slices.Reverse(rev)
	if !slices.Equal(desc, rev) {
		t.Errorf("sorting by syscall twice: not the reverse: %v", desc[:10])
	}
	click(3) // danger
	sorted, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#syscalls tbody tr")).map(r => r.cells[2].dataset.sort)`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(sorted) || sorted[0] == sorted[len(sorted)-1] {
		t.Errorf("sorting by danger: %v ... %v", sorted[:3], sorted[len(sorted)-3:])
	}
}

// BenchmarkReportRuntimeDefaultInChromium loads the runtime default's report in
// headless chromium from a file:// URL, one new tab per iteration, and reports the
// page's own load time (navigation start to the end of the load event) and its size.
func BenchmarkReportRuntimeDefaultInChromium(b *testing.B) {
	rd := profile.RuntimeDefault()
	if rd == nil {
		b.Skip("the runtime default is built into Linux binaries only")
	}
	data, err := rd.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	in, out := filepath.Join(dir, "runtime-default.json"), filepath.Join(dir, "report.html")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		b.Fatal(err)
	}
	if code := Main([]string{"seccompctl", "report", in, "-o", out}, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
		b.Fatalf("report: exit %d", code)
	}
	fi, err := os.Stat(out)
	if err != nil {
		b.Fatal(err)
	}
	browser := chromium(b)
	var total float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := chromedp.NewContext(browser)
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+out)); err != nil {
			b.Fatal(err)
		}
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { const n = performance.getEntriesByType("navigation")[0]; return n.loadEventEnd - n.startTime; })()`))
		if err != nil {
			b.Fatal(err)
		}
		total += ms
		cancel()
	}
	b.ReportMetric(total/float64(b.N), "load-ms/op")
	b.ReportMetric(float64(fi.Size()), "html-bytes")
}
