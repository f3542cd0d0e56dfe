package agent

import (
	"fmt"
	"strings"
	"sync"

	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// LintError lists the lint errors that kept a profile off the node.
type LintError struct {
	Findings []lint.Finding
}

func (e *LintError) Error() string {
	var parts []string
	for i, f := range e.Findings {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Findings)-3))
			break
		}
		loc := f.Path
		if f.Line > 0 {
			loc = fmt.Sprintf("line %d", f.Line)
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s", loc, f.Rule, f.Message))
	}
	return fmt.Sprintf("lint found %d error(s): %s", len(e.Findings), strings.Join(parts, "; "))
}

// LintValidator checks that data is a Docker/OCI JSON profile (what the kubelet reads)
// and that lint finds no error in it for the runtimes named (all when none) on this
// node's architecture and kernel. Warnings do not block an install.
func LintValidator(runtimes []string, kernel string) Validator {
	return func(name string, data []byte) error {
		p, err := profile.Parse(name, data)
		if err != nil {
			return err
		}
		if p.Source != nil && p.Source.Format != profile.FormatJSON {
			return fmt.Errorf("%s: the kubelet reads JSON profiles; this one is %s (convert it with seccompctl k8s configmap)", name, p.Source.Format)
		}
		fs, err := lint.Lint(p, lint.Options{Runtimes: runtimes, Arches: []syscalls.Arch{syscalls.Native()}, Kernel: kernel})
		if err != nil {
			return err
		}
		var errs []lint.Finding
		for _, f := range fs {
			if f.Severity >= lint.Error {
				errs = append(errs, f)
			}
		}
		if len(errs) > 0 {
			return &LintError{Findings: errs}
		}
		return nil
	}
}

// cachedValidator remembers verdicts by content digest: a sync re-plans every
// ConfigMap, and a thousand unchanged profiles should not be linted again.
type cachedValidator struct {
	v    Validator
	mu   sync.Mutex
	seen map[string]error
	used map[string]bool
}

func newCachedValidator(v Validator) *cachedValidator {
	return &cachedValidator{v: v, seen: map[string]error{}, used: map[string]bool{}}
}

// plain checks without the cache (tests).
func (v Validator) plain(name, _ string, data string) error { return v(name, []byte(data)) }

func (c *cachedValidator) validate(name, sha, data string) error {
	key := name + "\x00" + sha
	c.mu.Lock()
	err, ok := c.seen[key]
	c.used[key] = true
	c.mu.Unlock()
	if ok {
		return err
	}
	err = c.v(name, []byte(data))
	c.mu.Lock()
	c.seen[key] = err
	c.mu.Unlock()
	return err
}

// prune forgets verdicts not used since the last prune.
func (c *cachedValidator) prune() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.seen {
		if !c.used[k] {
			delete(c.seen, k)
		}
	}
	c.used = map[string]bool{}
}
