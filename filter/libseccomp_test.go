package filter

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/bits"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// The differential tests compile the same profiles with libseccomp, through Debian's
// python3-seccomp and testdata/libseccomp_bpf.py, and with seccompctl, prepend runc's
// -ENOSYS stub to libseccomp's program as runc does, and run both programs through the
// interpreter: what runc would load and what seccompctl loads must return the same
// value for every input.

const debianPython = "/usr/bin/python3" // python3-seccomp installs here, not in a venv

type pyJob struct {
	ID      int         `json:"id"`
	Repeat  int         `json:"repeat,omitempty"`
	Def     uint32      `json:"def"`
	Arches  []string    `json:"arches,omitempty"`
	Opt     int         `json:"opt,omitempty"`
	Rules   []any       `json:"rules"`
	Resolve [][2]string `json:"resolve,omitempty"`
}

type pyResult struct {
	ID  int    `json:"id"`
	NS  int64  `json:"ns"`
	CPU int64  `json:"cpu_ns"`
	BPF string `json:"bpf"`
	Err string `json:"err"`
	Nrs []int  `json:"nrs"`
}

func requireLibseccomp(t testing.TB) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import seccomp").Run(); err != nil {
		t.Skipf("libseccomp's python bindings are not installed (%v); scripts/deps.sh installs python3-seccomp", err)
	}
}

// runPython sends jobs to one python process and returns its results by id.
func runPython(t testing.TB, jobs []pyJob) map[int]pyResult {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, j := range jobs {
		if err := enc.Encode(j); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(debianPython, filepath.Join("testdata", "libseccomp_bpf.py"))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("libseccomp_bpf.py: %v\n%s", err, stderr.String())
	}
	results := map[int]pyResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r pyResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("libseccomp_bpf.py output: %v", err)
		}
		results[r.ID] = r
	}
	if len(results) != len(jobs) {
		t.Fatalf("libseccomp_bpf.py answered %d of %d jobs", len(results), len(jobs))
	}
	return results
}

func scmpName(a syscalls.Arch) string { return strings.TrimPrefix(a.String(), "SCMP_ARCH_") }

// libseccompNames holds libseccomp's number for every name of every table on every
// architecture both know, -1 when it does not know the name there.
var (
	libNamesOnce sync.Once
	libNames     map[syscalls.Arch]map[string]int
	libKnows     map[string]bool // known on some architecture: runc does not ignore it
	pseudoShared map[string]bool // shares its pseudo-number with another name
)

func loadLibseccompNames(t testing.TB) {
	libNamesOnce.Do(func() {
		names := append(syscalls.AllNames(), favouriteNames...)
		var job pyJob
		arches := append(slices.Clone(littleEndian), bigEndian...)
		for _, a := range arches {
			for _, n := range names {
				job.Resolve = append(job.Resolve, [2]string{scmpName(a), n})
			}
		}
		res := runPython(t, []pyJob{job})[0]
		libNames = map[syscalls.Arch]map[string]int{}
		libKnows = map[string]bool{}
		pseudo := map[int][]string{}
		for i, q := range job.Resolve {
			a, _ := syscalls.ParseArch(q[0])
			if libNames[a] == nil {
				libNames[a] = map[string]int{}
			}
			libNames[a][q[1]] = res.Nrs[i]
			if a == syscalls.X86_64 && res.Nrs[i] != -1 {
				libKnows[q[1]] = true
				if res.Nrs[i] < 0 && !slices.Contains(pseudo[res.Nrs[i]], q[1]) {
					pseudo[res.Nrs[i]] = append(pseudo[res.Nrs[i]], q[1])
				}
			}
		}
		// seccomp_rule_add resolves a name on the native architecture (x86_64 here)
		// and translates that number to the others; for names x86_64 lacks the number
		// is a pseudo-number, and libseccomp 2.5.4 gives some pairs the same one
		// (sys_debug_setcontext and switch_endian), so a rule for one filters the
		// other. Such names cannot be compared.
		pseudoShared = map[string]bool{}
		for _, names := range pseudo {
			if len(names) > 1 {
				for _, n := range names {
					pseudoShared[n] = true
				}
			}
		}
	})
}

// usable reports whether libseccomp and seccompctl agree about name on a: the same
// number, or both without it. libseccomp resolves multiplexed calls to their
// multiplexer on the architectures that have one.
func usable(a syscalls.Arch, name string) bool {
	theirs, known := libNames[a][name]
	if !known || pseudoShared[name] {
		return false
	}
	ours, ok := syscalls.Number(a, name)
	if mux, _, isMux := semantics.Multiplexed(a, name); isMux && theirs == int(mux) {
		return true
	}
	if !ok {
		return theirs < 0
	}
	return theirs == ours
}

// keepUsable returns a copy of the resolved profile without the names the two
// compilers' tables disagree on (calls newer than libseccomp 2.5.4), so that both
// compile the same thing; rules left without names go.
func keepUsable(r *profile.Profile, arches []syscalls.Arch) (*profile.Profile, int) {
	out := *r
	out.Syscalls = nil
	dropped := 0
	for _, rule := range r.Syscalls {
		var names []string
		for _, n := range rule.AllNames() {
			ok := true
			for _, a := range arches {
				ok = ok && usable(a, n)
			}
			if ok {
				names = append(names, n)
			} else {
				dropped++
			}
		}
		if len(names) > 0 {
			rule.Name, rule.Names = "", names
			out.Syscalls = append(out.Syscalls, rule)
		}
	}
	return &out, dropped
}

// runcRules lists the rules runc hands libseccomp for a resolved profile: one per
// syscall name, without those whose action is the default's or whose name libseccomp
// does not know, and with conditions on a repeated argument split into rules of their
// own.
func runcRules(r *profile.Profile) []any {
	def, _ := semantics.Ret(r.DefaultAction, r.DefaultErrnoRet, r.DefaultErrno, "")
	var rules []any
	for _, rule := range r.Syscalls {
		ret, _ := semantics.Ret(rule.Action, rule.ErrnoRet, rule.Errno, "")
		if ret == def {
			continue
		}
		variants, _ := semantics.SplitArgs(rule.Args)
		for _, n := range rule.AllNames() {
			if !libKnows[n] {
				continue
			}
			for _, v := range variants {
				args := []any{}
				for _, a := range v {
					args = append(args, []any{a.Index, strings.TrimPrefix(a.Op.String(), "SCMP_CMP_"), a.Value, a.ValueTwo})
				}
				rules = append(rules, []any{ret, n, args})
			}
		}
	}
	return rules
}

// runcStub builds runc's -ENOSYS stub (libcontainer/seccomp/patchbpf) for a resolved
// profile, ending with the first instruction of the filter it is prepended to.
func runcStub(t testing.TB, r *profile.Profile, arches []syscalls.Arch) bpf.Program {
	t.Helper()
	b := bpf.NewBuilder()
	if r.DefaultAction == profile.ActAllow || r.DefaultAction == profile.ActLog || r.DefaultAction == profile.ActTrace {
		b.Label("filter")
		b.Ret(0)
		p, err := b.Program()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	highest := map[syscalls.Arch]uint32{}
	for _, a := range r.Architectures {
		if !slices.Contains(arches, a) {
			continue
		}
		for _, rule := range r.Syscalls {
			for _, n := range rule.AllNames() {
				nr, ok := libNames[a][n]
				if ok && nr > 0 && uint32(nr) > highest[a] && !(semantics.Multiplexes(a) && semantics.IsMuxName(n)) {
					highest[a] = uint32(nr)
				}
			}
		}
		if highest[a] == 0 {
			delete(highest, a)
		}
	}
	b.LoadAbs(bpf.OffsetArch)
	audits := []uint32{}
	for a := range highest {
		if !slices.Contains(audits, a.AuditArch()) {
			audits = append(audits, a.AuditArch())
		}
	}
	for _, audit := range audits {
		b.JumpIf(bpf.JmpJEQ, audit, fmt.Sprintf("a%x", audit), "")
	}
	b.Goto("filter")
	for _, audit := range audits {
		b.Label(fmt.Sprintf("a%x", audit))
		b.LoadAbs(bpf.OffsetNr)
		m64, ok64 := highest[syscalls.X86_64]
		m32, ok32 := highest[syscalls.X32]
		switch {
		case audit != syscalls.X86_64.AuditArch():
			var m uint32
			var arch syscalls.Arch
			for a, v := range highest {
				if a.AuditArch() == audit {
					m, arch = v, a
				}
			}
			if arch == syscalls.S390X {
				b.JumpIf(bpf.JmpJEQ, 0, "enosys", "")
			}
			b.JumpIf(bpf.JmpJGT, m, "enosys", "filter")
		case ok64 && ok32:
			l := fmt.Sprintf("x32-%x", audit)
			b.JumpIf(bpf.JmpJSET, x32Bit, l, "")
			b.JumpIf(bpf.JmpJGT, m64, "enosys", "filter")
			b.Label(l)
			b.JumpIf(bpf.JmpJGT, m32, "enosys", "filter")
		case ok64:
			b.JumpIf(bpf.JmpJSET, x32Bit, "filter", "")
			b.JumpIf(bpf.JmpJGT, m64, "enosys", "filter")
		case ok32:
			b.JumpIf(bpf.JmpJSET, x32Bit, "", "filter")
			b.JumpIf(bpf.JmpJGT, m32, "enosys", "filter")
		}
	}
	b.Label("enosys")
	b.Ret(bpf.RetErrno | 38)
	b.Label("filter")
	b.Ret(0) // replaced by the filter
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// diffCase is one profile compiled by both.
type diffCase struct {
	name   string
	p      *profile.Profile // resolved, usable names only
	f      *Filter
	opt    int
	inputs []bpf.Data
}

type diffTally struct {
	compared, ambiguous, refused, profiles, libseccompBug int
}

// differential compiles every case with libseccomp and compares the programs.
func differential(t *testing.T, cases []diffCase) diffTally {
	t.Helper()
	var jobs []pyJob
	for i, c := range cases {
		def, _ := semantics.Ret(c.p.DefaultAction, c.p.DefaultErrnoRet, c.p.DefaultErrno, "")
		j := pyJob{ID: i, Def: def, Opt: c.opt, Rules: runcRules(c.p)}
		for _, a := range c.f.Arches {
			j.Arches = append(j.Arches, scmpName(a))
		}
		if len(j.Rules) == 0 {
			j.Opt = 1 // libseccomp <= 2.5.4 builds a wrong tree without rules (issue 370); runc avoids it too
		}
		jobs = append(jobs, j)
	}
	results := runPython(t, jobs)
	var tally diffTally
	failures := 0
	for i, c := range cases {
		res := results[i]
		if res.Err != "" {
			if !slices.ContainsFunc(c.f.Warnings, func(w Warning) bool {
				return w.Kind == WarnConflict || w.Kind == WarnAmbiguous || w.Kind == WarnErrnoRefused
			}) {
				t.Errorf("%s: libseccomp refuses the profile (%s) but seccompctl gave no conflict warning\n%s", c.name, res.Err, mustJSON(c.p))
			}
			tally.refused++
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(res.BPF)
		if err != nil {
			t.Fatal(err)
		}
		lib, err := bpf.Decode(raw, c.f.Order()) // libseccomp writes the target's byte order
		if err != nil {
			t.Fatal(err)
		}
		if c.f.BigEndian {
			fixCrossEndianReturns(lib)
		}
		stub := runcStub(t, c.p, c.f.Arches)
		full := append(stub[:len(stub)-1:len(stub)-1], lib...)
		libVM, err := bpf.NewVM(full, c.f.Order())
		if err != nil {
			t.Fatalf("%s: runc's program would not load: %v", c.name, err)
		}
		ourVM, err := bpf.NewVM(c.f.Program, c.f.Order())
		if err != nil {
			t.Fatalf("%s: our program would not load: %v", c.name, err)
		}
		tally.profiles++
		suspects := accumulatorSuspects(full)
		for _, d := range c.inputs {
			ref, ambiguous := refDecide(c.p, c.f.Arches, &d)
			got, _ := ourVM.Run(&d)
			if ambiguous {
				tally.ambiguous++
				continue
			}
			want, path := libVM.Trace(&d)
			if hitsSuspect(suspects, path) {
				// libseccomp's answer is unreliable here; ours must still be the
				// reference's.
				tally.libseccompBug++
				want = ref
			} else {
				tally.compared++
			}
			if got == want && got == ref {
				continue
			}
			failures++
			if failures <= 60 {
				t.Logf("DISAGREE %s (optimize %d): arch %#x nr %#x args %#x: seccompctl %s, runc+libseccomp %s, reference %s",
					c.name, c.opt, d.Arch, uint32(d.Nr), d.Args, bpf.RetString(got), bpf.RetString(want), bpf.RetString(ref))
			}
			if failures <= 3 {
				t.Errorf("%s (optimize %d): arch %#x nr %#x args %#x: seccompctl %s, runc+libseccomp %s, reference %s\nprofile:\n%s\nlibseccomp:\n%s",
					c.name, c.opt, d.Arch, uint32(d.Nr), d.Args, bpf.RetString(got), bpf.RetString(want), bpf.RetString(ref),
					mustJSON(c.p), bpf.Disassemble(full, c.f.BigEndian, nil))
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d disagreements", failures)
	}
	return tally
}

// accumulatorSuspects marks the conditional jumps of a program that compare something
// other than what they were written for, a class of libseccomp 2.5.4 code generation
// bugs (docs/compiler.md has reproducers):
//   - a jump reached with the accumulator holding different seccomp_data words on
//     different paths: libseccomp shares a comparison between rules without reloading
//     the word it tests;
//   - a jump comparing seccomp_data.arch with a value that is not an architecture:
//     libseccomp sometimes omits the load of the syscall number at the start of the
//     second and later architectures' code.
//
// It is a forward dataflow analysis over the jump DAG: the words the accumulator can
// hold at each instruction ("and" keeps the word, other arithmetic forgets it).
func accumulatorSuspects(p bpf.Program) []bool {
	const unknown = -1
	in := make([]map[int]bool, len(p))
	in[0] = map[int]bool{unknown: true}
	flow := func(to int, src map[int]bool) {
		if in[to] == nil {
			in[to] = map[int]bool{}
		}
		for k := range src {
			in[to][k] = true
		}
	}
	suspect := make([]bool, len(p))
	for pc, ins := range p {
		if in[pc] == nil {
			continue // unreachable
		}
		out := in[pc]
		switch {
		case ins.Op == bpf.ClassLD|bpf.SizeW|bpf.ModeABS:
			out = map[int]bool{int(ins.K): true}
		case ins.Op == bpf.ClassALU|bpf.AluAND|bpf.SrcK:
		case ins.Class() == bpf.ClassLD || ins.Class() == bpf.ClassALU || ins.Op == bpf.ClassMISC|bpf.MiscTXA:
			out = map[int]bool{unknown: true}
		}
		switch {
		case ins.IsConditionalJump():
			if len(in[pc]) > 1 {
				suspect[pc] = true
			}
			if in[pc][bpf.OffsetArch] && ins.Op&bpf.SrcX == 0 {
				if _, ok := syscalls.FromAuditArch(ins.K, 0); !ok {
					suspect[pc] = true
				}
			}
			flow(pc+1+int(ins.Jt), out)
			flow(pc+1+int(ins.Jf), out)
		case ins.Op == bpf.ClassJMP|bpf.JmpJA:
			flow(pc+1+int(ins.K), out)
		case ins.Class() == bpf.ClassRET:
		default:
			flow(pc+1, out)
		}
	}
	return suspect
}

func hitsSuspect(suspect []bool, path []int) bool {
	for _, pc := range path {
		if suspect[pc] {
			return true
		}
	}
	return false
}

// fixCrossEndianReturns undoes a libseccomp 2.5.4 export bug that only shows when a
// big-endian filter is exported on a little-endian host, as here: the copies of return
// instructions it places inline (instead of long jumps) keep K in host byte order. A
// big-endian machine loading its own filter never sees it. A return value is taken as
// swapped when it is not one libseccomp can produce: an unknown action, data on an
// action without any, or an errno or trace value above 4095 (profiles cannot hold such).
func fixCrossEndianReturns(p bpf.Program) {
	for i, ins := range p {
		if ins.Op != bpf.ClassRET|bpf.SrcK {
			continue
		}
		action, data := ins.K&bpf.RetActionFull, ins.K&bpf.RetData
		known := bpf.ActionOf(ins.K) == bpf.Action(action)
		withData := action == bpf.RetErrno || action == bpf.RetTrace
		if !known || (!withData && data != 0) || (withData && data > 4095) {
			p[i].K = bits.ReverseBytes32(ins.K)
		}
	}
}

// tableInputs returns every syscall of the program's architectures with zero arguments
// and with arguments taken from the profile's conditions.
func tableInputs(rng *rand.Rand, f *Filter) []bpf.Data {
	var out []bpf.Data
	for _, a := range f.Arches {
		for _, e := range syscalls.Table(a) {
			out = append(out, bpf.Data{Nr: int32(e.Nr), Arch: a.AuditArch()})
		}
	}
	return append(out, interestingInputs(rng, f.Profile, f.Arches, len(out))...)
}

func TestDifferentialReferenceProfiles(t *testing.T) {
	requireLibseccomp(t)
	loadLibseccompNames(t)
	paths, err := filepath.Glob(filepath.Join("testdata", "profiles", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no reference profiles: %v", err)
	}
	natives := []syscalls.Arch{syscalls.X86_64, syscalls.AArch64, syscalls.S390X, syscalls.PPC64LE, syscalls.RISCV64, syscalls.MIPSEL64}
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []diffCase
	dropped := map[string]int{}
	for _, path := range paths {
		p, err := profile.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, native := range natives {
			for _, caps := range [][]string{profile.DefaultCaps(), profile.Capabilities} {
				r, err := p.Resolve(profile.ResolveOptions{Caps: caps, Arch: native})
				if err != nil {
					t.Fatal(err)
				}
				arches := []syscalls.Arch{native}
				mixed := false
				for _, a := range r.Architectures {
					if syscalls.HasTable(a) {
						arches = append(arches, a)
						mixed = mixed || a.BigEndian() != native.BigEndian()
					}
				}
				if mixed {
					continue // libseccomp refuses too (EDOM): no runtime loads such a filter
				}
				kept, n := keepUsable(r, arches)
				dropped[filepath.Base(path)] = max(dropped[filepath.Base(path)], n)
				f, err := Compile(kept, Options{Native: native, Caps: caps})
				if err != nil {
					t.Fatalf("%s on %v: %v", path, native, err)
				}
				for _, opt := range []int{1, 2} {
					cases = append(cases, diffCase{
						name: fmt.Sprintf("%s on %v with %d caps", filepath.Base(path), native, len(caps)),
						p:    f.Profile, f: f, opt: opt, inputs: tableInputs(rng, f),
					})
				}
			}
		}
	}
	tally := differential(t, cases)
	t.Logf("names sharing a libseccomp pseudo-number, left out: %v", slices.Sorted(maps.Keys(pseudoShared)))
	t.Logf("%d programs, %d inputs compared, %d skipped as ambiguous, %d compared with the reference only (libseccomp tests a word it did not load), %d refused by libseccomp; names libseccomp 2.5.4 lacks, dropped: %v",
		tally.profiles, tally.compared, tally.ambiguous, tally.libseccompBug, tally.refused, dropped)
	if tally.refused > 0 || tally.compared < 100000 {
		t.Errorf("want every reference profile compiled by libseccomp and at least 100000 inputs compared")
	}
}

func TestDifferentialRandomProfiles(t *testing.T) {
	requireLibseccomp(t)
	loadLibseccompNames(t)
	profiles, inputs := 2500, 60
	if testing.Short() {
		profiles = 300
	}
	var cases []diffCase
	for i := range profiles {
		rng := rand.New(rand.NewPCG(uint64(i), 0xd1ff))
		c := randomProfile(rng, usable)
		f, err := Compile(c.p, Options{Arches: c.arches})
		if err != nil {
			t.Fatalf("profile %d: %v\n%s", i, err, mustJSON(c.p))
		}
		cases = append(cases, diffCase{
			name: fmt.Sprintf("random profile %d", i), p: f.Profile, f: f, opt: 1 + i%2,
			inputs: interestingInputs(rng, f.Profile, c.arches, inputs),
		})
	}
	tally := differential(t, cases)
	t.Logf("%d random profiles (%d refused by libseccomp), %d (profile, input) pairs compared, %d skipped as ambiguous, %d compared with the reference only (libseccomp tests a word it did not load)",
		tally.profiles, tally.refused, tally.compared, tally.ambiguous, tally.libseccompBug)
	if !testing.Short() && tally.compared < 100000 {
		t.Errorf("only %d pairs compared; want at least 100000", tally.compared)
	}
}
