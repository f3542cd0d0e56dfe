package profile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// MaxArgIndex is the last syscall argument a condition can test (seccomp_data.args[5]).
const MaxArgIndex = 5

// MaxErrno is the largest errno the kernel returns for SECCOMP_RET_ERRNO (MAX_ERRNO); it
// clamps larger values.
const MaxErrno = 4095

// maxTraceData is the largest SECCOMP_RET_TRACE message (SECCOMP_RET_DATA is 16 bits).
const maxTraceData = 0xffff

// Validate checks the rules a runtime would enforce, and the mistakes that make a profile
// mean something other than what it says. It reports every problem, with positions when
// the profile was loaded from a file. Unknown syscall names are not errors here: a name
// may exist on another architecture or kernel (lint reports them).
func (p *Profile) Validate() error {
	r := p.newReporter()
	p.validate(r)
	return r.err()
}

func (p *Profile) newReporter() *reporter {
	if p.Source == nil {
		return newReporter("", nil)
	}
	r := newReporter(p.Source.File, p.Source.lookup)
	if p.Source.Format == FormatSPO {
		r.prefix = "spec."
	}
	return r
}

// quiet reports whether path or one of its ancestors already has an error.
func (r *reporter) quiet(path string) bool {
	for {
		if r.seen[path] {
			return true
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			return path != "" && r.seen[""]
		}
		path = path[:i]
	}
}

// check reports a problem unless its path is already known to be broken.
func (r *reporter) check(path, suggestion, format string, args ...any) {
	if r.quiet(path) {
		return
	}
	r.at(path, suggestion, format, args...)
}

// checkAt is check with the position of another path (e.g. the rule for a missing key).
func (r *reporter) checkAt(posPath, path, format string, args ...any) {
	if r.quiet(path) {
		return
	}
	pos, _ := r.posOf(posPath)
	r.atPos(pos, path, "", format, args...)
}

func (p *Profile) validate(r *reporter) {
	if !p.DefaultAction.Valid() {
		r.checkAt("", "defaultAction", "missing defaultAction")
	} else if p.DefaultAction == ActNotify {
		r.check("defaultAction", "", "SCMP_ACT_NOTIFY cannot be the default action (runtimes reject it)")
	}
	if p.DefaultErrnoRet != nil {
		checkErrnoRet(r, "defaultErrnoRet", p.DefaultAction, *p.DefaultErrnoRet)
	}
	checkErrnoName(r, "defaultErrno", p.DefaultErrno, p.DefaultErrnoRet)
	if len(p.Architectures) > 0 && len(p.ArchMap) > 0 {
		r.check("archMap", "", "architectures and archMap are both set; use one of them")
	}
	for i, a := range p.Architectures {
		if !a.Valid() {
			r.check(joinIndex("architectures", i), "", "invalid architecture")
		}
	}
	for i, m := range p.ArchMap {
		mp := joinIndex("archMap", i)
		if !m.Arch.Valid() {
			r.checkAt(mp, joinKey(mp, "architecture"), "missing architecture")
		}
		for j, a := range m.SubArches {
			if !a.Valid() {
				r.check(joinIndex(joinKey(mp, "subArchitectures"), j), "", "invalid architecture")
			}
		}
	}
	for i, f := range p.Flags {
		if !f.Valid() {
			r.check(joinIndex("flags", i), "", "invalid flag")
		}
	}
	for i := range p.Syscalls {
		p.Syscalls[i].validate(r, joinIndex("syscalls", i))
	}
}

func (rule *Rule) validate(r *reporter, path string) {
	if r.quiet(path) {
		return
	}
	if !rule.Action.Valid() {
		r.checkAt(path, joinKey(path, "action"), "missing action")
	}
	switch {
	case rule.Name != "" && len(rule.Names) > 0:
		r.check(joinKey(path, "name"), "", `"name" and "names" are both set; put every syscall in "names"`)
	case rule.Name == "" && len(rule.Names) == 0:
		if _, ok := r.posOf(joinKey(path, "names")); ok {
			r.check(joinKey(path, "names"), "", "rule names no syscalls")
		} else {
			r.checkAt(path, joinKey(path, "names"), "rule names no syscalls")
		}
	}
	// Most rules name a few syscalls: a linear scan finds duplicates without a map per
	// rule, which was a third of what loading a large profile allocated.
	var first map[string]int
	if len(rule.Names) > 32 {
		first = make(map[string]int, len(rule.Names))
	}
	firstIndex := func(n string, i int) (int, bool) {
		if first != nil {
			j, ok := first[n]
			return j, ok
		}
		for j, m := range rule.Names[:i] {
			if m == n {
				return j, true
			}
		}
		return 0, false
	}
	for i, n := range rule.Names {
		np := func() string { return joinIndex(joinKey(path, "names"), i) } // only for messages
		switch {
		case n == "":
			r.check(np(), "", "empty syscall name")
		case n != strings.TrimSpace(n):
			r.check(np(), strings.TrimSpace(n), "syscall name %q has surrounding spaces", n)
		default:
			if j, dup := firstIndex(n, i); dup {
				r.check(np(), "", "%q is named twice in this rule (also names[%d])", n, j)
			} else if first != nil {
				first[n] = i
			}
		}
	}
	if rule.Name != "" && len(rule.Names) == 0 && rule.Name != strings.TrimSpace(rule.Name) {
		r.check(joinKey(path, "name"), strings.TrimSpace(rule.Name), "syscall name %q has surrounding spaces", rule.Name)
	}
	if rule.ErrnoRet != nil {
		checkErrnoRet(r, joinKey(path, "errnoRet"), rule.Action, *rule.ErrnoRet)
	}
	checkErrnoName(r, joinKey(path, "errno"), rule.Errno, rule.ErrnoRet)
	for i, a := range rule.Args {
		ap := joinIndex(joinKey(path, "args"), i)
		if a.Index > MaxArgIndex {
			r.check(joinKey(ap, "index"), "", "argument index %d out of range (0 to %d)", a.Index, MaxArgIndex)
		}
		if !a.Op.Valid() {
			r.checkAt(ap, joinKey(ap, "op"), "missing op")
		} else if a.ValueTwo != 0 && a.Op != OpMaskedEqual {
			r.check(joinKey(ap, "valueTwo"), "", "valueTwo is only used by SCMP_CMP_MASKED_EQ, not %s", a.Op)
		}
	}
	if rule.Includes != nil {
		rule.Includes.validate(r, joinKey(path, "includes"))
	}
	if rule.Excludes != nil {
		rule.Excludes.validate(r, joinKey(path, "excludes"))
	}
}

func checkErrnoRet(r *reporter, path string, a Action, v uint) {
	switch a {
	case ActErrno:
		if v > MaxErrno {
			r.check(path, "", "errno %d out of range (0 to %d)", v, MaxErrno)
		}
	case ActTrace:
		if v > maxTraceData {
			r.check(path, "", "trace message %d out of range (0 to %d)", v, maxTraceData)
		}
	case ActInvalid:
	default:
		field := path[strings.LastIndex(path, ".")+1:]
		r.check(path, "", "%s is only used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", field, a)
	}
}

var errnoNameRE = regexp.MustCompile(`^E[A-Z0-9]+$`)

// errnoBase holds errno 1-34 (asm-generic/errno-base.h), which are the same on every
// Linux architecture; higher numbers differ (ENOSYS is 38, 89 on MIPS, 251 on PA-RISC).
var errnoBase = []string{"", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC",
	"EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
	"ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC",
	"ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE"}

// ErrnoNumber returns the number of an errno name that is the same on every Linux
// architecture (EPERM ... ERANGE).
func ErrnoNumber(name string) (uint, bool) {
	for i, n := range errnoBase {
		if n != "" && n == name {
			return uint(i), true
		}
	}
	return 0, false
}

// checkErrnoName checks containers/common's errno names against the numbers next to them.
func checkErrnoName(r *reporter, path, name string, num *uint) {
	if name == "" {
		return
	}
	if !errnoNameRE.MatchString(name) {
		r.check(path, strings.ToUpper(name), "invalid errno name %q", name)
		return
	}
	if v, ok := ErrnoNumber(name); ok && num != nil && *num != v {
		r.check(path, "", "%s is %d, but %sRet says %d", name, v, path[strings.LastIndex(path, ".")+1:], *num)
	}
}

// Capabilities lists the Linux capability names (linux/capability.h) in number order.
var Capabilities = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE"}

// filterArches are the names includes/excludes "arches" are compared with: moby compares
// them, as plain strings, with its name for the machine's GOARCH (see FilterArchName).
var filterArches = []string{"x86", "amd64", "x32", "arm", "arm64", "loongarch64", "mips", "mips64",
	"mips64n32", "mipsel", "mipsel64", "mips3l64n32", "ppc", "ppc64", "ppc64le", "riscv64", "s390", "s390x"}

// FilterArchName returns the name a filter's "arches" must use to match a: moby's
// native names, which are neither SCMP_ARCH_* nor always GOARCH (amd64, arm64, x86,
// mipsel64, and mips3l64n32 for little-endian MIPS n32, spelt so in moby).
func FilterArchName(a syscalls.Arch) string {
	switch a {
	case syscalls.X86:
		return "x86"
	case syscalls.X86_64:
		return "amd64"
	case syscalls.AArch64:
		return "arm64"
	case syscalls.MIPSEL64N32:
		return "mips3l64n32"
	}
	return a.Name()
}

func (f *Filter) validate(r *reporter, path string) {
	for i, c := range f.Caps {
		if !contains(Capabilities, c) {
			sugg := nearestString(c, Capabilities)
			if up := strings.ToUpper(c); contains(Capabilities, "CAP_"+up) {
				sugg = "CAP_" + up
			} else if contains(Capabilities, up) {
				sugg = up
			}
			r.check(joinIndex(joinKey(path, "caps"), i), sugg, "unknown capability %q", c)
		}
	}
	for i, a := range f.Arches {
		if contains(filterArches, a) {
			continue
		}
		sugg := ""
		if parsed, err := syscalls.ParseArch(a); err == nil {
			sugg = FilterArchName(parsed)
		} else {
			sugg = nearestString(a, filterArches)
		}
		r.check(joinIndex(joinKey(path, "arches"), i), sugg, "unknown architecture %q (filters use moby's names: amd64, arm64, x86, ...)", a)
	}
	if f.MinKernel != "" {
		if _, err := ParseKernelVersion(f.MinKernel); err != nil {
			r.check(joinKey(path, "minKernel"), "", "%v", err)
		}
	}
}

// KernelVersion is a kernel release reduced to what minKernel compares: "6.1".
type KernelVersion struct {
	Major, Minor uint64
}

func (k KernelVersion) String() string { return fmt.Sprintf("%d.%d", k.Major, k.Minor) }

// Less reports whether k is older than o.
func (k KernelVersion) Less(o KernelVersion) bool {
	return k.Major < o.Major || (k.Major == o.Major && k.Minor < o.Minor)
}

// ParseKernelVersion parses a minKernel value: exactly "<major>.<minor>", each 0-255,
// not 0.0 — what moby accepts.
func ParseKernelVersion(s string) (KernelVersion, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 2 {
		return KernelVersion{}, fmt.Errorf(`invalid kernel version %q (want "<major>.<minor>", e.g. "5.8")`, s)
	}
	maj, err1 := strconv.ParseUint(parts[0], 10, 8)
	min, err2 := strconv.ParseUint(parts[1], 10, 8)
	if err1 != nil || err2 != nil {
		return KernelVersion{}, fmt.Errorf(`invalid kernel version %q (want "<major>.<minor>", e.g. "5.8")`, s)
	}
	if maj == 0 && min == 0 {
		return KernelVersion{}, fmt.Errorf("invalid kernel version %q (0.0)", s)
	}
	return KernelVersion{maj, min}, nil
}

// ParseKernelRelease reads the version from a kernel release as uname -r prints it
// ("6.1.0-18-amd64", "5.15.0-rc5"): major and minor, the rest ignored, as moby does.
func ParseKernelRelease(s string) (KernelVersion, error) {
	var k KernelVersion
	if _, err := fmt.Sscanf(s, "%d.%d", &k.Major, &k.Minor); err != nil {
		return KernelVersion{}, fmt.Errorf("invalid kernel release %q (want e.g. 6.1 or 6.1.0-18-amd64)", s)
	}
	return k, nil
}
