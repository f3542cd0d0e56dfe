package report

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/internal/goldenfile"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

func load(t testing.TB, name string) *profile.Profile {
	t.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func baseline(t testing.TB) *profile.Profile {
	t.Helper()
	b := profile.RuntimeDefault()
	if b == nil {
		t.Skip("the runtime default is built into Linux binaries only")
	}
	b.Source = &profile.Source{File: "runtime-default"}
	return b
}

// TestBuildGolden keeps the verdict and the syscall table of three reports, one line
// a syscall: a conditional profile with an older version, a minimal one, and a
// generated one whose comments carry provenance. Lint's findings and compare's counts
// are those packages' output, tested there and against the page in internal/cli.
func TestBuildGolden(t *testing.T) {
	for _, tc := range []struct{ name, file, old string }{
		{"conditional-since-minimal", "seed-conditional.json", "seed-minimal.json"},
		{"minimal", "seed-minimal.json", ""},
		{"recorded", "recorded.json", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Baseline: baseline(t), BaselineName: "the runtime default", Arches: []syscalls.Arch{syscalls.X86_64}}
			if tc.old != "" {
				opts.Old = load(t, tc.old)
			}
			r, err := Build(load(t, tc.file), opts)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%s\ndefault %s, architectures %v, states %v\n", r.Verdict, r.DefaultAction, r.Architectures, r.States)
			for _, s := range r.Syscalls {
				for _, d := range s.Decisions {
					fmt.Fprintf(&b, "%s %s %s: %s %q (%s), baseline %s", s.Name, s.Category, d.Arch, d.State, d.Action, d.Reason, d.Baseline)
					if s.Danger != "" {
						fmt.Fprintf(&b, ", danger %s", s.DangerSeverity)
					}
					for _, ri := range d.Rules {
						fmt.Fprintf(&b, "\n    %s %s %q %q %q", ri.Position, ri.Action, ri.Conditions, ri.Comment, ri.Provenance)
					}
					b.WriteByte('\n')
				}
			}
			goldenfile.Check(t, filepath.Join("testdata", "golden", tc.name+".txt"), []byte(b.String()))
		})
	}
}

func TestVerdictAndStates(t *testing.T) {
	r, err := Build(load(t, "seed-conditional.json"), Options{Baseline: baseline(t), BaselineName: "the runtime default"})
	if err != nil {
		t.Fatal(err)
	}
	if want := regexp.MustCompile(`^allows 3 of the runtime default's \d+ syscalls on x86_64; \d+ lint errors$`); !want.MatchString(r.Verdict) {
		t.Errorf("verdict %q does not match %s", r.Verdict, want)
	}
	want := map[string]string{"socket": Conditional, "open": Conditional, "openat": Conditional, "read": Denied, "ptrace": Denied}
	for _, s := range r.Syscalls {
		w, ok := want[s.Name]
		if !ok {
			continue
		}
		delete(want, s.Name)
		if got := s.Decisions[0].State; got != w {
			t.Errorf("%s: state %s, want %s", s.Name, got, w)
		}
		if s.Name == "socket" {
			rules := s.Decisions[0].Rules
			if len(rules) != 1 || rules[0].Conditions != "argument 0 is 0x2" || !strings.HasSuffix(rules[0].Position, "seed-conditional.json:5") {
				t.Errorf("socket's rules: %+v", rules)
			}
		}
		if s.Name == "ptrace" && s.Danger == "" {
			t.Error("ptrace carries no danger")
		}
	}
	if len(want) > 0 {
		t.Errorf("no rows for %v", want)
	}
}

func TestConditions(t *testing.T) {
	for _, tc := range []struct {
		args []profile.Arg
		want string
	}{
		{nil, ""},
		{[]profile.Arg{{Index: 0, Value: 8, Op: profile.OpEqualTo}}, "argument 0 is 0x8"},
		{[]profile.Arg{{Index: 1, Value: 3, ValueTwo: 1, Op: profile.OpMaskedEqual}, {Index: 2, Value: 0, Op: profile.OpNotEqual}},
			"argument 1 masked with 0x3 is 0x1 and argument 2 is not 0x0"},
		// runc splits conditions on one argument into rules of which any suffices.
		{[]profile.Arg{{Index: 0, Value: 1, Op: profile.OpGreaterEqual}, {Index: 0, Value: 9, Op: profile.OpLessThan}},
			"argument 0 is at least 0x1 or argument 0 is below 0x9"},
	} {
		if got := Conditions(tc.args); got != tc.want {
			t.Errorf("Conditions(%+v) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestProvenance(t *testing.T) {
	for comment, want := range map[string]string{
		"":                                    "",
		"2 calls by /bin/sh (2)":              "recorded",
		"1 call":                              "recorded",
		"openat when flags O_RDONLY: 3 calls": "recorded",
		"in place of recorded calls some target architectures lack: open → openat": "recorded",
		"allowed by all 3 inputs":        "replica coverage",
		"allowed by 2 of 3 inputs: a, b": "replica coverage",
		"needed by runc between installing the filter and starting the workload": "runtime",
		"reachable in the binary's static call graph":                            "static analysis",
		"seen in audit records (SCMP_ACT_LOG)":                                   "complain-mode logs",
		"for the health check":                                                   "",
	} {
		if got := Provenance(comment); got != want {
			t.Errorf("Provenance(%q) = %q, want %q", comment, got, want)
		}
	}
}

// TestRenderEscapes: a comment is the profile author's text and must stay text.
func TestRenderEscapes(t *testing.T) {
	p := load(t, "seed-minimal.json")
	p.Syscalls[0].Comment = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r, err := Build(p, Options{Baseline: baseline(t)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") {
		t.Error("the comment reached the page as markup")
	}
	if !strings.Contains(page, html.EscapeString("<script>alert(1)</script>")) && !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the comment is not on the page as text")
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d script elements, want the one inline script", n)
	}
	for _, ref := range []string{"http://", "https://", "src=\"", "href=\""} {
		if strings.Contains(page, ref) && ref != "http://" {
			t.Errorf("the page refers to something outside it: %s", ref)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(load(t, "seed-minimal.json"), Options{}); err == nil {
		t.Error("Build without a baseline succeeded")
	}
}

func ExampleBuild() {
	base := profile.RuntimeDefault()
	if base == nil {
		return
	}
	base.Source = &profile.Source{File: "runtime-default"}
	p, err := profile.Parse("app.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
	  "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW", "comment": "12 calls by /app"}]}`))
	if err != nil {
		panic(err)
	}
	r, err := Build(p, Options{Baseline: base, BaselineName: "the runtime default"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Verdict)
	for _, s := range r.Syscalls {
		if s.Name == "read" {
			d := s.Decisions[0]
			fmt.Println(s.Name, d.State, d.Action, d.Rules[0].Position, d.Rules[0].Provenance)
		}
	}
	// Output:
	// allows 3 of the runtime default's 309 syscalls on x86_64; 3 lint errors
	// read allowed ALLOW app.json:2 recorded
}

// BenchmarkBuildRenderRuntimeDefault: the Go side of `seccompctl report` for the
// runtime default against itself, on every node architecture it names.
func BenchmarkBuildRenderRuntimeDefault(b *testing.B) {
	rd := baseline(b)
	for i := 0; i < b.N; i++ {
		r, err := Build(rd, Options{Baseline: rd, BaselineName: "the runtime default"})
		if err != nil {
			b.Fatal(err)
		}
		if err := Render(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
