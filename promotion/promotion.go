package promotion

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// ErrNotComplain is returned for a profile whose defaultAction is not SCMP_ACT_LOG.
var ErrNotComplain = errors.New("not a complain-mode profile")

// maxLine bounds one JSON line of a monitor log.
const maxLine = 1 << 20

// ReadLog reads the JSON lines `seccompctl monitor --format json` writes. Blank lines
// are skipped; any other line that is not a violation is an error naming name:line.
func ReadLog(name string, r io.Reader) ([]monitor.Violation, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	var out []monitor.Violation
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var v monitor.Violation
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			return nil, fmt.Errorf("%s:%d: not a monitor JSON line: %w", name, n, err)
		}
		if v.Syscall == "" || v.Action == "" || v.Time.IsZero() {
			return nil, fmt.Errorf("%s:%d: a monitor JSON line needs syscall, action and time", name, n)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// Options say what to promote and when promotion is allowed.
type Options struct {
	// Key is the profile's key in its ConfigMap (web.json): violations attributed to a
	// Localhost profile with another file name are not about this profile.
	Key string
	// Enforced is the default action the promoted profile gets.
	Enforced kube.Enforced
	// ComplainSince is when complain mode started; zero when unknown.
	ComplainSince time.Time
	// CleanFor is how long no syscall may have been logged before promotion; 0 skips
	// the check.
	CleanFor time.Duration
	// Now is the current time.
	Now time.Time
	// AllowDangerous lets syscalls of syscalls.Dangerous be added; lint errors (the
	// severe ones) still refuse, as the agent refuses to install them.
	AllowDangerous bool
	// IncludeUnattributed counts violations with no known profile (a process outside a
	// pod, or one the runtime did not describe) as this profile's.
	IncludeUnattributed bool
	// Runtimes are the OCI runtimes lint checks the promoted profile for, as the
	// agent's --runtime; empty means every runtime lint knows.
	Runtimes []string
}

// Seen is one syscall logged under the complain-mode profile.
type Seen struct {
	Syscall     string
	Arches      []string
	Count       int
	First, Last time.Time
	Nodes       []string
	// Where are namespace/pod/container, or "comm (not in a pod)".
	Where []string
}

// Result is the promoted profile and the reasons it may not be installed yet.
type Result struct {
	Profile *profile.Profile
	// Added are the syscalls added, by name.
	Added []Seen
	// Used is the number of violations counted; Skipped those left out, by reason.
	Used    int
	Skipped map[string]int
	// CleanSince is the last time anything was logged, or ComplainSince when nothing
	// was; zero when neither is known.
	CleanSince time.Time
	Findings   []lint.Finding
	// Refused lists why the profile must not be promoted; empty means promote.
	Refused []string
}

// Promote builds the enforcing profile from the complain-mode profile p and the
// violations logged. It returns an error only for bad input; reasons to wait or to
// refuse are in Result.Refused.
func Promote(p *profile.Profile, vs []monitor.Violation, opts Options) (*Result, error) {
	if p.DefaultAction != profile.ActLog {
		return nil, fmt.Errorf("%w: defaultAction is %s, want SCMP_ACT_LOG (write it with 'k8s configmap --complain')", ErrNotComplain, p.DefaultAction)
	}
	if !opts.Enforced.DefaultAction.Valid() {
		return nil, fmt.Errorf("enforced default action not set")
	}
	switch opts.Enforced.DefaultAction {
	case profile.ActAllow, profile.ActLog:
		return nil, fmt.Errorf("enforced default action %s would deny nothing", opts.Enforced.DefaultAction)
	}
	res := &Result{Skipped: map[string]int{}}
	seen := map[string]*Seen{}
	for _, v := range vs {
		if why := skip(v, opts); why != "" {
			res.Skipped[why]++
			continue
		}
		res.Used++
		if v.Time.After(res.CleanSince) {
			res.CleanSince = v.Time
		}
		// A line of `k8s status --format json` stands for Count records, the first at First.
		first := v.Time
		if !v.First.IsZero() && v.First.Before(first) {
			first = v.First
		}
		s := seen[v.Syscall]
		if s == nil {
			s = &Seen{Syscall: v.Syscall, First: first, Last: v.Time}
			seen[v.Syscall] = s
		}
		s.Count += max(v.Count, 1)
		if first.Before(s.First) {
			s.First = first
		}
		if v.Time.After(s.Last) {
			s.Last = v.Time
		}
		s.Arches = addUnique(s.Arches, v.Arch)
		s.Nodes = addUnique(s.Nodes, v.Node)
		s.Where = addUnique(s.Where, where(v))
	}
	if res.CleanSince.IsZero() {
		res.CleanSince = opts.ComplainSince
	}

	out := p.Clone()
	out.DefaultAction = opts.Enforced.DefaultAction
	out.DefaultErrnoRet = opts.Enforced.DefaultErrnoRet
	out.DefaultErrno = ""
	for _, s := range seen {
		res.Added = append(res.Added, *s)
	}
	sort.Slice(res.Added, func(i, j int) bool { return res.Added[i].Syscall < res.Added[j].Syscall })
	var unnamed, dangerous []string
	for _, s := range res.Added {
		if _, ok := syscallNumber(s.Syscall); ok {
			unnamed = append(unnamed, s.Syscall+" on "+strings.Join(s.Arches, ","))
			continue
		}
		if why, ok := syscalls.Dangerous(s.Syscall); ok {
			dangerous = append(dangerous, s.Syscall+" ("+why+")")
		}
		out.Syscalls = append(out.Syscalls, profile.Rule{
			Names: []string{s.Syscall}, Action: profile.ActAllow, Comment: comment(s),
		})
	}
	res.Profile = out

	if len(unnamed) > 0 {
		res.Refused = append(res.Refused, fmt.Sprintf("logged syscalls the tables have no name for: %s; add them to the profile by hand", strings.Join(unnamed, "; ")))
	}
	if len(dangerous) > 0 && !opts.AllowDangerous {
		res.Refused = append(res.Refused, fmt.Sprintf("logged syscalls are dangerous: %s; pass --allow-dangerous to add them", strings.Join(dangerous, "; ")))
	}
	if opts.CleanFor > 0 {
		switch clean := opts.Now.Sub(res.CleanSince); {
		case res.CleanSince.IsZero():
			res.Refused = append(res.Refused, fmt.Sprintf("nothing was logged and the start of complain mode is unknown, so how long the profile has been clean cannot be told; --clean-for %s asks for that long (use the ConfigMap manifest 'k8s configmap --complain' wrote, or --clean-for 0)", opts.CleanFor))
		case clean < opts.CleanFor:
			res.Refused = append(res.Refused, fmt.Sprintf("clean for only %s (last logged at %s); --clean-for asks for %s", clean.Round(time.Second), res.CleanSince.UTC().Format(time.RFC3339), opts.CleanFor))
		}
	}
	fs, err := lint.Lint(out, lint.Options{Runtimes: opts.Runtimes})
	if err != nil {
		return nil, fmt.Errorf("linting the promoted profile: %w", err)
	}
	res.Findings = fs
	if n := lint.Count(fs, lint.Error); n > 0 {
		var msgs []string
		for _, f := range fs {
			if f.Severity == lint.Error {
				msgs = append(msgs, f.Rule+" "+f.Message)
			}
		}
		res.Refused = append(res.Refused, fmt.Sprintf("lint finds %d error(s) in the promoted profile (the agent would refuse it): %s", n, strings.Join(msgs, "; ")))
	}
	return res, nil
}

// skip says why v does not count for this profile, or "".
func skip(v monitor.Violation, opts Options) string {
	if v.Action != profile.ActLog.String() {
		return "not logged by SCMP_ACT_LOG (" + v.Action + ")"
	}
	if v.Profile != "" {
		if path.Base(v.Profile) != opts.Key {
			return "another profile"
		}
		return ""
	}
	if !opts.IncludeUnattributed {
		return "no known profile (pass --include-unattributed to count them)"
	}
	return ""
}

func where(v monitor.Violation) string {
	if v.Pod != "" {
		return v.Namespace + "/" + v.Pod + "/" + v.Name
	}
	who := v.Comm
	if who == "" {
		who = v.Exe
	}
	if who == "" {
		who = fmt.Sprintf("pid %d", v.PID)
	}
	return who + " (not in a pod)"
}

// comment says where and when s was logged, in the rule's comment.
func comment(s Seen) string {
	var b strings.Builder
	fmt.Fprintf(&b, "logged in complain mode %d time(s)", s.Count)
	if nodes := slices.DeleteFunc(slices.Clone(s.Nodes), func(n string) bool { return n == "" }); len(nodes) > 0 {
		fmt.Fprintf(&b, " on %s", clip(nodes, 5))
	}
	fmt.Fprintf(&b, " by %s; first %s, last %s", clip(s.Where, 5),
		s.First.UTC().Format(time.RFC3339), s.Last.UTC().Format(time.RFC3339))
	return b.String()
}

func clip(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:n], ", "), len(list)-n)
}

func addUnique(list []string, s string) []string {
	i, found := slices.BinarySearch(list, s)
	if found {
		return list
	}
	return slices.Insert(list, i, s)
}

// syscallNumber recognises the monitor's "syscall_<nr>" for numbers without a name.
func syscallNumber(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "syscall_")
	if !ok || rest == "" {
		return 0, false
	}
	n := 0
	for _, r := range rest {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}
