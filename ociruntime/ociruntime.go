// Package ociruntime knows what each OCI runtime calls after it has installed a
// container's seccomp filter and before the container's process runs, so that a profile
// can allow it. The lists were measured on Debian's runc 1.1.5 and crun 1.8.1 by
// ociruntime/measure; docs/runtime-syscalls.md says how.
package ociruntime

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/seccompctl/seccompctl/syscalls"
)

//go:embed measured/*.txt
var measuredFS embed.FS

// Sentinel errors callers branch on.
var (
	ErrUnknownRuntime  = errors.New("unknown OCI runtime")
	ErrUnsupportedArch = errors.New("no runtime syscall list for this architecture")
)

// Runtimes returns the runtimes with measured lists: "runc" and "crun".
func Runtimes() []string { return []string{"runc", "crun"} }

// Need is one syscall a runtime makes after installing the filter.
type Need struct {
	Name string `json:"name"`
	// Runs is how many of the measured runs made the call; 0 for a call added from the
	// runtime's source (Reason says why).
	Runs   int    `json:"runs,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Requirement is what one runtime needs on one architecture.
type Requirement struct {
	Runtime    string        `json:"runtime"`
	Version    string        `json:"version"`
	Arch       syscalls.Arch `json:"arch"`
	NoNewPrivs bool          `json:"noNewPrivs"`
	// Runs is the number of traced container starts the list comes from.
	Runs int `json:"runs"`
	// Derived is true when Arch was not measured: the x86_64 list with each call that
	// does not exist on Arch replaced by the call libcs use there instead.
	Derived bool   `json:"derived,omitempty"`
	Needs   []Need `json:"needs"`
}

// Names returns the syscall names of r, sorted.
func (r *Requirement) Names() []string {
	out := make([]string, len(r.Needs))
	for i, n := range r.Needs {
		out[i] = n.Name
	}
	return out
}

// Why returns a short explanation of why the runtime needs name, "" if it does not.
func (r *Requirement) Why(name string) string {
	for _, n := range r.Needs {
		if n.Name != name {
			continue
		}
		if n.Reason != "" {
			return n.Reason
		}
		return fmt.Sprintf("%s %s called it in %d of %d measured starts", r.Runtime, r.Version, n.Runs, r.Runs)
	}
	return ""
}

// Required returns the syscalls runtime ("runc" or "crun") makes on arch between
// installing the filter and exec'ing the container's process, with or without
// no_new_privs. A profile that denies any of them may stop the container from starting.
func Required(runtime string, arch syscalls.Arch, noNewPrivs bool) ([]string, error) {
	r, err := Lookup(runtime, arch, noNewPrivs)
	if err != nil {
		return nil, err
	}
	return r.Names(), nil
}

// Lookup is Required with the details: version, how often each call was seen, and
// whether the list for arch was measured or derived.
func Lookup(runtime string, arch syscalls.Arch, noNewPrivs bool) (*Requirement, error) {
	if !slices.Contains(Runtimes(), runtime) {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownRuntime, runtime, strings.Join(Runtimes(), ", "))
	}
	if !arch.Is64() || !syscalls.HasTable(arch) {
		return nil, fmt.Errorf("%w: %s (lists exist for 64-bit architectures)", ErrUnsupportedArch, arch)
	}
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	base := lists[key{runtime, noNewPrivs}]
	r := &Requirement{
		Runtime: base.Runtime, Version: base.Version, Arch: arch, NoNewPrivs: noNewPrivs,
		Runs: base.Runs, Needs: slices.Clone(base.Needs),
	}
	if arch != syscalls.X86_64 {
		r.Derived = true
		r.Needs = derive(r.Needs, arch)
	}
	return r, nil
}

// derive maps x86_64 names to arch: a name arch lacks becomes its replacement (open →
// openat) or is dropped when arch has neither.
func derive(needs []Need, arch syscalls.Arch) []Need {
	byName := map[string]Need{}
	for _, n := range needs {
		name := n.Name
		if !syscalls.Exists(arch, name) {
			r, ok := syscalls.Replacement(name)
			if !ok || !syscalls.Exists(arch, r) {
				continue
			}
			name = r
		}
		if _, dup := byName[name]; !dup {
			n.Name = name
			byName[name] = n
		}
	}
	out := make([]Need, 0, len(byName))
	for _, n := range byName {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

type key struct {
	runtime string
	nnp     bool
}

var (
	loadOnce sync.Once
	loadErr  error
	lists    map[key]*Requirement
)

func load() {
	lists = map[key]*Requirement{}
	goRuntime, err := parseReasons("measured/runc-go-runtime.txt")
	if err != nil {
		loadErr = err
		return
	}
	for _, rt := range Runtimes() {
		for _, nnp := range []bool{true, false} {
			suffix := "nnp"
			if !nnp {
				suffix = "no-nnp"
			}
			path := fmt.Sprintf("measured/%s-x86_64-%s.txt", rt, suffix)
			r, err := parseList(path)
			if err != nil {
				loadErr = err
				return
			}
			if rt == "runc" {
				r.Needs = addNeeds(r.Needs, goRuntime)
			}
			lists[key{rt, nnp}] = r
		}
	}
}

// parseList reads a file ociruntime/measure wrote: "# field: value" headers, then
// "syscall runs" lines.
func parseList(path string) (*Requirement, error) {
	f, err := measuredFS.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &Requirement{Arch: syscalls.X86_64}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if h, ok := strings.CutPrefix(text, "#"); ok {
			k, v, _ := strings.Cut(h, ":")
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "runtime":
				r.Runtime = v
			case "version":
				r.Version = v
			case "no_new_privs":
				r.NoNewPrivs = v == "true"
			case "runs":
				r.Runs, _ = strconv.Atoi(v)
			}
			continue
		}
		f := strings.Fields(text)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"syscall runs\"", path, line)
		}
		runs, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if !syscalls.Exists(syscalls.X86_64, f[0]) {
			return nil, fmt.Errorf("%s:%d: %q is not an x86_64 syscall", path, line, f[0])
		}
		r.Needs = append(r.Needs, Need{Name: f[0], Runs: runs})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if r.Runtime == "" || r.Runs == 0 || len(r.Needs) == 0 {
		return nil, fmt.Errorf("%s: missing runtime, runs or syscalls", path)
	}
	return r, nil
}

// parseReasons reads "syscall reason..." lines.
func parseReasons(path string) ([]Need, error) {
	data, err := measuredFS.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Need
	for i, text := range strings.Split(string(data), "\n") {
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, reason, _ := strings.Cut(text, " ")
		reason = strings.TrimSpace(reason)
		if reason == "" || !syscalls.Exists(syscalls.X86_64, name) {
			return nil, fmt.Errorf("%s:%d: want \"syscall reason\" with an x86_64 syscall", path, i+1)
		}
		out = append(out, Need{Name: name, Reason: "the Go runtime in runc init: " + reason})
	}
	return out, nil
}

// addNeeds adds the calls of extra that needs lacks; measured entries win.
func addNeeds(needs, extra []Need) []Need {
	have := map[string]bool{}
	for _, n := range needs {
		have[n.Name] = true
	}
	out := slices.Clone(needs)
	for _, n := range extra {
		if !have[n.Name] {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
