package generate

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/internal/goldenfile"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

var update = goldenfile.Update

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenfile.Check(t, path, got)
}

// sample is a recording with what generation must handle: several executables, a
// syscall aarch64 lacks (open), compat calls, argument values, an unknown number.
func sample() *record.Recording {
	r := record.New("ptrace")
	x := syscalls.X86_64
	r.Add(record.Call{Arch: x, Name: "execve", Exe: "/bin/sh"}, 1)
	r.Add(record.Call{Arch: x, Name: "read", Exe: "/bin/sh"}, 10)
	r.Add(record.Call{Arch: x, Name: "read", Exe: "/usr/bin/cat"}, 30)
	r.Add(record.Call{Arch: x, Name: "write", Exe: "/usr/bin/cat"}, 5)
	r.Add(record.Call{Arch: x, Name: "open", Exe: "/usr/bin/cat", Args: record.ArgsOf(x, "open", [6]uint64{0, 0o2000000})}, 4)
	r.Add(record.Call{Arch: x, Name: "socket", Exe: "/usr/bin/curl", Args: record.ArgsOf(x, "socket", [6]uint64{1, 0o2000001})}, 2)
	r.Add(record.Call{Arch: x, Name: "socket", Exe: "/usr/bin/curl", Args: record.ArgsOf(x, "socket", [6]uint64{10, 2})}, 1)
	r.Add(record.Call{Arch: x, Name: "clone", Exe: "/bin/sh", Args: record.ArgsOf(x, "clone", [6]uint64{0x1200011})}, 2)
	r.Add(record.Call{Arch: x, Name: "exit_group", Exe: "/usr/bin/cat"}, 1)
	r.Add(record.Call{Arch: syscalls.X86, Name: "mmap2", Exe: "/opt/legacy32"}, 3)
	r.AddNumber(x, 999, "/bin/sh", record.ArgSet{}, 1)
	return r
}

func TestProfileGolden(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"comments", Options{Comments: true}},
		{"args", Options{Args: true, Comments: true}},
		{"multiarch", Options{Arches: []syscalls.Arch{syscalls.X86_64, syscalls.AArch64}, Comments: true, Args: true}},
		{"runc", Options{Runtime: "runc"}},
		{"runc-nnp", Options{Runtime: "runc", NoNewPrivs: true}},
		{"kill", Options{DefaultAction: profile.ActKillProcess}},
		{"enosys", Options{Errno: 38}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := Profile(sample(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", tt.name+".json"), got)
			// The profile the runtimes read must load back.
			if _, err := profile.Parse(tt.name, got); err != nil {
				t.Errorf("generated profile does not parse: %v", err)
			}
		})
	}
}

func TestProfileIsDeterministic(t *testing.T) {
	opts := Options{Arches: []syscalls.Arch{syscalls.X86_64, syscalls.AArch64, syscalls.RISCV64}, Comments: true, Args: true, Runtime: "crun"}
	first, _, err := Profile(sample(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := first.Marshal()
	for range 20 {
		p, _, _ := Profile(sample(), opts)
		got, _ := p.Marshal()
		if !bytes.Equal(got, want) {
			t.Fatalf("two generations of the same recording differ:\n%s\n----\n%s", want, got)
		}
	}
}

func allowedNames(p *profile.Profile) []string {
	var out []string
	for _, r := range p.Syscalls {
		if r.Action == profile.ActAllow {
			out = append(out, r.AllNames()...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestProfileSemantics(t *testing.T) {
	p, rep, err := Profile(sample(), Options{Arches: []syscalls.Arch{syscalls.X86_64, syscalls.AArch64}, Args: true})
	if err != nil {
		t.Fatal(err)
	}
	names := allowedNames(p)
	for _, want := range []string{"open", "openat", "read", "write", "execve", "socket", "clone", "exit_group", "exit"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not allowed; allowed: %v", want, names)
		}
	}
	if slices.Contains(names, "syscall_999") {
		t.Error("an unknown number became a rule")
	}
	if !slices.Contains(rep.Dropped, "syscall_999 (x86_64): unknown syscall") {
		t.Errorf("Dropped = %v", rep.Dropped)
	}
	if !slices.Contains(rep.Translated, "open → openat (aarch64)") {
		t.Errorf("Translated = %v", rep.Translated)
	}
	// mmap2 exists only on 32-bit arches: neither target has it.
	if slices.Contains(names, "mmap2") {
		t.Error("mmap2 allowed on 64-bit-only targets")
	}
	if *p.DefaultErrnoRet != EPERM || p.DefaultAction != profile.ActErrno {
		t.Errorf("default %v errno %d", p.DefaultAction, *p.DefaultErrnoRet)
	}

	// The socket rules allow exactly the recorded (family, type) pairs, whatever the
	// flags ORed into type.
	allows := func(name string, args [6]uint64) bool {
		for _, r := range p.Syscalls {
			if !slices.Contains(r.AllNames(), name) || r.Action != profile.ActAllow {
				continue
			}
			ok := true
			for _, a := range r.Args {
				if !a.Holds(args[a.Index]) {
					ok = false
				}
			}
			if ok {
				return true
			}
		}
		return false
	}
	const sockCloexec = 0o2000000
	for _, c := range []struct {
		name string
		args [6]uint64
		want bool
	}{
		{"socket", [6]uint64{1, 1}, true},                     // AF_UNIX, SOCK_STREAM
		{"socket", [6]uint64{1, 1 | sockCloexec}, true},       // with SOCK_CLOEXEC
		{"socket", [6]uint64{0xffffffff00000001, 1}, true},    // upper half ignored like the kernel does
		{"socket", [6]uint64{10, 2}, true},                    // AF_INET6, SOCK_DGRAM
		{"socket", [6]uint64{2, 1}, false},                    // AF_INET was never recorded
		{"socket", [6]uint64{1, 2}, false},                    // AF_UNIX datagram neither
		{"clone", [6]uint64{0x1200011}, true},                 // fork-like clone
		{"clone", [6]uint64{0x1200011 | 0x10000000}, false},   // CLONE_NEWUSER
		{"open", [6]uint64{0, 0o2000000}, true},               // O_RDONLY|O_CLOEXEC
		{"open", [6]uint64{0, 0o101}, false},                  // O_WRONLY|O_CREAT
		{"openat", [6]uint64{0xffffff9c, 0, 0o2200000}, true}, // translated for aarch64: flags are arg 2
		{"openat", [6]uint64{0xffffff9c, 0, 0o1}, false},      // write access was never recorded
		{"read", [6]uint64{3, 0x1000, 4096}, true},            // unconditional
		{"personality", [6]uint64{0xffffffff}, false},         // never recorded
	} {
		if got := allows(c.name, c.args); got != c.want {
			t.Errorf("%s%v allowed = %v, want %v", c.name, c.args, got, c.want)
		}
	}
}

func TestProfileRuntime(t *testing.T) {
	r := record.New("ptrace")
	r.Add(record.Call{Arch: syscalls.X86_64, Name: "write"}, 1)
	p, rep, err := Profile(r, Options{Runtime: "runc"})
	if err != nil {
		t.Fatal(err)
	}
	names := allowedNames(p)
	for _, want := range []string{"write", "execve", "fstatfs", "exit_group"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s missing with --runtime runc: %v", want, names)
		}
	}
	if slices.Contains(rep.RuntimeAdded, "write") {
		t.Error("a recorded syscall was reported as added for the runtime")
	}
	if _, _, err := Profile(r, Options{Runtime: "docker"}); err == nil {
		t.Error("an unknown runtime was accepted")
	}
}

// TestProfileRuntimes: with two runtimes the profile holds what either needs, and the
// rule says both, so a node running either one starts the container.
func TestProfileRuntimes(t *testing.T) {
	r := record.New("ebpf")
	r.Add(record.Call{Arch: syscalls.X86_64, Name: "write"}, 1)
	union := map[string]bool{}
	for _, rt := range []string{"runc", "crun"} {
		_, rep, err := Profile(r, Options{Runtime: rt})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range rep.RuntimeAdded {
			union[n] = true
		}
	}
	p, rep, err := Profile(r, Options{Runtime: "runc", Runtimes: []string{"crun", "none", "runc"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.RuntimeAdded) != len(union) {
		t.Errorf("runc and crun together add %d names, want the %d of their union: %v", len(rep.RuntimeAdded), len(union), rep.RuntimeAdded)
	}
	for n := range union {
		if !slices.Contains(rep.RuntimeAdded, n) {
			t.Errorf("%s (needed by one of runc, crun) missing", n)
		}
	}
	found := false
	for _, rule := range p.Syscalls {
		if strings.HasPrefix(rule.Comment, "needed by crun or runc ") {
			found = true
		}
	}
	if !found {
		t.Errorf("no rule says it is needed by crun or runc: %+v", p.Syscalls)
	}
}

func TestProfileEmpty(t *testing.T) {
	if _, _, err := Profile(record.New("x"), Options{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("err = %v, want ErrEmpty", err)
	}
}

func TestParseDefaultAction(t *testing.T) {
	for in, want := range map[string]profile.Action{
		"errno": profile.ActErrno, "kill": profile.ActKillProcess, "KILL-THREAD": profile.ActKillThread,
		"log": profile.ActLog, "trace": profile.ActTrace, "SCMP_ACT_TRAP": profile.ActTrap,
	} {
		got, err := ParseDefaultAction(in)
		if err != nil || got != want {
			t.Errorf("ParseDefaultAction(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"allow", "SCMP_ACT_ALLOW", "notify", "deny", ""} {
		if _, err := ParseDefaultAction(bad); err == nil {
			t.Errorf("ParseDefaultAction(%q) accepted", bad)
		}
	}
}

func TestAuditProfile(t *testing.T) {
	p := AuditProfile([]syscalls.Arch{syscalls.X86_64})
	if p.DefaultAction != profile.ActLog || len(p.Syscalls) != 0 {
		t.Errorf("audit profile %+v", p)
	}
	want := []syscalls.Arch{syscalls.X86, syscalls.X86_64, syscalls.X32}
	if !slices.Equal(p.Architectures, want) {
		t.Errorf("architectures %v, want %v", p.Architectures, want)
	}
	data, _ := p.Marshal()
	if !strings.Contains(string(data), `"SCMP_ACT_LOG"`) {
		t.Errorf("marshalled: %s", data)
	}
	// A mips64 kernel also runs o32 and n32 programs: their calls must be logged too
	// (the audit profile's own map of sub-architectures used to lack MIPS).
	p = AuditProfile([]syscalls.Arch{syscalls.MIPSEL64})
	want = []syscalls.Arch{syscalls.MIPSEL, syscalls.MIPSEL64, syscalls.MIPSEL64N32}
	if !slices.Equal(p.Architectures, want) {
		t.Errorf("mipsel64: architectures %v, want %v", p.Architectures, want)
	}
}

// TestProfileRestartSyscall: a recorded call the kernel may resume with restart_syscall
// brings restart_syscall in, with a rule saying the kernel makes it; nothing else does.
func TestProfileRestartSyscall(t *testing.T) {
	rule := func(p *profile.Profile) *profile.Rule {
		for i, r := range p.Syscalls {
			if slices.Contains(r.Names, "restart_syscall") {
				return &p.Syscalls[i]
			}
		}
		return nil
	}
	for _, tc := range []struct {
		name     string
		recorded []string
		opts     Options
		want     string // the rule's comment; "" for no rule
	}{
		{"nanosleep recorded", []string{"write", "nanosleep"}, Options{}, "to resume nanosleep after a signal or a stop"},
		{"futex recorded", []string{"futex", "read"}, Options{}, "to resume futex after a signal or a stop"},
		{"already recorded", []string{"poll", "restart_syscall"}, Options{}, ""},
		{"nothing resumable", []string{"read", "write", "epoll_wait"}, Options{}, ""},
		{"logging profile", []string{"nanosleep"}, Options{DefaultAction: profile.ActLog}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := record.New("ptrace")
			for _, n := range tc.recorded {
				r.Add(record.Call{Arch: syscalls.X86_64, Name: n}, 1)
			}
			p, _, err := Profile(r, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := rule(p)
			switch {
			case tc.want == "" && slices.Contains(tc.recorded, "restart_syscall"):
				if got == nil || got.Comment != "" {
					t.Errorf("recorded restart_syscall: rule %+v, want the recorded rule", got)
				}
			case tc.want == "":
				if got != nil {
					t.Errorf("restart_syscall allowed by %+v, want no rule", got)
				}
			case got == nil:
				t.Errorf("no restart_syscall rule in %+v", p.Syscalls)
			case len(got.Names) != 1 || !strings.Contains(got.Comment, "made by the kernel") || !strings.Contains(got.Comment, tc.want):
				t.Errorf("rule %+v, want restart_syscall alone, commented %q", got, tc.want)
			}
		})
	}
}
