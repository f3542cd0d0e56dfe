package cli

import (
	"encoding/json"
	"testing"
)

func TestSyscallsVerb(t *testing.T) {
	tests := []cliCase{
		{"open missing on aarch64", []string{"syscalls", "--arch", "aarch64", "open"}, 1,
			[]string{"open\tnot a syscall on aarch64 (did you mean openat"}, ""},
		{"name and number", []string{"syscalls", "--arch", "x86_64", "execve", "0"}, 0,
			[]string{"execve\t59", "read\t0"}, ""},
		{"several arches", []string{"syscalls", "--arch", "x86_64,x32", "execve"}, 0,
			[]string{"x86_64\texecve\t59", "x32\texecve\t1073742344"}, ""},
		{"unknown number", []string{"syscalls", "--arch", "x86_64", "4000"}, 1,
			[]string{"4000\tno syscall with this number on x86_64"}, ""},
		{"unknown arch", []string{"syscalls", "--arch", "vax", "read"}, 2, nil, `unknown architecture "vax"`},
		{"no table", []string{"syscalls", "--arch", "sh", "read"}, 2, nil, "no syscall table for sh"},
		{"nothing asked", []string{"syscalls"}, 2, nil, "name a syscall"},
		{"bad format", []string{"syscalls", "--format", "xml", "read"}, 2, nil, `unknown --format "xml"`},
	}
	runCLICases(t, tests)
}

func TestSyscallsListJSON(t *testing.T) {
	out, errOut, code := execCLI(t, "", "syscalls", "--list", "--arch", "riscv64", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []syscallResult
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 300 {
		t.Fatalf("riscv64 table has %d rows, want 300+", len(rows))
	}
	for _, r := range rows {
		if r.Name == "open" {
			t.Fatal("riscv64 lists open")
		}
	}
}
