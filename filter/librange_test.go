package filter

import (
	"encoding/base64"
	"testing"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// libseccomp 2.5.4 merges two 64-bit range conditions on the same argument of a
// syscall wrongly: with LOG for fchmodat when arg3 <= 0x100000001 and, in the same rule
// (runc then splits it) or another, arg3 < 3, its program returns the default action
// for arg3 = 0x7ffffffe, which the first condition admits. seccompctl follows the
// stated meaning and warns (WarnLibseccompRanges); this test reproduces the difference
// with the real libseccomp so that the warning stays honest.
func TestLibseccompRangeMerge(t *testing.T) {
	requireLibseccomp(t)
	loadLibseccompNames(t)
	for _, tt := range []struct{ name, rules string }{
		{"two rules", `{"names": ["fchmodat"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 4294967297, "op": "SCMP_CMP_LE"}]},
			{"names": ["fchmodat"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 3, "op": "SCMP_CMP_LT"}]}`},
		{"one rule", `{"names": ["fchmodat"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 4294967297, "op": "SCMP_CMP_LE"},
			{"index": 3, "value": 3, "op": "SCMP_CMP_LT"}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := profile.Parse("range.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
				"syscalls": [{"names": ["read", "exit_group"], "action": "SCMP_ACT_ALLOW"}, `+tt.rules+`]}`))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Compile(p, Options{Arches: []syscalls.Arch{syscalls.X86_64}})
			if err != nil {
				t.Fatal(err)
			}
			warned := false
			for _, w := range f.Warnings {
				warned = warned || w.Kind == WarnLibseccompRanges
			}
			if !warned {
				t.Errorf("no %s warning: %v", WarnLibseccompRanges, f.Warnings)
			}
			def, _ := semantics.Ret(p.DefaultAction, p.DefaultErrnoRet, p.DefaultErrno, "")
			res := runPython(t, []pyJob{{ID: 0, Def: def, Arches: []string{"X86_64"}, Rules: runcRules(f.Profile)}})[0]
			if res.Err != "" {
				t.Fatalf("libseccomp: %s", res.Err)
			}
			raw, err := base64.StdEncoding.DecodeString(res.BPF)
			if err != nil {
				t.Fatal(err)
			}
			lib, err := bpf.Decode(raw, f.Order())
			if err != nil {
				t.Fatal(err)
			}
			libVM, err := bpf.NewVM(lib, f.Order())
			if err != nil {
				t.Fatal(err)
			}
			nr, _ := syscalls.Number(syscalls.X86_64, "fchmodat")
			for _, c := range []struct {
				arg3     uint64
				ours     uint32
				libDiffs bool
			}{
				{2, bpf.RetLog, false},
				{0x7ffffffe, bpf.RetLog, true}, // the miscompiled value
				{0x100000002, def, false},
			} {
				d := bpf.Data{Nr: int32(nr), Arch: syscalls.X86_64.AuditArch(), Args: [6]uint64{0, 0, 0, c.arg3}}
				got, err := f.Explain(syscalls.X86_64, nr, d.Args)
				if err != nil {
					t.Fatal(err)
				}
				libRet, _ := libVM.Run(&d)
				if got.Ret != c.ours {
					t.Errorf("arg3 %#x: seccompctl %s, want %s", c.arg3, got.Action, bpf.RetString(c.ours))
				}
				if (libRet != c.ours) != c.libDiffs {
					t.Errorf("arg3 %#x: libseccomp %s, seccompctl %s; expected them to differ: %v", c.arg3, bpf.RetString(libRet), got.Action, c.libDiffs)
				}
			}
		})
	}
}
