package lint

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// pass is one run of the catalogue over one profile.
type pass struct {
	p        *profile.Profile
	opts     Options
	runtimes []string
	ctxs     []*archCtx
	rule     *Rule
	findings []Finding
	baseline map[syscalls.Arch]*archCtx
}

// archCtx is the profile as a runtime applies it on one node architecture, with
// includes/excludes resolved for the container's capabilities.
type archCtx struct {
	arch   syscalls.Arch   // the node's architecture
	family []syscalls.Arch // architectures the filter covers there (arch first)
	rules  []ctxRule
	byName map[string][]int // syscall → indexes into rules
	def    profile.Action
	defErr *uint
	// meaning is what the runtime makes of the resolved profile on family; nil when
	// it refuses the profile.
	meaning *semantics.Meaning
	// programArches are the architectures of the program compiled for the node.
	programArches []syscalls.Arch
}

// ctxRule is a rule that survived resolution, with its index in the original profile.
type ctxRule struct {
	orig int
	rule *profile.Rule
}

// nodeArches returns the node architectures to check p for.
func nodeArches(p *profile.Profile, opts Options) []syscalls.Arch {
	if len(opts.Arches) > 0 {
		return opts.Arches
	}
	return semantics.NodeArches(p)
}

func newPass(p *profile.Profile, opts Options) (*pass, error) {
	ps := &pass{p: p, opts: opts, runtimes: opts.Runtimes, baseline: map[syscalls.Arch]*archCtx{}}
	if len(ps.runtimes) == 0 {
		ps.runtimes = Runtimes()
	}
	for _, a := range nodeArches(p, opts) {
		c, err := resolveCtx(p, a, opts)
		if err != nil {
			return nil, err
		}
		ps.ctxs = append(ps.ctxs, c)
	}
	return ps, nil
}

func resolveCtx(p *profile.Profile, arch syscalls.Arch, opts Options) (*archCtx, error) {
	caps := opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	r, err := p.Resolve(profile.ResolveOptions{Caps: caps, Arch: arch, Kernel: opts.Kernel})
	if err != nil {
		return nil, fmt.Errorf("resolving for %s: %w", arch, err)
	}
	c := &archCtx{arch: arch, family: semantics.Family(arch, r, len(p.ArchMap) > 0), def: r.DefaultAction, defErr: r.DefaultErrnoRet}
	// A profile the compiler refuses (another rule reports why) has no meaning to
	// read; verdicts then come from the rules' text alone.
	c.meaning, _ = semantics.Build(r, arch, c.family)
	// The program a runtime loads on this node covers every listed architecture.
	for _, a := range append([]syscalls.Arch{arch}, r.Architectures...) {
		if syscalls.HasTable(a) && !slices.Contains(c.programArches, a) {
			c.programArches = append(c.programArches, a)
		}
	}
	c.rules = matchOrigins(p, r)
	c.byName = map[string][]int{}
	for k, cr := range c.rules {
		for _, n := range cr.rule.AllNames() {
			if l := c.byName[n]; len(l) == 0 || l[len(l)-1] != k {
				c.byName[n] = append(l, k)
			}
		}
	}
	return c, nil
}

// matchOrigins pairs each rule of the resolved profile r with the rule of p it came
// from. Resolve keeps the order, so the survivors are a subsequence of p's rules; a
// rule's source position, when known, settles ties between equal rules.
func matchOrigins(p, r *profile.Profile) []ctxRule {
	out := make([]ctxRule, 0, len(r.Syscalls))
	i := 0
	for j := range r.Syscalls {
		rr := &r.Syscalls[j]
		for ; i < len(p.Syscalls); i++ {
			if sameRule(&p.Syscalls[i], rr) && samePos(p, r, i, j) {
				break
			}
		}
		if i == len(p.Syscalls) {
			// Cannot happen with profile.Resolve; keep the rule rather than lose it.
			out = append(out, ctxRule{orig: j, rule: rr})
			i = 0
			continue
		}
		out = append(out, ctxRule{orig: i, rule: rr})
		i++
	}
	return out
}

func sameRule(a, b *profile.Rule) bool {
	return a.Action == b.Action && slices.Equal(a.AllNames(), b.AllNames()) && slices.Equal(a.Args, b.Args) &&
		errnoOf(a.ErrnoRet) == errnoOf(b.ErrnoRet)
}

func samePos(p, r *profile.Profile, i, j int) bool {
	pp, ok1 := p.Pos(fmt.Sprintf("syscalls[%d]", i))
	rp, ok2 := r.Pos(fmt.Sprintf("syscalls[%d]", j))
	return !ok1 || !ok2 || pp == rp
}

func errnoOf(p *uint) int {
	if p == nil {
		return -1
	}
	return int(*p)
}

// has reports whether name is a syscall on any architecture of the context. Without a
// syscall table for any of them (mips64n32) it cannot tell and says yes.
func (c *archCtx) has(name string) bool {
	tables := false
	for _, a := range c.family {
		if syscalls.Exists(a, name) {
			return true
		}
		tables = tables || syscalls.HasTable(a)
	}
	return !tables
}

func (c *archCtx) archNames() string {
	var s []string
	for _, a := range c.family {
		s = append(s, a.String())
	}
	return strings.Join(s, ", ")
}

// state is what a filter does with a syscall, ignoring its arguments' values.
type state int

const (
	denied      state = iota // no call gets through
	allowed                  // every call gets through
	conditional              // depends on the arguments (or on a user-space agent)
)

// verdict says how the context decides one syscall.
type verdict struct {
	state  state
	action profile.Action
	// uncond is the unconditional rule that decides every call, nil when the default
	// decides (libseccomp keeps the first unconditional rule and ignores conditional
	// ones; both runc 1.1.5 and crun 1.8.1 were seen doing so). A rule repeating the
	// default action, which runc drops, still counts here when no other rule decides:
	// it says the same as the default, and findings point at it.
	uncond *ctxRule
	// conds are the conditional rules naming the syscall.
	conds []ctxRule
	// stub says runc's -ENOSYS stub answers the call: the syscall is newer than any
	// the profile names.
	stub bool
}

// passes is semantics.Permits: ALLOW and LOG let the call run.
func passes(a profile.Action) bool { return semantics.Permits(a) }

// verdict reads the syscall's treatment from the profile's meaning on the first
// architecture of the context that has it (the node's own first). A name no
// architecture of the context has (or a profile the compiler refuses) has no meaning
// there; its verdict then follows the rules that name it.
func (c *archCtx) verdict(name string) verdict {
	v := c.textVerdict(name)
	if c.meaning == nil {
		return v
	}
	for _, a := range c.family {
		t, ok := c.meaning.Syscall(a, name)
		if !ok {
			continue
		}
		switch t.Permits {
		case semantics.PermitAll:
			v.state = allowed
		case semantics.PermitSome:
			v.state = conditional
		default:
			v.state = denied
		}
		switch t.Reason {
		case semantics.ReasonENOSYS:
			v.stub, v.uncond, v.action = true, nil, profile.ActErrno
		case semantics.ReasonRule:
			if t.Rule != nil && t.Rule.Rule < len(c.rules) {
				v.uncond = &c.rules[t.Rule.Rule]
				v.action = v.uncond.rule.Action
			} else {
				// Decided by conditional rules: an unconditional one that repeats the
				// default was dropped.
				v.uncond, v.action = nil, c.def
			}
		case semantics.ReasonDefault:
			if v.uncond != nil && v.uncond.rule.Action != c.def {
				v.uncond = nil
			}
			v.action = c.def
		}
		return v
	}
	return v
}

// textVerdict decides name from the rules that name it, without syscall numbers.
func (c *archCtx) textVerdict(name string) verdict {
	v := verdict{action: c.def}
	for _, k := range c.byName[name] {
		cr := c.rules[k]
		if len(cr.rule.Args) == 0 {
			if v.uncond == nil {
				v.uncond = &c.rules[k]
				v.action = cr.rule.Action
			}
			continue
		}
		v.conds = append(v.conds, cr)
	}
	switch {
	case v.action == profile.ActNotify:
		v.state = conditional
	case v.uncond != nil || len(v.conds) == 0:
		if passes(v.action) {
			v.state = allowed
		} else {
			v.state = denied
		}
	default:
		v.state = denied
		if passes(c.def) {
			v.state = allowed
		}
		for _, cr := range v.conds {
			if passes(cr.rule.Action) != passes(c.def) || cr.rule.Action == profile.ActNotify {
				v.state = conditional
			}
		}
	}
	return v
}

// names returns every syscall a context's rules name, in first-seen order.
func (c *archCtx) names() []string {
	var out []string
	seen := map[string]bool{}
	for _, cr := range c.rules {
		for _, n := range cr.rule.AllNames() {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// namePath returns the JSON path of name inside rule i of the original profile.
func (ps *pass) namePath(i int, name string) string {
	r := &ps.p.Syscalls[i]
	if r.Name == name && len(r.Names) == 0 {
		return fmt.Sprintf("syscalls[%d].name", i)
	}
	if k := slices.Index(r.Names, name); k >= 0 {
		return fmt.Sprintf("syscalls[%d].names[%d]", i, k)
	}
	return fmt.Sprintf("syscalls[%d]", i)
}

// decidingPath is where the profile decides name in verdict v: the deciding rule, else
// defaultAction.
func (ps *pass) decidingPath(v verdict, name string) string {
	if v.uncond != nil {
		return ps.namePath(v.uncond.orig, name)
	}
	return "defaultAction"
}

// report adds a finding of the current rule at path, with the rule's severity.
func (ps *pass) report(path, syscall, format string, args ...any) {
	ps.reportSev(ps.rule.Severity, path, syscall, format, args...)
}

func (ps *pass) reportSev(sev Severity, path, syscall, format string, args ...any) {
	f := Finding{
		Rule: ps.rule.ID, Name: ps.rule.Name, Severity: sev,
		Message: fmt.Sprintf(format, args...), Path: path, Syscall: syscall,
	}
	if ps.p.Source != nil {
		f.File = ps.p.Source.File
		if pos, ok := ps.pos(path); ok {
			f.Line, f.Column = pos.Line, pos.Column
		}
	}
	ps.findings = append(ps.findings, f)
}

// pos finds path's position, or the nearest enclosing path's.
func (ps *pass) pos(path string) (profile.Position, bool) {
	for path != "" {
		if pos, ok := ps.p.Pos(path); ok {
			return pos, true
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			break
		}
		path = path[:i]
	}
	return ps.p.Pos("")
}

// runtimeDefaults caches the runtime default resolved per architecture, capability
// set and kernel: it never changes, and linting many files resolves it once.
var runtimeDefaults sync.Map // string → *archCtx

// baselineCtx is the runtime default resolved like the profile, for arch.
func (ps *pass) baselineCtx(arch syscalls.Arch) (*archCtx, error) {
	if c, ok := ps.baseline[arch]; ok {
		return c, nil
	}
	key := fmt.Sprintf("%v|%v|%s", arch, ps.opts.Caps, ps.opts.Kernel)
	if ps.opts.Baseline == nil {
		if c, ok := runtimeDefaults.Load(key); ok {
			ps.baseline[arch] = c.(*archCtx)
			return c.(*archCtx), nil
		}
	}
	b := ps.opts.Baseline
	if b == nil {
		b = profile.RuntimeDefault()
	}
	if b == nil {
		return nil, errors.New("no runtime default profile in this build (it comes from github.com/moby/profiles, Linux only)")
	}
	c, err := resolveCtx(b, arch, ps.opts)
	if err != nil {
		return nil, err
	}
	if ps.opts.Baseline == nil {
		runtimeDefaults.Store(key, c)
	}
	ps.baseline[arch] = c
	return c, nil
}

// joinList writes "a, b and c".
func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// clip returns up to n items and "and N more".
func clip(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
