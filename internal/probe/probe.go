// Package probe runs system calls under a compiled seccomp filter in the real kernel and
// says what the filter did with each, for `seccompctl test`. Calls whose harmless
// arguments are not known, and dangerous ones, are only evaluated by the BPF
// interpreter, and the results say so.
package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Expectations say what a profile must allow and deny: the YAML file of --expect.
//
//	allow: [read, write, "socket(1, 1, 0)"]
//	deny: [mount, ptrace]
//	errno: EPERM
type Expectations struct {
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
	// Errno is what denied calls must fail with ("EPERM" or a number); empty accepts
	// any denial.
	Errno Errno `json:"errno,omitempty"`
}

// Errno is an errno given by name or number.
type Errno string

func (e *Errno) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*e = Errno(strconv.Itoa(n))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("errno must be a name (EPERM) or a number")
	}
	*e = Errno(strings.TrimSpace(s))
	return nil
}

// ParseExpectations reads an expectations file (YAML or JSON). Unknown fields are
// errors, so a typo ("denny") does not silently expect nothing.
func ParseExpectations(name string, data []byte) (*Expectations, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var e Expectations
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%s: %w (want allow: [...], deny: [...], errno: EPERM)", name, err)
	}
	if len(e.Allow) == 0 && len(e.Deny) == 0 {
		// An empty file would pass every profile.
		return nil, fmt.Errorf("%s: expects nothing: list syscalls under allow: and deny:", name)
	}
	expected := map[string]string{}
	for _, list := range []struct {
		key   string
		calls []string
	}{{"allow", e.Allow}, {"deny", e.Deny}} {
		for _, s := range list.calls {
			c, err := ParseCall(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", name, list.key, err)
			}
			k := c.String()
			if prev, ok := expected[k]; ok && prev != list.key {
				return nil, fmt.Errorf("%s: %s is under both allow and deny: keep one", name, k)
			}
			expected[k] = list.key
		}
	}
	if e.Errno != "" {
		if _, ok := ErrnoNumber(string(e.Errno)); !ok {
			return nil, fmt.Errorf("%s: errno: unknown errno %q (want a name such as EPERM, or a number)", name, e.Errno)
		}
	}
	return &e, nil
}

// Call is a syscall to probe, optionally with the arguments to pass.
type Call struct {
	Name string
	// Args, when set, replace the probe's harmless arguments: "socket(1, 1, 0)".
	Args []uint64
}

func (c Call) String() string {
	if c.Args == nil {
		return c.Name
	}
	s := make([]string, len(c.Args))
	for i, a := range c.Args {
		s[i] = strconv.FormatUint(a, 10)
	}
	return c.Name + "(" + strings.Join(s, ", ") + ")"
}

// ParseCall parses "name" or "name(a, b, ...)" with up to six numeric arguments
// (decimal, 0x hex, or negative numbers as two's complement).
func ParseCall(s string) (Call, error) {
	s = strings.TrimSpace(s)
	name, rest, hasArgs := strings.Cut(s, "(")
	name = strings.TrimSpace(name)
	if name == "" {
		return Call{}, fmt.Errorf("empty syscall name in %q", s)
	}
	c := Call{Name: name}
	if !hasArgs {
		return c, nil
	}
	inner, ok := strings.CutSuffix(strings.TrimSpace(rest), ")")
	if !ok {
		return Call{}, fmt.Errorf("%q: missing ')'", s)
	}
	c.Args = []uint64{}
	if strings.TrimSpace(inner) == "" {
		return c, nil
	}
	for _, f := range strings.Split(inner, ",") {
		f = strings.TrimSpace(f)
		var v uint64
		if n, err := strconv.ParseInt(f, 0, 64); err == nil {
			v = uint64(n)
		} else if u, err := strconv.ParseUint(f, 0, 64); err == nil {
			v = u
		} else {
			return Call{}, fmt.Errorf("%q: argument %q is not a number", s, f)
		}
		c.Args = append(c.Args, v)
	}
	if len(c.Args) > 6 {
		return Call{}, fmt.Errorf("%q: a syscall has at most 6 arguments", s)
	}
	return c, nil
}

// Outcome is what happened to one call.
type Outcome string

// Outcomes.
const (
	Allowed Outcome = "allowed" // the call reached the kernel (ALLOW, LOG)
	Denied  Outcome = "denied"  // it failed with an errno the filter chose (ERRNO, or TRACE/USER_NOTIF without a listener)
	Killed  Outcome = "killed"  // the thread or process was killed (KILL_*, TRAP's SIGSYS)
	Unknown Outcome = "unknown" // the probe could not tell
)

// Method says how a result was obtained.
type Method string

// Methods.
const (
	Kernel      Method = "kernel"      // the call was made under the installed filter
	Interpreter Method = "interpreter" // the compiled program was run over the call by the BPF interpreter
)

// Result is the outcome of one probed call.
type Result struct {
	Call    string  `json:"syscall"`
	Nr      int     `json:"nr"`
	Expect  string  `json:"expect,omitempty"` // "allow", "deny" or ""
	Outcome Outcome `json:"outcome"`
	// Errno is the errno of a denied call ("EPERM").
	Errno string `json:"errno,omitempty"`
	// Action is what the interpreter says the filter returns (ERRNO(1), ALLOW ...).
	Action string `json:"action"`
	Method Method `json:"method"`
	// Note says why the interpreter was used, or what the kernel run showed.
	Note     string `json:"note,omitempty"`
	Mismatch bool   `json:"mismatch"`
}

// CmdResult says whether a command started and exited 0 under the profile.
type CmdResult struct {
	Command []string `json:"command"`
	// Runtime is the OCI runtime the command ran in, "" when it ran directly.
	Runtime  string `json:"runtime,omitempty"`
	Started  bool   `json:"started"`
	ExitCode int    `json:"exitCode"`
	Signal   string `json:"signal,omitempty"`
	// Error is why the command did not start or finish ("exec: operation not permitted").
	Error    string `json:"error,omitempty"`
	Mismatch bool   `json:"mismatch"`
}

// Report is the outcome of a `seccompctl test` run.
type Report struct {
	Profile    string     `json:"profile"`
	Arch       string     `json:"arch"`
	Results    []Result   `json:"results"`
	Cmd        *CmdResult `json:"cmd,omitempty"`
	Mismatches int        `json:"mismatches"`
}
