package probe

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// ErrNotSupported is returned where the kernel probe cannot run (not Linux); it wraps
// syscalls.ErrNotSupported.
var ErrNotSupported = fmt.Errorf("probing syscalls under a filter needs Linux: %w", syscalls.ErrNotSupported)

// Options say what to probe.
type Options struct {
	// Expect lists the calls that must be allowed and denied; nil probes every
	// syscall the profile names, without expectations.
	Expect *Expectations
	// Cmd, when set, is run under the profile: it must start and exit 0.
	Cmd []string
	// Timeout bounds Cmd; zero means 30 seconds.
	Timeout time.Duration
	// Caps is the container's capability set for includes/excludes; nil means
	// profile.DefaultCaps().
	Caps []string
}

// planned is one call of the run.
type planned struct {
	call   Call
	expect string
	nr     int
	args   [6]uint64
	kernel bool
	res    Result
}

// Run compiles p for this machine and probes it.
func Run(p *profile.Profile, opts Options) (*Report, error) {
	arch := syscalls.Native()
	caps := opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	f, err := filter.Compile(p, filter.Options{Native: arch, Caps: caps})
	if err != nil {
		return nil, fmt.Errorf("compiling: %w", err)
	}
	var wantErrno int
	if opts.Expect != nil && opts.Expect.Errno != "" {
		n, ok := ErrnoNumber(string(opts.Expect.Errno))
		if !ok {
			return nil, fmt.Errorf("unknown errno %q", opts.Expect.Errno)
		}
		wantErrno = n
	}
	plan, err := makePlan(p, f, arch, opts.Expect)
	if err != nil {
		return nil, err
	}
	var nrs []int
	var args [][6]uint64
	var kernelIdx []int
	for i := range plan {
		if plan[i].kernel {
			nrs = append(nrs, plan[i].nr)
			args = append(args, plan[i].args)
			kernelIdx = append(kernelIdx, i)
		}
	}
	if len(nrs) > 0 {
		runs, err := runKernel(f, nrs, args)
		if err != nil {
			return nil, err
		}
		for j, i := range kernelIdx {
			applyKernel(&plan[i].res, runs[j])
		}
	}
	rep := &Report{Arch: arch.String()}
	if p.Source != nil {
		rep.Profile = p.Source.File
	}
	for i := range plan {
		r := &plan[i].res
		r.Mismatch = mismatch(r, wantErrno)
		if r.Mismatch {
			rep.Mismatches++
		}
		rep.Results = append(rep.Results, *r)
	}
	if len(opts.Cmd) > 0 {
		timeout := opts.Timeout
		if timeout == 0 {
			timeout = 30 * time.Second
		}
		c, err := runCommand(f, opts.Cmd, timeout)
		if err != nil {
			return nil, err
		}
		c.Mismatch = !c.Started || c.ExitCode != 0 || c.Signal != "" || c.Error != ""
		if c.Mismatch {
			rep.Mismatches++
		}
		rep.Cmd = c
	}
	return rep, nil
}

func makePlan(p *profile.Profile, f *filter.Filter, arch syscalls.Arch, exp *Expectations) ([]planned, error) {
	var plan []planned
	add := func(s, expect string) error {
		c, err := ParseCall(s)
		if err != nil {
			return err
		}
		plan = append(plan, planned{call: c, expect: expect})
		return nil
	}
	if exp != nil {
		for _, s := range exp.Allow {
			if err := add(s, "allow"); err != nil {
				return nil, err
			}
		}
		for _, s := range exp.Deny {
			if err := add(s, "deny"); err != nil {
				return nil, err
			}
		}
	} else {
		seen := map[string]bool{}
		for _, r := range p.Syscalls {
			for _, n := range r.AllNames() {
				if !seen[n] && syscalls.Exists(arch, n) {
					seen[n] = true
					add(n, "")
				}
			}
		}
	}
	for i := range plan {
		pl := &plan[i]
		pl.res = Result{Call: pl.call.String(), Expect: pl.expect, Method: Interpreter, Nr: -1}
		nr, ok := syscalls.Number(arch, pl.call.Name)
		if !ok {
			pl.res.Outcome = Unknown
			pl.res.Note = fmt.Sprintf("not a syscall on %s", arch)
			if !syscalls.Known(pl.call.Name) {
				if s := syscalls.Suggest(arch, pl.call.Name); len(s) > 0 {
					pl.res.Note += fmt.Sprintf(" (did you mean %s?)", s[0])
				}
			}
			continue
		}
		pl.nr, pl.res.Nr = nr, nr
		harmlessArgs, known := harmless[pl.call.Name]
		switch {
		case pl.call.Args != nil:
			copy(pl.args[:], pl.call.Args)
		case known:
			copy(pl.args[:], harmlessArgs)
		}
		d, err := f.Explain(arch, nr, pl.args)
		if err != nil {
			return nil, err
		}
		pl.res.Action = d.Action
		pl.res.Outcome, pl.res.Errno = interpret(d.Ret)
		if reason, ok := syscalls.Dangerous(pl.call.Name); ok {
			pl.res.Note = "dangerous, not run: " + reason
			continue
		}
		if why, ok := interpreterOnly[pl.call.Name]; ok {
			pl.res.Note = "not run: " + why
			continue
		}
		if !known && pl.call.Args == nil {
			pl.res.Note = "not run: no harmless arguments known"
			continue
		}
		pl.kernel = true
		pl.res.Method = Kernel
	}
	return plan, nil
}

// interpret says what a filter return value does to the caller. TRACE and USER_NOTIF
// without a tracer or listener fail with ENOSYS.
func interpret(ret uint32) (Outcome, string) {
	switch bpf.ActionOf(ret) {
	case bpf.Action(bpf.RetAllow), bpf.Action(bpf.RetLog):
		return Allowed, ""
	case bpf.Action(bpf.RetErrno):
		return Denied, ErrnoName(int(ret & bpf.RetData))
	case bpf.Action(bpf.RetTrace), bpf.Action(bpf.RetUserNotif):
		return Denied, "ENOSYS"
	}
	return Killed, ""
}

// applyKernel replaces the interpreter's prediction with what the kernel did, and notes
// any disagreement (which would be a compiler bug).
func applyKernel(r *Result, k kernelRun) {
	predicted, predErrno := r.Outcome, r.Errno
	switch {
	case k.state != stateDone:
		r.Outcome, r.Errno = Killed, ""
		switch {
		case k.threadKilled:
			r.Note = "the calling thread was killed"
		case k.signal != 0:
			r.Note = "killed by " + signalName(k.signal)
		}
	case k.filtered == k.baseline || (k.filtered >= 0 && k.baseline >= 0):
		// Equal, or both succeeded (a new fd may get another number).
		if predicted == Denied && k.filtered == -int64(errnoOrZero(predErrno)) {
			// Same errno with and without the filter: the kernel run cannot tell.
			r.Note = "the call fails with " + predErrno + " without the filter too; outcome from the interpreter"
			return
		}
		r.Outcome, r.Errno = Allowed, ""
	case k.filtered < 0:
		r.Outcome, r.Errno = Denied, ErrnoName(int(-k.filtered))
	default:
		r.Outcome = Unknown
		r.Note = fmt.Sprintf("returned %d under the filter, %d without", k.filtered, k.baseline)
	}
	if r.Outcome != predicted || r.Errno != predErrno {
		r.Note = fmt.Sprintf("the kernel and the interpreter disagree (interpreter: %s %s)", predicted, predErrno)
	}
}

func errnoOrZero(name string) int {
	n, _ := ErrnoNumber(name)
	return n
}

func mismatch(r *Result, wantErrno int) bool {
	switch r.Expect {
	case "allow":
		return r.Outcome != Allowed
	case "deny":
		if r.Outcome != Denied && r.Outcome != Killed {
			return true
		}
		if wantErrno != 0 {
			n, _ := ErrnoNumber(r.Errno)
			return r.Outcome != Denied || n != wantErrno
		}
	}
	return false
}

// ErrnoNumber parses an errno name (EPERM) or number.
func ErrnoNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n <= bpf.MaxErrno {
		return n, true
	}
	for n := 1; n <= 200; n++ {
		if ErrnoName(n) == s {
			return n, true
		}
	}
	return 0, false
}

// Sorted returns the results ordered: mismatches first, then by expectation and name.
func (r *Report) Sorted() []Result {
	out := slices.Clone(r.Results)
	slices.SortStableFunc(out, func(a, b Result) int {
		if a.Mismatch != b.Mismatch {
			if a.Mismatch {
				return -1
			}
			return 1
		}
		return 0
	})
	return out
}
