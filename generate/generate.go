package generate

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// EPERM is the errno a denied syscall returns unless Options.Errno says otherwise.
const EPERM = 1

// Options control how a recording becomes a profile. The zero value gives a profile that
// answers every unrecorded syscall with EPERM, for the architectures recorded.
type Options struct {
	// DefaultAction answers syscalls the recording did not see; ActInvalid means
	// SCMP_ACT_ERRNO.
	DefaultAction profile.Action
	// Errno is the errno of SCMP_ACT_ERRNO; 0 means EPERM.
	Errno uint
	// Arches are the architectures the profile is for. Empty means those recorded.
	// A syscall recorded on one arch that does not exist on another is translated to
	// the call that replaces it there (open → openat on aarch64).
	Arches []syscalls.Arch
	// Runtime is "runc" or "crun" to also allow what that OCI runtime calls after it
	// installs the filter, so the container starts; "" or "none" adds nothing.
	Runtime string
	// Runtimes are more OCI runtimes whose needs are added as Runtime's are: for a
	// profile that runs on nodes with different runtimes, or when which one a node
	// uses cannot be told.
	Runtimes []string
	// NoNewPrivs says the container runs with no_new_privs (Kubernetes
	// allowPrivilegeEscalation: false): runc then installs the filter later and needs
	// fewer calls.
	NoNewPrivs bool
	// Comments records in each rule which executables made the call and how often.
	Comments bool
	// Args emits conditional rules from recorded argument values. Without it, syscalls
	// are allowed whatever their arguments.
	Args bool
	// Complete adds what static analysis found the program can reach and the recording
	// did not see, one rule each saying why. Syscalls for which Withhold returns true
	// (lint's dangerous catalogue) are never added: the report lists them instead.
	Complete []Reachable
	Withhold func(name string) (reason string, withheld bool)
}

// Report says what Profile did besides copying the recording.
type Report struct {
	// Allowed is the number of distinct syscall names the profile allows.
	Allowed int
	// Translated lists names replaced for an arch that lacks them ("open → openat (aarch64)").
	Translated []string
	// Dropped lists recorded names that exist on no target arch, or that the tables
	// don't know (syscall_N).
	Dropped []string
	// RuntimeAdded lists the names added for the OCI runtime.
	RuntimeAdded []string
	// Conditional is the number of syscalls allowed only for recorded argument values.
	Conditional int
	// Completed lists the names added from Options.Complete; Withheld those not added
	// because Options.Withhold held them back.
	Completed []string
	Withheld  []Withheld
}

// ErrEmpty is returned for a recording without any syscall.
var ErrEmpty = errors.New("the recording holds no syscalls")

// ParseDefaultAction reads a --default-action value: errno, kill, kill_process,
// kill_thread, trap, log, trace, or an SCMP_ACT_* name.
func ParseDefaultAction(s string) (profile.Action, error) {
	short := map[string]profile.Action{
		"errno": profile.ActErrno, "kill": profile.ActKillProcess, "kill_process": profile.ActKillProcess,
		"kill_thread": profile.ActKillThread, "trap": profile.ActTrap, "log": profile.ActLog, "trace": profile.ActTrace,
	}
	if a, ok := short[strings.ReplaceAll(strings.ToLower(s), "-", "_")]; ok {
		return a, nil
	}
	a, err := profile.ParseAction(strings.ToUpper(s))
	if err != nil {
		return profile.ActInvalid, fmt.Errorf("unknown default action %q (want errno, kill, kill_thread, trap, log or trace)", s)
	}
	if a == profile.ActAllow || a == profile.ActNotify {
		return profile.ActInvalid, fmt.Errorf("default action %s would not restrict anything a profile can express here", a)
	}
	return a, nil
}

// Profile turns a recording into a profile that allows what was recorded and answers
// everything else with the default action. The output depends only on the recording and
// the options: rules, names and comments are sorted.
func Profile(rec *record.Recording, opts Options) (*profile.Profile, *Report, error) {
	if rec == nil || len(rec.Calls) == 0 {
		return nil, nil, ErrEmpty
	}
	if opts.DefaultAction == profile.ActInvalid {
		opts.DefaultAction = profile.ActErrno
	}
	if opts.Errno == 0 {
		opts.Errno = EPERM
	}
	arches := opts.Arches
	if len(arches) == 0 {
		arches = rec.Arches()
	}
	arches = normalizeArches(arches)
	for _, a := range arches {
		if !syscalls.HasTable(a) {
			return nil, nil, fmt.Errorf("no syscall table for %s", a)
		}
	}

	b := newBuilder(arches, opts)
	for _, s := range rec.Syscalls() {
		b.add(s)
	}
	for _, rt := range runtimesOf(opts) {
		if err := b.addRuntime(rt, opts.NoNewPrivs); err != nil {
			return nil, nil, err
		}
	}
	b.addEssentials()
	b.addComplete(opts.Complete, opts.Withhold)

	p := &profile.Profile{DefaultAction: opts.DefaultAction, Architectures: arches}
	if opts.DefaultAction == profile.ActErrno {
		e := opts.Errno
		p.DefaultErrnoRet = &e
	}
	p.Syscalls = b.rules()
	b.report.Allowed = len(b.allowedNames())
	return p, &b.report, nil
}

// runtimesOf lists the OCI runtimes of opts, sorted, without "none" and duplicates.
func runtimesOf(opts Options) []string {
	var out []string
	for _, rt := range append([]string{opts.Runtime}, opts.Runtimes...) {
		if rt != "" && rt != "none" {
			out = append(out, rt)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normalizeArches sorts and dedups.
func normalizeArches(in []syscalls.Arch) []syscalls.Arch {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// use is what the recording says about one syscall name across arches.
type use struct {
	name  string
	count uint64
	exes  map[string]uint64
	// via lists recorded names this one stands for on some arch ("open (x86_64)").
	via map[string]bool
	// argSets are the recorded argument values (only kept with Options.Args), and
	// unconditional is set when some call had none: then any arguments are allowed.
	argSets       map[record.ArgSet]uint64
	unconditional bool
	// merged marks the recorded (arch, name) pairs already counted, so a syscall
	// placed on several target arches is counted once.
	merged map[string]bool
}

type builder struct {
	arches  []syscalls.Arch
	opts    Options
	uses    map[string]*use
	runtime map[string]string // name → why, for names only the runtime needs
	essence map[string]string
	static  map[string]string // name → why, for names only completion adds
	report  Report
}

func newBuilder(arches []syscalls.Arch, opts Options) *builder {
	return &builder{arches: arches, opts: opts, uses: map[string]*use{}, runtime: map[string]string{}, essence: map[string]string{}, static: map[string]string{}}
}

func (b *builder) use(name string) *use {
	u := b.uses[name]
	if u == nil {
		u = &use{name: name, exes: map[string]uint64{}, via: map[string]bool{}, argSets: map[record.ArgSet]uint64{}, merged: map[string]bool{}}
		b.uses[name] = u
	}
	return u
}

// add places one recorded syscall on every target arch.
func (b *builder) add(s record.Syscall) {
	if !syscalls.Known(s.Name) {
		b.report.Dropped = appendUnique(b.report.Dropped, fmt.Sprintf("%s (%s): unknown syscall", s.Name, s.Arch.Name()))
		return
	}
	placed := false
	for _, target := range b.arches {
		if !sameABIFamily(s.Arch, target) {
			continue
		}
		name, ok := nameOn(target, s.Name)
		if !ok {
			continue
		}
		if name != s.Name {
			b.report.Translated = appendUnique(b.report.Translated, fmt.Sprintf("%s → %s (%s)", s.Name, name, target.Name()))
		}
		placed = true
		u := b.use(name)
		if name != s.Name {
			u.via[s.Name] = true
		}
		b.merge(u, s, name)
	}
	if !placed {
		names := make([]string, len(b.arches))
		for i, a := range b.arches {
			names[i] = a.Name()
		}
		b.report.Dropped = appendUnique(b.report.Dropped, fmt.Sprintf("%s (%s): not on %s", s.Name, s.Arch.Name(), strings.Join(names, ", ")))
	}
}

// nameOn is the name a call recorded as name has on target: the same name, or its
// replacement where target lacks it (open → openat on aarch64); false when neither exists.
func nameOn(target syscalls.Arch, name string) (string, bool) {
	if syscalls.Exists(target, name) {
		return name, true
	}
	r, ok := syscalls.Replacement(name)
	if !ok || !syscalls.Exists(target, r) {
		return "", false
	}
	return r, true
}

// sameABIFamily reports whether a call recorded on arch a belongs on target t: the same
// arch, or another with the same word size. A 32-bit (compat) program's calls are not
// translated into 64-bit ones, nor the other way round; x32 stands alone.
func sameABIFamily(a, t syscalls.Arch) bool {
	if a == t {
		return true
	}
	if a == syscalls.X32 || t == syscalls.X32 {
		return false
	}
	return a.Is64() == t.Is64()
}

// merge adds s's counts to u once per recorded arch (not once per target arch).
func (b *builder) merge(u *use, s record.Syscall, as string) {
	key := s.Arch.String() + "/" + s.Name
	if u.merged[key] {
		return
	}
	u.merged[key] = true
	u.count += s.Count
	for _, e := range s.Executables {
		u.exes[e.Value] += e.Count
	}
	if !b.opts.Args || s.Unconditional > 0 || len(s.ArgSets) == 0 {
		u.unconditional = true
		return
	}
	for _, as2 := range s.ArgSets {
		set, ok := translateArgs(s.Name, as, as2.Value)
		if !ok {
			u.unconditional = true
			continue
		}
		u.argSets[set] += as2.Count
	}
}

// translateArgs moves an ArgSet recorded for from onto to (open's flags are argument 1,
// openat's argument 2). It fails when to has no matching argument spec.
func translateArgs(from, to string, set record.ArgSet) (record.ArgSet, bool) {
	if from == to {
		return set, true
	}
	fromSpecs, toSpecs := record.ArgSpecs[from], record.ArgSpecs[to]
	var out []record.ArgValue
	for _, v := range set.Values() {
		var what string
		for _, s := range fromSpecs {
			if s.Index == v.Index && s.Mask == v.Mask {
				what = s.What
			}
		}
		found := false
		for _, s := range toSpecs {
			if s.What == what && s.Mask == v.Mask {
				out = append(out, record.ArgValue{Index: s.Index, Mask: v.Mask, Value: v.Value})
				found = true
			}
		}
		if !found {
			return record.ArgSet{}, false
		}
	}
	return record.NewArgSet(out...), true
}

func (b *builder) addRuntime(rt string, nnp bool) error {
	for _, a := range b.arches {
		if !a.Is64() {
			// The runtime runs natively; compat arches carry only what was recorded.
			continue
		}
		req, err := ociruntime.Lookup(rt, a, nnp)
		if err != nil {
			return fmt.Errorf("--runtime %s: %w", rt, err)
		}
		for _, n := range req.Needs {
			if _, recorded := b.uses[n.Name]; recorded {
				continue
			}
			if _, dup := b.runtime[n.Name]; !dup {
				b.runtime[n.Name] = req.Why(n.Name)
				b.report.RuntimeAdded = append(b.report.RuntimeAdded, n.Name)
			}
		}
	}
	slices.Sort(b.report.RuntimeAdded)
	return nil
}

// addEssentials allows exit and exit_group whatever was recorded: a denied exit makes
// the libc retry forever instead of ending the thread. And restart_syscall once a call
// the kernel resumes with it is allowed: the kernel makes it, not the program, so no
// recording of a run without a signal or stop at the wrong moment sees it.
func (b *builder) addEssentials() {
	if b.opts.DefaultAction == profile.ActLog || b.opts.DefaultAction == profile.ActTrace {
		return
	}
	for _, name := range []string{"exit", "exit_group"} {
		_, recorded := b.uses[name]
		_, rt := b.runtime[name]
		if recorded || rt {
			continue
		}
		for _, a := range b.arches {
			if syscalls.Exists(a, name) {
				b.essence[name] = exitComment
				break
			}
		}
	}
	if b.allowed("restart_syscall") {
		return
	}
	for _, name := range syscalls.RestartedBy() {
		_, recorded := b.uses[name]
		_, rt := b.runtime[name]
		if !recorded && !rt {
			continue
		}
		for _, a := range b.arches {
			if syscalls.Exists(a, "restart_syscall") {
				b.essence["restart_syscall"] = fmt.Sprintf("made by the kernel, not the program, to resume %s after a signal or a stop: denied, the resumed call fails", name)
				return
			}
		}
	}
}

const exitComment = "never denied: a denied exit makes the thread retry forever instead of ending"

func (b *builder) allowedNames() []string {
	var out []string
	for n := range b.uses {
		out = append(out, n)
	}
	for n := range b.runtime {
		out = append(out, n)
	}
	for n := range b.essence {
		out = append(out, n)
	}
	for n := range b.static {
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rules renders the allow rules: the recorded syscalls (one rule, or one per syscall
// with comments), conditional rules, then what the runtime and exit handling add.
func (b *builder) rules() []profile.Rule {
	var plain []string
	var out []profile.Rule
	names := make([]string, 0, len(b.uses))
	for n := range b.uses {
		names = append(names, n)
	}
	slices.Sort(names)
	var conditional []profile.Rule
	var translated, stands []string
	for _, n := range names {
		u := b.uses[n]
		if !u.unconditional && len(u.argSets) > 0 {
			b.report.Conditional++
			conditional = append(conditional, b.conditionalRules(u)...)
			continue
		}
		if b.opts.Comments {
			out = append(out, profile.Rule{Names: []string{n}, Action: profile.ActAllow, Comment: describe(u)})
			continue
		}
		if len(u.via) > 0 {
			// Say why a call nobody recorded is allowed, even without --comments.
			translated = append(translated, n)
			stands = append(stands, fmt.Sprintf("%s for %s", n, strings.Join(slices.Sorted(maps.Keys(u.via)), ", ")))
			continue
		}
		plain = append(plain, n)
	}
	if len(translated) > 0 {
		out = append([]profile.Rule{{Names: translated, Action: profile.ActAllow,
			Comment: "in place of recorded calls some target architectures lack: " + strings.Join(stands, "; ")}}, out...)
	}
	if len(plain) > 0 {
		out = append([]profile.Rule{{Names: plain, Action: profile.ActAllow}}, out...)
	}
	out = append(out, conditional...)
	if len(b.runtime) > 0 {
		out = append(out, namedRule(b.runtime, fmt.Sprintf("needed by %s between installing the filter and starting the workload", strings.Join(runtimesOf(b.opts), " or "))))
	}
	// One rule per reason.
	byReason := map[string]map[string]string{}
	for n, why := range b.essence {
		if byReason[why] == nil {
			byReason[why] = map[string]string{}
		}
		byReason[why][n] = why
	}
	for _, why := range slices.Sorted(maps.Keys(byReason)) {
		out = append(out, namedRule(byReason[why], why))
	}
	return append(out, b.completedRules()...)
}

func namedRule(m map[string]string, comment string) profile.Rule {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return profile.Rule{Names: names, Action: profile.ActAllow, Comment: comment}
}

// conditionalRules emits one rule per recorded ArgSet: the conditions of a rule are
// ANDed, the rules of a syscall ORed.
func (b *builder) conditionalRules(u *use) []profile.Rule {
	sets := make([]record.ArgSet, 0, len(u.argSets))
	for s := range u.argSets {
		sets = append(sets, s)
	}
	slices.SortFunc(sets, func(x, y record.ArgSet) int { return strings.Compare(x.String(), y.String()) })
	out := make([]profile.Rule, 0, len(sets))
	for _, s := range sets {
		r := profile.Rule{Names: []string{u.name}, Action: profile.ActAllow}
		for _, v := range s.Values() {
			r.Args = append(r.Args, argCondition(v))
		}
		if b.opts.Comments {
			n := u.argSets[s]
			r.Comment = fmt.Sprintf("%s when %s: %d %s", u.name, explainArgs(u.name, s), n, plural(n, "call"))
		}
		out = append(out, r)
	}
	return out
}

// argCondition renders (arg & mask) == value: SCMP_CMP_EQ for a full-width mask,
// otherwise SCMP_CMP_MASKED_EQ, whose value is the mask and valueTwo the expected value.
func argCondition(v record.ArgValue) profile.Arg {
	if v.Mask == ^uint64(0) {
		return profile.Arg{Index: uint(v.Index), Value: v.Value, Op: profile.OpEqualTo}
	}
	return profile.Arg{Index: uint(v.Index), Value: v.Mask, ValueTwo: v.Value, Op: profile.OpMaskedEqual}
}

// describe says who made the call and how often, most frequent first.
func describe(u *use) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", u.count, plural(u.count, "call"))
	if len(u.exes) > 0 {
		type ec struct {
			exe string
			n   uint64
		}
		var list []ec
		for e, n := range u.exes {
			list = append(list, ec{e, n})
		}
		slices.SortFunc(list, func(x, y ec) int {
			if x.n != y.n {
				if x.n > y.n {
					return -1
				}
				return 1
			}
			return strings.Compare(x.exe, y.exe)
		})
		b.WriteString(" by ")
		for i, e := range list {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s (%d)", e.exe, e.n)
		}
	}
	var via []string
	for v := range u.via {
		via = append(via, v)
	}
	if len(via) > 0 {
		slices.Sort(via)
		fmt.Fprintf(&b, "; replaces %s on architectures without it", strings.Join(via, ", "))
	}
	return b.String()
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	list = append(list, s)
	slices.Sort(list)
	return list
}

func plural(n uint64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
