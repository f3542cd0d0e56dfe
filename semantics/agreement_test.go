package semantics_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/diff"
	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// agreementProfiles are every profile in the repository's test data: the reference
// profiles (Docker's and containers-common's defaults, the article's seeds; identical
// to those kept with the project's reference notes), Docker 19.03's default, and the
// fixtures of the profile and e2e tests.
var agreementProfiles = []string{
	"testdata/*.json",
	"../lint/testdata/profiles/*.json",
	"../filter/testdata/profiles/*.json",
	"../profile/testdata/reference/*.json",
	"../profile/testdata/fixtures/*.json",
	"../profile/testdata/fixtures/*.yaml",
	"../test/e2e/testdata/*.json",
}

// TestAgreement checks that every reader of a profile's meaning says the same for
// every syscall of every architecture the profile's nodes run: lint's verdicts,
// diff's treatments, explain, and the compiled program run by the interpreter. Before
// the one meaning, lint said Docker 19.03's default denies faccessat2 while explain
// said runc's stub answers ENOSYS.
func TestAgreement(t *testing.T) {
	var files []string
	for _, g := range agreementProfiles {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	caps := profile.DefaultCaps()
	checked := 0
	for _, file := range files {
		ps, err := profile.LoadAll(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for i, p := range ps {
			name := fmt.Sprintf("%s#%d", filepath.ToSlash(file), i)
			t.Run(name, func(t *testing.T) {
				for _, node := range semantics.NodeArches(p) {
					if !syscalls.HasTable(node) {
						continue
					}
					checked += agreeOnNode(t, p, node, caps)
				}
			})
		}
	}
	t.Logf("%d files, %d syscall verdicts compared", len(files), checked)
	// Every reference profile compiles; a glob that matched nothing would leave this low.
	if checked < 10000 {
		t.Errorf("only %d syscall verdicts compared", checked)
	}
}

func agreeOnNode(t *testing.T, p *profile.Profile, node syscalls.Arch, caps []string) int {
	t.Helper()
	f, err := filter.Compile(p, filter.Options{Native: node, Caps: caps})
	if err != nil {
		t.Fatalf("%v: compile: %v", node, err)
	}
	vm, err := bpf.NewVM(f.Program, f.Order())
	if err != nil {
		t.Fatal(err)
	}
	lv, err := lint.Verdicts(p, lint.Options{Arches: []syscalls.Arch{node}, Caps: caps})
	if err != nil || len(lv) != 1 {
		t.Fatalf("%v: lint verdicts: %v", node, err)
	}
	dt, err := diff.Treatments(p, node, caps)
	if err != nil {
		t.Fatalf("%v: diff: %v", node, err)
	}
	m, err := semantics.ForNode(p, node, semantics.Options{Caps: caps})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, arch := range f.Arches {
		for _, e := range syscalls.Table(arch) {
			nr := e.Nr
			if arch == syscalls.X32 {
				nr |= syscalls.X32SyscallBit
			}
			// explain: the program run by the interpreter, checked against the meaning.
			d, err := f.Explain(arch, nr, [6]uint64{})
			if err != nil {
				t.Fatalf("explain %v %s: %v", arch, e.Name, err)
			}
			tr, ok := m.Syscall(arch, e.Name)
			if arch != node || !ok {
				// Sub-architectures: the program against the meaning for each
				// conditional rule's witness (explain above covered zero arguments).
				if ok {
					probe(t, f, vm, arch, nr, tr)
				}
				continue
			}
			n++
			seen := probe(t, f, vm, arch, nr, tr)
			if !tr.Conditional() && (d.Ret != tr.Ret || d.Reason != tr.Reason) {
				t.Errorf("%v %s: explain says %s by %s, the meaning %s by %s", arch, e.Name, d.Action, d.Reason, bpf.RetString(tr.Ret), tr.Reason)
			}
			lp, stub := lv[0].Permits(e.Name)
			if lp != tr.Permits {
				t.Errorf("%v %s: lint says %s get through, the meaning %s", arch, e.Name, lp, tr.Permits)
			}
			if stub != (d.Reason == filter.ReasonENOSYS) {
				t.Errorf("%v %s: lint's stub %v, explain's reason %s", arch, e.Name, stub, d.Reason)
			}
			if dp := dt[e.Name].Permits; dp != lp {
				t.Errorf("%v %s: diff says %s get through, lint %s", arch, e.Name, dp, lp)
			}
			// What the program did: a treatment that lets every call or none through
			// must do so for every probe; "some" must have been seen to differ, unless
			// a supervisor decides (NOTIFY).
			switch {
			case tr.Permits == semantics.PermitAll && seen[semantics.PermitNone]:
				t.Errorf("%v %s: the program denies a call the meaning lets through", arch, e.Name)
			case tr.Permits == semantics.PermitNone && seen[semantics.PermitAll]:
				t.Errorf("%v %s: the program lets through a call the meaning denies", arch, e.Name)
			}
			if !tr.Conditional() {
				if want := actionText(d.Ret, d.Reason); !strings.HasPrefix(dt[e.Name].Action, want) {
					t.Errorf("%v %s: diff says %q, the program returns %s", arch, e.Name, dt[e.Name].Action, d.Action)
				}
			}
		}
	}
	return n
}

// probe runs the program on zero arguments and on arguments meeting each conditional
// rule's conditions, checks each result against the meaning, and returns which
// permits it saw.
func probe(t *testing.T, f *filter.Filter, vm *bpf.VM, arch syscalls.Arch, nr int, tr semantics.Treatment) map[semantics.Permit]bool {
	t.Helper()
	seen := map[semantics.Permit]bool{}
	try := func(args [6]uint64) {
		d := bpf.Data{Nr: int32(nr), Arch: arch.AuditArch(), Args: args}
		got, _ := vm.Run(&d)
		want, _, _ := f.Decide(&d)
		if got != want {
			t.Errorf("%v %s %v: the program returns %s, the meaning %s", arch, tr.Name, args, bpf.RetString(got), bpf.RetString(want))
		}
		switch {
		case got == bpf.RetUserNotif:
			seen[semantics.PermitSome] = true
		case semantics.RetPermits(got):
			seen[semantics.PermitAll] = true
		default:
			seen[semantics.PermitNone] = true
		}
	}
	try([6]uint64{})
	try([6]uint64{^uint64(0), 1 << 40, 3, 0x7ffffffe, 1, 2})
	for _, r := range tr.Rules {
		var args [6]uint64
		for _, c := range r.Conds {
			args[c.Arg] = witness(c)
		}
		try(args)
	}
	return seen
}

// witness returns a value that meets c (when c alone can be met).
func witness(c semantics.Cond) uint64 {
	switch c.Op {
	case profile.OpNotEqual, profile.OpGreaterThan:
		return c.Val + 1
	case profile.OpLessThan:
		return c.Val - 1
	}
	return c.Val
}

// actionText is the start of diff's text for a return value.
func actionText(ret uint32, reason semantics.Reason) string {
	switch {
	case reason == semantics.ReasonENOSYS:
		return "SCMP_ACT_ERRNO(38) (runc's stub"
	case ret&bpf.RetActionFull == bpf.RetErrno:
		return fmt.Sprintf("SCMP_ACT_ERRNO(%d)", ret&bpf.RetData)
	case ret == bpf.RetAllow:
		return "SCMP_ACT_ALLOW"
	case ret == bpf.RetLog:
		return "SCMP_ACT_LOG"
	case ret == bpf.RetTrap:
		return "SCMP_ACT_TRAP"
	case ret == bpf.RetKillProcess:
		return "SCMP_ACT_KILL_PROCESS"
	case ret == bpf.RetKillThread:
		return "SCMP_ACT_KILL"
	case ret&bpf.RetActionFull == bpf.RetTrace:
		return "SCMP_ACT_TRACE"
	case ret == bpf.RetUserNotif:
		return "SCMP_ACT_NOTIFY"
	}
	return bpf.RetString(ret)
}
