package record

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/syscalls"
)

func sampleRecording() *Recording {
	r := New("ptrace")
	r.Command = []string{"sh", "-c", "ls | wc -l"}
	r.Objects = []string{"/bin/ls", "/bin/wc", "/lib/libc.so.6"}
	r.ObjectGaps = []string{"1 processes mapped a file executable and exited before the recorder read their mappings"}
	x := syscalls.X86_64
	r.Add(Call{Arch: x, Name: "read", Exe: "/bin/ls"}, 3)
	r.Add(Call{Arch: x, Name: "read", Exe: "/bin/wc"}, 7)
	r.Add(Call{Arch: x, Name: "read"}, 1)
	r.Add(Call{Arch: x, Name: "socket", Exe: "/bin/ls", Args: ArgsOf(x, "socket", [6]uint64{1, 0x80001})}, 2)
	r.Add(Call{Arch: syscalls.X86, Name: "mmap2", Exe: "/opt/a32"}, 4)
	r.AddNumber(x, 99999, "/bin/ls", ArgSet{}, 1)
	return r
}

func TestSyscallsGroups(t *testing.T) {
	got := sampleRecording().Syscalls()
	var names []string
	for _, s := range got {
		names = append(names, s.Arch.Name()+"/"+s.Name)
	}
	want := []string{"x86/mmap2", "x86_64/read", "x86_64/socket", "x86_64/syscall_99999"}
	if !slices.Equal(names, want) {
		t.Fatalf("grouped %v, want %v", names, want)
	}
	read := got[1]
	if read.Count != 11 || read.Unconditional != 11 || len(read.ArgSets) != 0 {
		t.Errorf("read %+v", read)
	}
	if want := []Counted[string]{{"/bin/wc", 7}, {"/bin/ls", 3}}; !slices.Equal(read.Executables, want) {
		t.Errorf("read executables %v, want %v (unknown executables are not listed)", read.Executables, want)
	}
	sock := got[2]
	if sock.Unconditional != 0 || len(sock.ArgSets) != 1 || sock.ArgSets[0].Value.String() != "arg0 & 0xffffffff == 0x1 && arg1 & 0xf == 0x1" {
		t.Errorf("socket %+v", sock)
	}
}

func TestArgsOf(t *testing.T) {
	x := syscalls.X86_64
	tests := []struct {
		arch syscalls.Arch
		name string
		args [6]uint64
		want string
	}{
		{x, "openat", [6]uint64{0xffffff9c, 0x1000, 0o2101}, "arg2 & 0x243 == 0x41"},
		{x, "clone", [6]uint64{0x1200011}, "arg0 & 0x7e020000 == 0x0"},
		{syscalls.S390X, "clone", [6]uint64{0, 0x10000000}, "arg1 & 0x7e020000 == 0x10000000"},
		{x, "ioctl", [6]uint64{1, 0xffffffff00005401}, "arg1 & 0xffffffff == 0x5401"},
		{x, "mprotect", [6]uint64{0, 0, 0x1000005}, "arg2 & 0x7 == 0x5"},
		{syscalls.X86, "mmap", [6]uint64{0x1000}, ""}, // old_mmap takes a struct pointer
		{x, "read", [6]uint64{0, 1, 2}, ""},
	}
	for _, tt := range tests {
		if got := ArgsOf(tt.arch, tt.name, tt.args).String(); got != tt.want {
			t.Errorf("ArgsOf(%s, %s) = %q, want %q", tt.arch.Name(), tt.name, got, tt.want)
		}
	}
}

func TestTraceRoundTrip(t *testing.T) {
	r := sampleRecording()
	var buf bytes.Buffer
	if err := r.WriteTrace(&buf); err != nil {
		t.Fatal(err)
	}
	if !IsTrace(buf.Bytes()) {
		t.Fatal("IsTrace rejects a trace")
	}
	back, err := ReadTrace(bytes.NewReader(buf.Bytes()), func(line int, err error) { t.Errorf("line %d: %v", line, err) })
	if err != nil {
		t.Fatal(err)
	}
	if back.Mode != r.Mode || !slices.Equal(back.Command, r.Command) || !slices.Equal(back.Objects, r.Objects) || !slices.Equal(back.ObjectGaps, r.ObjectGaps) || len(back.Calls) != len(r.Calls) {
		t.Fatalf("read back %+v", back)
	}
	for c, n := range r.Calls {
		if back.Calls[c] != n {
			t.Errorf("%+v: %d, want %d", c, back.Calls[c], n)
		}
	}
	// Equal recordings give equal files.
	var again bytes.Buffer
	back.WriteTrace(&again)
	if again.String() != buf.String() {
		t.Errorf("rewritten trace differs:\n%s\n---\n%s", buf.String(), again.String())
	}
}

func TestReadTraceMalformed(t *testing.T) {
	in := `{"seccompctlTrace":1,"mode":"ptrace"}
{"arch":"SCMP_ARCH_X86_64","syscall":"read","count":2}
{"arch":"SCMP_ARCH_NOPE","syscall":"read","count":2}
{"arch":"SCMP_ARCH_X86_64","syscall":"read"}
{"arch":"SCMP_ARCH_X86_64","syscall":"read","count":1,"args":[{"index":9,"mask":1,"value":1}]}
{"arch":"SCMP_ARCH_X86_64","syscall":"read","count":1,"extra":true}
{broken
` + `{"arch":"SCMP_ARCH_X86_64","syscall":"open","comment":"` + strings.Repeat("x", 2<<20) + `"}
` + `
{"arch":"SCMP_ARCH_X86_64","syscall":"write","count":1}
`
	var bad []int
	r, err := ReadTrace(strings.NewReader(in), func(line int, err error) { bad = append(bad, line) })
	if err != nil {
		t.Fatal(err)
	}
	// Line 8 is over the 1 MiB line limit: skipped like any malformed line, not fatal.
	if !slices.Equal(bad, []int{3, 4, 5, 6, 7, 8}) {
		t.Errorf("malformed lines %v", bad)
	}
	if got := r.Names(syscalls.X86_64); !slices.Equal(got, []string{"read", "write"}) {
		t.Errorf("names %v", got)
	}
	if _, err := ReadTrace(strings.NewReader("hello\n"), nil); !errors.Is(err, ErrNotTrace) {
		t.Errorf("non-trace: %v", err)
	}
	if _, err := ReadTrace(strings.NewReader(`{"seccompctlTrace":99}`+"\n"), nil); err == nil {
		t.Error("a newer format version was accepted")
	}
}

func FuzzReadTrace(f *testing.F) {
	var buf bytes.Buffer
	sampleRecording().WriteTrace(&buf)
	f.Add(buf.String())
	f.Add("{\"seccompctlTrace\":1}\n{\"arch\":\"x86_64\",\"syscall\":\"x\",\"count\":1,\"args\":[{},{},{},{}]}\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ReadTrace(strings.NewReader(in), nil)
		if err != nil {
			return
		}
		for c, n := range r.Calls {
			if !c.Arch.Valid() || c.Name == "" || n == 0 || c.Args.N > MaxArgs {
				t.Fatalf("accepted %+v x%d", c, n)
			}
			for _, v := range c.Args.Values() {
				if v.Index > 5 {
					t.Fatalf("argument index %d", v.Index)
				}
			}
		}
		// What was read writes back and reads back the same.
		var out bytes.Buffer
		if err := r.WriteTrace(&out); err != nil {
			t.Fatal(err)
		}
		back, err := ReadTrace(&out, func(line int, err error) { t.Fatalf("rewritten line %d: %v", line, err) })
		if err != nil || len(back.Calls) != len(r.Calls) {
			t.Fatalf("round trip: %v, %d calls, want %d", err, len(back.Calls), len(r.Calls))
		}
	})
}
