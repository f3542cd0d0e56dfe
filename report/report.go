// Package report gathers what a reviewer asks of one seccomp profile into one value:
// how it compares with a baseline by category, what it does with every syscall and
// which rule decides, lint's findings with their explanations, and what changed since
// an older version. Build is pure; Render writes the value as one self-contained HTML
// page.
package report

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/diff"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Options say what a profile is reported against.
type Options struct {
	// Baseline is what the profile is compared with (the runtime default for
	// `seccompctl report`); required.
	Baseline *profile.Profile
	// BaselineName names the baseline in the verdict ("the runtime default"); empty
	// means its file name.
	BaselineName string
	// Old, when set, is the previous version of the profile: the report then says what
	// was added and removed and the risk of it.
	Old *profile.Profile
	// Arches are the node architectures; empty means the profile's own, as compare
	// chooses them.
	Arches []syscalls.Arch
	// Caps is the container's capability set for includes/excludes; nil means
	// profile.DefaultCaps().
	Caps []string
	// Lint are the options of the lint run; Arches and Caps are copied from above.
	Lint lint.Options
	// Tool is the seccompctl version written into the report.
	Tool string
}

// Report is everything the page shows; its JSON form is `report --format json`.
type Report struct {
	Profile       string   `json:"profile"`
	Baseline      string   `json:"baseline"`
	Old           string   `json:"old,omitempty"`
	Tool          string   `json:"tool,omitempty"`
	DefaultAction string   `json:"defaultAction"`
	Architectures []string `json:"architectures"`
	// Verdict is the header's one line: allowed against the baseline per
	// architecture, and the number of lint errors.
	Verdict string `json:"verdict"`
	// Comparisons are compare's, one per node architecture.
	Comparisons []diff.Comparison `json:"comparisons"`
	// Syscalls has one entry per syscall of any node architecture's table, by name.
	Syscalls []Syscall      `json:"syscalls"`
	Findings []Finding      `json:"findings"`
	Lint     LintSummary    `json:"lint"`
	Changes  *diff.Result   `json:"changes,omitempty"`
	States   map[string]int `json:"states"`
}

// LintSummary counts findings by severity.
type LintSummary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
}

// Finding is a lint finding with the long form of its rule.
type Finding struct {
	lint.Finding
	Location string `json:"location,omitempty"`
	Summary  string `json:"summary"`
	Why      string `json:"why"`
	Fix      string `json:"fix"`
}

// Syscall is what the profile does with one syscall on each architecture.
type Syscall struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	// Danger is lint's reason for counting the syscall as dangerous (SC4001), empty
	// when it is not.
	Danger         string        `json:"danger,omitempty"`
	DangerSeverity lint.Severity `json:"dangerSeverity,omitempty"`
	Decisions      []Decision    `json:"decisions"`
}

// States of a syscall on one architecture, as compare counts them: allowed when every
// call gets through, conditional when some do (argument conditions), denied when none
// do. Missing means the architecture has no such syscall.
const (
	Allowed     = "allowed"
	Conditional = "conditional"
	Denied      = "denied"
	Missing     = "missing"
)

// Decision is what happens to one syscall on one architecture.
type Decision struct {
	Arch  string `json:"arch"`
	Nr    int    `json:"nr"`
	State string `json:"state"`
	// Action is the action every call gets (from the compiled program, as explain
	// says); for conditional syscalls the actions the rules give under their
	// conditions, and the action for the rest.
	Action string `json:"action"`
	// Reason is explain's: rule, default, enosys or badarch.
	Reason string `json:"reason"`
	// Rules are the rules that decide, in the order the filter tries them.
	Rules []RuleInfo `json:"rules,omitempty"`
	// Baseline is the syscall's state under the baseline.
	Baseline string `json:"baseline"`
}

// RuleInfo is a rule of the profile as the report shows it.
type RuleInfo struct {
	// Index is the rule's index in the resolved profile's syscalls.
	Index    int    `json:"index"`
	Position string `json:"position,omitempty"`
	Action   string `json:"action"`
	// Conditions says in words when the rule applies; empty for every call.
	Conditions string `json:"conditions,omitempty"`
	Comment    string `json:"comment,omitempty"`
	// Provenance is where the rule came from, read from the comment seccompctl's
	// generate and merge write: recorded, replica coverage, runtime, static, logs.
	Provenance string `json:"provenance,omitempty"`
}

// Build makes the report of p.
func Build(p *profile.Profile, opts Options) (*Report, error) {
	if opts.Baseline == nil {
		return nil, errors.New("no baseline profile")
	}
	caps := opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	do := diff.Options{Arches: opts.Arches, Caps: caps}
	cs, err := diff.Compare(p, opts.Baseline, do)
	if err != nil {
		return nil, fmt.Errorf("comparing with the baseline: %w", err)
	}
	r := &Report{
		Profile:       nameOf(p),
		Baseline:      nameOf(opts.Baseline),
		Tool:          opts.Tool,
		DefaultAction: actionString(p.DefaultAction, p.DefaultErrnoRet),
		Comparisons:   cs,
		Findings:      []Finding{},
		States:        map[string]int{},
	}
	for _, a := range p.Architectures {
		r.Architectures = append(r.Architectures, a.String())
	}
	for _, m := range p.ArchMap {
		if s := m.Arch.String(); !slices.Contains(r.Architectures, s) {
			r.Architectures = append(r.Architectures, s)
		}
	}
	var arches []syscalls.Arch
	for _, c := range cs {
		a, err := syscalls.ParseArch(c.Arch)
		if err != nil {
			return nil, err
		}
		arches = append(arches, a)
	}
	if err := r.decide(p, opts.Baseline, arches, caps); err != nil {
		return nil, err
	}
	lo := opts.Lint
	lo.Arches, lo.Caps = opts.Arches, opts.Caps
	fs, err := lint.Lint(p, lo)
	if err != nil {
		return nil, fmt.Errorf("linting: %w", err)
	}
	for _, f := range fs {
		rf := Finding{Finding: f, Location: f.Location()}
		if rule, ok := lint.Lookup(f.Rule); ok {
			rf.Summary, rf.Why, rf.Fix = rule.Summary, rule.Why, rule.Fix
		}
		r.Findings = append(r.Findings, rf)
		switch f.Severity {
		case lint.Error:
			r.Lint.Errors++
		case lint.Warning:
			r.Lint.Warnings++
		default:
			r.Lint.Info++
		}
	}
	if opts.Old != nil {
		do.Lint = opts.Lint
		r.Old = nameOf(opts.Old)
		if r.Changes, err = diff.Diff(opts.Old, p, do); err != nil {
			return nil, fmt.Errorf("comparing with the old profile: %w", err)
		}
	}
	r.Verdict = verdict(cs, baselineName(opts), r.Lint.Errors)
	return r, nil
}

func baselineName(opts Options) string {
	if opts.BaselineName != "" {
		return opts.BaselineName
	}
	return nameOf(opts.Baseline)
}

// verdict says "allows 61 of the runtime default's 309 syscalls on x86_64; 0 lint errors".
func verdict(cs []diff.Comparison, base string, errs int) string {
	var parts []string
	for _, c := range cs {
		s := fmt.Sprintf("allows %d of %s's %d syscalls on %s", c.Total.Profile-len(c.Total.Added), base, c.Total.Baseline, ArchName(c.Arch))
		if n := len(c.Total.Added); n > 0 {
			s += fmt.Sprintf(" and %d %s does not", n, base)
		}
		parts = append(parts, s)
	}
	parts = append(parts, fmt.Sprintf("%d lint error%s", errs, map[bool]string{true: "", false: "s"}[errs == 1]))
	return strings.Join(parts, "; ")
}

// decide fills r.Syscalls: on each node architecture the profile and the baseline get
// their meaning for a container with caps (package semantics, what the compiler
// builds its program from), and every syscall of the architecture's table is looked
// up in it.
func (r *Report) decide(p, base *profile.Profile, arches []syscalls.Arch, caps []string) error {
	rows := map[string]*Syscall{}
	for ai, arch := range arches {
		m, err := semantics.ForNode(p, arch, semantics.Options{Caps: caps})
		if err != nil {
			return err
		}
		bm, err := semantics.ForNode(base, arch, semantics.Options{Caps: caps})
		if err != nil {
			return fmt.Errorf("the baseline: %w", err)
		}
		for _, e := range syscalls.Table(arch) {
			row := rows[e.Name]
			if row == nil {
				row = &Syscall{Name: e.Name, Category: diff.Category(e.Name)}
				if reason, ok := lint.Dangerous(e.Name); ok {
					row.Danger, row.DangerSeverity = reason, lint.DangerousSeverity(e.Name)
				}
				for _, a := range arches[:ai] {
					row.Decisions = append(row.Decisions, Decision{Arch: a.String(), Nr: -1, State: Missing, Baseline: Missing})
				}
				rows[e.Name] = row
			}
			d, err := decideOne(m, arch, e.Name)
			if err != nil {
				return err
			}
			bd, err := decideOne(bm, arch, e.Name)
			if err != nil {
				return fmt.Errorf("the baseline: %w", err)
			}
			d.Baseline = bd.State
			row.Decisions = append(row.Decisions, d)
		}
		for _, row := range rows {
			if len(row.Decisions) == ai {
				row.Decisions = append(row.Decisions, Decision{Arch: arch.String(), Nr: -1, State: Missing, Baseline: Missing})
			}
		}
	}
	for _, row := range rows {
		r.Syscalls = append(r.Syscalls, *row)
		for _, d := range row.Decisions {
			r.States[d.State]++
		}
	}
	sort.Slice(r.Syscalls, func(i, j int) bool { return r.Syscalls[i].Name < r.Syscalls[j].Name })
	return nil
}

// decideOne says what the meaning m gives syscall name on arch, in the words of
// explain: the return value every call gets and the rule behind it, or the
// conditional rules tried in order and the action for calls none matches.
func decideOne(m *semantics.Meaning, arch syscalls.Arch, name string) (Decision, error) {
	t, ok := m.Syscall(arch, name)
	if !ok {
		return Decision{}, fmt.Errorf("%s: no meaning for %s", arch.Name(), name)
	}
	d := Decision{Arch: arch.String(), Nr: int(t.Nr), Reason: string(t.Reason), State: stateNames[t.Permits]}
	if !t.Conditional() {
		d.Action = bpf.RetString(t.Ret)
		if t.Rule != nil {
			d.Rules = []RuleInfo{ruleInfo(m.Profile, t.Rule.Rule, t.Ret)}
		}
		return d, nil
	}
	var acts []string
	for _, cr := range t.Rules {
		info := ruleInfo(m.Profile, cr.Ref.Rule, cr.Ret)
		if slices.ContainsFunc(d.Rules, func(c RuleInfo) bool { return c.Index == info.Index }) {
			continue // one rule naming a call twice, or reached through socketcall
		}
		d.Rules = append(d.Rules, info)
		if !slices.Contains(acts, info.Action) {
			acts = append(acts, info.Action)
		}
	}
	d.Action = fmt.Sprintf("%s under %d %s, otherwise %s", strings.Join(acts, " or "), len(d.Rules),
		map[bool]string{true: "condition", false: "conditions"}[len(d.Rules) == 1], bpf.RetString(t.Default))
	return d, nil
}

var stateNames = map[semantics.Permit]string{
	semantics.PermitAll:  Allowed,
	semantics.PermitSome: Conditional,
	semantics.PermitNone: Denied,
}

func ruleInfo(rp *profile.Profile, i int, ret uint32) RuleInfo {
	rule := &rp.Syscalls[i]
	info := RuleInfo{Index: i, Action: bpf.RetString(ret), Conditions: Conditions(rule.Args),
		Comment: rule.Comment, Provenance: Provenance(rule.Comment)}
	if pos, ok := rp.Pos(fmt.Sprintf("syscalls[%d]", i)); ok {
		info.Position = fmt.Sprintf("%s:%d", nameOf(rp), pos.Line)
	}
	return info
}

func nameOf(p *profile.Profile) string {
	if p.Source != nil && p.Source.File != "" {
		return p.Source.File
	}
	return "profile"
}

// actionString renders an action the way the filter's decisions do: ALLOW, ERRNO(1).
func actionString(a profile.Action, errno *uint) string {
	s := strings.TrimPrefix(a.String(), "SCMP_ACT_")
	if a == profile.ActErrno {
		e := uint(1) // runc's default errno is EPERM
		if errno != nil {
			e = *errno
		}
		s = fmt.Sprintf("%s(%d)", s, e)
	}
	return s
}

// Conditions says in words when all of args hold: "argument 0 is 0x8 and argument 1
// has bits 0x3 equal to 0x0". runc turns several conditions on one argument into
// separate rules, any one of which suffices: those are joined with "or".
func Conditions(args []profile.Arg) string {
	if len(args) == 0 {
		return ""
	}
	seen := map[uint]bool{}
	join := " and "
	var parts []string
	for _, a := range args {
		if seen[a.Index] {
			join = " or "
		}
		seen[a.Index] = true
		words := map[profile.Operator]string{
			profile.OpEqualTo: "is", profile.OpNotEqual: "is not", profile.OpLessThan: "is below",
			profile.OpLessEqual: "is at most", profile.OpGreaterThan: "is above", profile.OpGreaterEqual: "is at least",
		}
		if a.Op == profile.OpMaskedEqual {
			parts = append(parts, fmt.Sprintf("argument %d masked with %#x is %#x", a.Index, a.Value, a.ValueTwo))
			continue
		}
		parts = append(parts, fmt.Sprintf("argument %d %s %#x", a.Index, words[a.Op], a.Value))
	}
	return strings.Join(parts, join)
}

// staticSuffix ends the comment of a rule generate's static completion adds
// (generate/complete.go).
const staticSuffix = "; not seen while recording"

var (
	recordedComment = regexp.MustCompile(`^\d+ calls?( by |$)`)
	coverageComment = regexp.MustCompile(`(allowed|denied) by (all \d+ inputs|\d+ of \d+ inputs|the input)`)
)

// Provenance reads where a rule came from out of the comment generate and merge write
// (generate/generate.go, merge/merge.go): recorded calls and their executables,
// coverage across merged replicas, the runtime's own needs, static analysis, or
// complain-mode (SCMP_ACT_LOG) logs. Empty when the comment says none of these.
func Provenance(comment string) string {
	c := strings.ToLower(comment)
	switch {
	case c == "":
		return ""
	case strings.HasSuffix(c, staticSuffix), strings.Contains(c, "static") || strings.Contains(c, "reachab"):
		return "static analysis"
	case recordedComment.MatchString(c), strings.HasPrefix(c, "in place of recorded calls"), strings.Contains(c, " when ") && strings.Contains(c, " call"):
		return "recorded"
	case coverageComment.MatchString(c):
		return "replica coverage"
	case strings.Contains(c, "needed by") && strings.Contains(c, "installing the filter"):
		return "runtime"
	case strings.Contains(c, "audit") || strings.Contains(c, "complain") || strings.Contains(c, "scmp_act_log"):
		return "complain-mode logs"
	}
	return ""
}

// ArchName turns compare's SCMP_ARCH_X86_64 into the x86_64 people read.
func ArchName(s string) string {
	if a, err := syscalls.ParseArch(s); err == nil {
		return a.Name()
	}
	return s
}
