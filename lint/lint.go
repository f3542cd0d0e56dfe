package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Severity ranks findings.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// ParseSeverity parses "error", "warning" or "info".
func ParseSeverity(s string) (Severity, error) {
	for _, v := range []Severity{Info, Warning, Error} {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Runtimes lists the --runtime values lint understands. containerd starts containers
// with runc; CRI-O with runc or crun.
func Runtimes() []string { return []string{"runc", "crun", "containerd", "cri-o"} }

// ociRuntimes maps a lint runtime to the OCI runtimes whose measured needs apply.
func ociRuntimes(rt string) []string {
	switch rt {
	case "containerd":
		return []string{"runc"}
	case "cri-o":
		return []string{"runc", "crun"}
	}
	return []string{rt}
}

// Options say what the profile is checked for.
type Options struct {
	// Runtimes the profile must work with (see Runtimes); empty means all of them.
	Runtimes []string
	// Arches are the node architectures to check; empty means the profile's own
	// (architectures or archMap), or the native architecture when it names none.
	Arches []syscalls.Arch
	// NoNewPrivs says the container runs with no_new_privs (allowPrivilegeEscalation:
	// false); the runtime then installs the filter later and needs fewer syscalls.
	NoNewPrivs bool
	// Caps is the container's capability set includes/excludes are evaluated with; nil
	// means profile.DefaultCaps(), what a container gets when it asks for nothing.
	Caps []string
	// Kernel is the node's kernel release for minKernel; empty means a recent one.
	Kernel string
	// Baseline is what "more permissive than the runtime default" compares with; nil
	// means profile.RuntimeDefault().
	Baseline *profile.Profile
	// Disable lists rule IDs not to run.
	Disable []string
	// Reachable are the syscalls static analysis found the profile's programs can make
	// (lint --binary); SC8001 reports those the profile denies.
	Reachable []Reachable
}

// Reachable is a syscall a program can make, found by static analysis.
type Reachable struct {
	Arch syscalls.Arch
	Name string
	// Binary is the program analyzed; Why how it reaches the call ("reachable from
	// sendfile64 in libc.so.6, called by ...").
	Binary, Why string
}

// Finding is one problem found in a profile.
type Finding struct {
	Rule     string   `json:"rule"`
	Name     string   `json:"name"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	// Path is the JSON path of what the finding is about ("syscalls[3].args[0]").
	Path    string `json:"path,omitempty"`
	Syscall string `json:"syscall,omitempty"`
}

// Location returns "file:line:col", "file" or "" — what the text output starts with.
func (f Finding) Location() string {
	switch {
	case f.File == "":
		return ""
	case f.Line == 0:
		return f.File
	case f.Column == 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
}

func (f Finding) String() string {
	loc := f.Location()
	if loc != "" {
		loc += ": "
	}
	return fmt.Sprintf("%s%s %s: %s", loc, f.Severity, f.Rule, f.Message)
}

// Lint checks p and returns its findings sorted by position, then rule.
func Lint(p *profile.Profile, opts Options) ([]Finding, error) {
	for _, rt := range opts.Runtimes {
		if !slices.Contains(Runtimes(), rt) {
			return nil, fmt.Errorf("unknown runtime %q (want one of %s)", rt, strings.Join(Runtimes(), ", "))
		}
	}
	for _, id := range opts.Disable {
		if _, ok := Lookup(id); !ok {
			return nil, fmt.Errorf("unknown rule %q", id)
		}
	}
	ps, err := newPass(p, opts)
	if err != nil {
		return nil, err
	}
	// Some checks report several rule IDs (checkArgs runs under SC3001, checkRuleSets
	// under SC7002): those always run, and findings of disabled rules are filtered out.
	for _, r := range catalogue {
		if slices.Contains(opts.Disable, r.ID) && r.ID != "SC3001" && r.ID != "SC7002" {
			continue
		}
		ps.rule = r
		r.check(ps)
	}
	out := slices.DeleteFunc(ps.findings, func(f Finding) bool { return slices.Contains(opts.Disable, f.Rule) })
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
	return slices.CompactFunc(out, func(a, b Finding) bool { return a == b }), nil
}

// Count returns the number of findings at or above sev.
func Count(fs []Finding, sev Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity >= sev {
			n++
		}
	}
	return n
}

// runtimeNeeds is what the selected runtimes call after installing the filter, per
// syscall, for one architecture.
func (ps *pass) runtimeNeeds(arch syscalls.Arch) map[string][]string {
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, rt := range ps.runtimes {
		for _, oci := range ociRuntimes(rt) {
			if seen[oci] {
				continue
			}
			seen[oci] = true
			req, err := ociruntime.Lookup(oci, arch, ps.opts.NoNewPrivs)
			if err != nil {
				continue // no list for this arch: nothing to check
			}
			label := req.Runtime + " " + shortVersion(req.Version)
			for _, n := range req.Names() {
				out[n] = append(out[n], label)
			}
		}
	}
	return out
}

// shortVersion drops Debian's "+ds1" from "1.1.5+ds1".
func shortVersion(v string) string {
	if i := strings.IndexByte(v, '+'); i > 0 {
		return v[:i]
	}
	return v
}
