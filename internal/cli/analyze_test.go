package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestAnalyzeVerb(t *testing.T) {
	if _, err := os.Stat("/bin/ls"); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	notELF := filepath.Join(dir, "script.sh")
	os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755)
	cache := filepath.Join(dir, "cache")
	tests := []cliCase{
		{"text", []string{"analyze", "--cache-dir", cache, "/bin/ls"}, 0, []string{"SCMP_ARCH_X86_64:", "getdents64", "unresolved syscall sites:"}, ""},
		{"verbose chains", []string{"analyze", "--no-cache", "-v", "/bin/ls"}, 0, []string{"reachable from", "in libc.so.6"}, ""},
		{"strict", []string{"analyze", "--cache-dir", cache, "--strict", "/bin/ls"}, 1, nil, ""},
		{"not ELF", []string{"analyze", notELF}, 2, nil, notELF + ": not an ELF file"},
		{"directory", []string{"analyze", dir}, 2, nil, "is a directory"},
		{"nothing", []string{"analyze"}, 2, nil, "needs a BINARY"},
		{"bad format", []string{"analyze", "--format", "xml", "/bin/ls"}, 2, nil, `unknown --format "xml"`},
	}
	runCLICases(t, tests)
	out, _, code := execCLI(t, "", "analyze", "--format", "json", "--cache-dir", cache, "/bin/ls")
	if code != 0 {
		t.Fatalf("json: exit %d", code)
	}
	var res struct {
		Arches []struct {
			Arch     string
			Syscalls []struct{ Name string }
		}
		Objects []struct{ Path string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json output: %v", err)
	}
	if len(res.Arches) != 1 || len(res.Arches[0].Syscalls) < 20 || len(res.Objects) < 3 {
		t.Errorf("json output: %d arches, objects %d", len(res.Arches), len(res.Objects))
	}
}
