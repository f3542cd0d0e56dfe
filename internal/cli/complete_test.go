package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/analyze"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// A trace of a static busybox that wrote to a pipe: ioctl was never seen.
const busyboxTrace = `{"seccompctlTrace":1,"mode":"ptrace","command":["busybox","echo","hi"],"objects":["/usr/bin/busybox"]}
{"arch":"SCMP_ARCH_X86_64","syscall":"execve","count":1,"exe":"/usr/bin/busybox"}
{"arch":"SCMP_ARCH_X86_64","syscall":"write","count":1,"exe":"/usr/bin/busybox"}
{"arch":"SCMP_ARCH_X86_64","syscall":"exit_group","count":1,"exe":"/usr/bin/busybox"}
`

func TestGenerateCompleteStatic(t *testing.T) {
	if _, err := os.Stat("/usr/bin/busybox"); err != nil {
		t.Skip("busybox-static is not installed (scripts/deps.sh installs it)")
	}
	trace := writeTemp(t, "bb.trace", busyboxTrace)
	for name, args := range map[string][]string{
		"objects of the trace": {"--from", trace},
		"--binary":             {"--from", trace, "--binary", "/usr/bin/busybox"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.json")
			stdout, stderr, code := execCLI(t, "", append([]string{"generate", "--complete", "static", "--analysis-cache", "", "--format", "json", "-o", out}, args...)...)
			if code != 0 {
				t.Fatalf("code %d, stderr %s", code, stderr)
			}
			p, err := profile.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			var ioctl *profile.Rule
			for i, r := range p.Syscalls {
				for _, n := range r.Names {
					if n == "ioctl" {
						ioctl = &p.Syscalls[i]
					}
					if n == "ptrace" || n == "mount" {
						t.Errorf("dangerous %s added: %+v", n, r)
					}
				}
			}
			if ioctl == nil || !strings.HasSuffix(ioctl.Comment, "; not seen while recording") || !strings.HasPrefix(ioctl.Comment, "reachable ") {
				t.Fatalf("ioctl rule %+v: want it added with why", ioctl)
			}
			var rep profileReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("report %q: %v", stdout, err)
			}
			if rep.Completion == nil || len(rep.Completion.Added) == 0 || rep.Allowed <= 3 {
				t.Errorf("report %+v", rep)
			}
			// busybox can mount and ptrace: they are listed for a human, not added.
			held := map[string]bool{}
			for _, w := range rep.Completion.Withheld {
				held[w.Name] = w.Reason != "" && w.Why != ""
			}
			if !held["mount"] {
				t.Errorf("mount not withheld with reason and why: %+v", rep.Completion.Withheld)
			}
		})
	}
}

func TestGenerateCompleteUsage(t *testing.T) {
	trace := writeTemp(t, "bb.trace", busyboxTrace)
	notELF := writeTemp(t, "script.sh", "#!/bin/sh\necho hi\n")
	noObjects := writeTemp(t, "none.trace", strings.Replace(busyboxTrace, `,"objects":["/usr/bin/busybox"]`, "", 1))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--complete", "dynamic"}, "--complete"},
		{[]string{"--binary", "/usr/bin/busybox"}, "--complete static"},
		{[]string{"--complete", "static", "--binary", notELF}, notELF},
		{[]string{"--complete", "static", "--from", noObjects}, "no executable"},
	} {
		args := append([]string{"generate", "--analysis-cache", t.TempDir(), "-o", filepath.Join(t.TempDir(), "p.json")}, tc.args...)
		if !strings.Contains(strings.Join(tc.args, " "), "--from") {
			args = append(args, "--from", trace)
		}
		_, stderr, code := execCLI(t, "", args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: code %d, stderr %q (want it to name %q)", tc.args, code, stderr, tc.want)
		}
	}
}

func TestLintBinary(t *testing.T) {
	if _, err := os.Stat("/usr/bin/busybox"); err != nil {
		t.Skip("busybox-static is not installed (scripts/deps.sh installs it)")
	}
	prof := writeTemp(t, "p.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write", "exit_group", "ioctl"], "action": "SCMP_ACT_ALLOW"}]}`)
	out, stderr, code := execCLI(t, "", "lint", "--fail-on", "never", "--analysis-cache", "", "--binary", "/usr/bin/busybox", prof)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	if !strings.Contains(out, "info SC8001: /usr/bin/busybox can make openat (reachable ") {
		t.Errorf("no SC8001 finding for openat:\n%s", out)
	}
	if strings.Contains(out, "can make ioctl") || strings.Contains(out, "can make read ") {
		t.Errorf("SC8001 reports a syscall the profile allows:\n%s", out)
	}
	if _, stderr, code := execCLI(t, "", "lint", "--binary", prof, prof); code != ExitUsage || !strings.Contains(stderr, prof) {
		t.Errorf("--binary on a JSON file: code %d, stderr %q", code, stderr)
	}
}

// A module dlopen'ed while recording stands for its directory: the other modules there
// are analyzed too, and the report names them on stderr and in JSON.
func TestGenerateCompleteAnalyzesSiblingModules(t *testing.T) {
	const lib = "/lib/x86_64-linux-gnu/libdl.so.2"
	b, err := os.ReadFile(lib)
	if err != nil {
		t.Skipf("needs %s: %v", lib, err)
	}
	mods := filepath.Join(t.TempDir(), "modules")
	os.MkdirAll(mods, 0o755)
	for _, m := range []string{"mod_seen.so", "mod_never_mapped.so"} {
		if err := os.WriteFile(filepath.Join(mods, m), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	trace := writeTemp(t, "true.trace", `{"seccompctlTrace":1,"mode":"ptrace","command":["true"],"objects":["/usr/bin/true",`+
		`"`+filepath.Join(mods, "mod_seen.so")+`"]}
{"arch":"SCMP_ARCH_X86_64","syscall":"execve","count":1,"exe":"/usr/bin/true"}
{"arch":"SCMP_ARCH_X86_64","syscall":"exit_group","count":1,"exe":"/usr/bin/true"}
`)
	for _, format := range []string{"text", "json"} {
		stdout, stderr, code := execCLI(t, "", "generate", "--complete", "static", "--analysis-cache", "", "--format", format,
			"--from", trace, "-o", filepath.Join(t.TempDir(), "p.json"))
		if code != 0 {
			t.Fatalf("code %d, stderr %s", code, stderr)
		}
		never := filepath.Join(mods, "mod_never_mapped.so")
		if format == "text" {
			if !strings.Contains(stderr, "modules never mapped while recording analyzed too") || !strings.Contains(stderr, mods) {
				t.Errorf("stderr does not name the sibling module's directory:\n%s", stderr)
			}
			continue
		}
		var rep profileReport
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("report %q: %v", stdout, err)
		}
		if rep.Completion == nil || !slices.Contains(rep.Completion.Modules, never) || !slices.Contains(rep.Completion.Analyzed, never) {
			t.Errorf("completion %+v: want %s among the modules and the objects analyzed", rep.Completion, never)
		}
	}
}

// --module-dir names a directory modules are loaded from: each shared object in it is
// analyzed, though the recording never mapped one; a bad directory is a usage error.
func TestGenerateCompleteModuleDir(t *testing.T) {
	const lib = "/lib/x86_64-linux-gnu/libdl.so.2"
	b, err := os.ReadFile(lib)
	if err != nil {
		t.Skipf("needs %s: %v", lib, err)
	}
	mods := t.TempDir()
	module := filepath.Join(mods, "plugin.so")
	if err := os.WriteFile(module, b, 0o755); err != nil {
		t.Fatal(err)
	}
	trace := writeTemp(t, "true.trace", `{"seccompctlTrace":1,"mode":"ptrace","command":["true"],"objects":["/usr/bin/true"]}
{"arch":"SCMP_ARCH_X86_64","syscall":"execve","count":1,"exe":"/usr/bin/true"}
`)
	out := filepath.Join(t.TempDir(), "p.json")
	stdout, stderr, code := execCLI(t, "", "generate", "--complete", "static", "--analysis-cache", "", "--format", "json",
		"--from", trace, "--module-dir", mods, "-o", out)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	var rep profileReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("report %q: %v", stdout, err)
	}
	if rep.Completion == nil || !slices.Contains(rep.Completion.Modules, module) || !slices.Contains(rep.Completion.ModuleDirs, mods) {
		t.Errorf("completion %+v: want %s analyzed from %s", rep.Completion, module, mods)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--complete", "static", "--module-dir", filepath.Join(mods, "missing")}, "missing"},
		{[]string{"--complete", "static", "--module-dir", module}, "not a directory"},
		{[]string{"--complete", "none", "--module-dir", mods}, "--complete static"},
	} {
		_, stderr, code := execCLI(t, "", append([]string{"generate", "--from", trace, "-o", out}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: code %d, stderr %q (want exit %d naming %q)", tc.args, code, stderr, ExitUsage, tc.want)
		}
	}
}

// The note lines name the recorded objects before the modules analyzed because they
// might be loaded, and at most maxNoteObjects of them.
func TestCompletionPrintNamesRecordedObjectsFirst(t *testing.T) {
	c := &completion{Modules: []string{"/m/gconv1.so", "/m/gconv2.so"}}
	for _, o := range []string{"/m/gconv1.so", "/m/gconv2.so", "/usr/sbin/server"} {
		c.Notes = append(c.Notes, analyze.Note{Kind: analyze.NoteExec, Object: o})
	}
	for i := range maxNoteObjects + 3 {
		c.Notes = append(c.Notes, analyze.Note{Kind: analyze.NoteDlopen, Object: fmt.Sprintf("/lib/l%d.so", i)})
	}
	var b strings.Builder
	c.print(&b)
	if !strings.Contains(b.String(), "exec (3 in server, gconv1.so, gconv2.so)") {
		t.Errorf("exec line does not name the server first:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "l7.so, 3 more)") || strings.Contains(b.String(), "l8.so") {
		t.Errorf("dlopen line does not stop at %d objects:\n%s", maxNoteObjects, b.String())
	}
}

// TestCompleteAnalyzesNamedPrograms completes a recording of a C program that executes
// what it is given: libc names /bin/sh (system, popen), so the shell, which never ran
// while recording, is analyzed too and every call it can make is allowed.
func TestCompleteAnalyzesNamedPrograms(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed (scripts/deps.sh installs it)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.c")
	os.WriteFile(src, []byte("#include <unistd.h>\nint main(int argc, char **argv) { execv(argv[1], argv + 1); return 127; }\n"), 0o644)
	bin := filepath.Join(dir, "runner")
	if out, err := exec.Command("gcc", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	trace := writeTemp(t, "runner.trace", fmt.Sprintf(`{"seccompctlTrace":1,"mode":"ptrace","command":[%[1]q],"objects":[%[1]q]}
{"arch":"SCMP_ARCH_X86_64","syscall":"execve","count":1,"exe":%[1]q}
{"arch":"SCMP_ARCH_X86_64","syscall":"exit_group","count":1,"exe":%[1]q}
`, bin))
	out := filepath.Join(dir, "p.json")
	stdout, stderr, code := execCLI(t, "", "generate", "--complete", "static", "--analysis-cache", "", "--format", "json", "-o", out, "--from", trace)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	var rep profileReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("report %q: %v", stdout, err)
	}
	named := false
	for _, e := range rep.Completion.Executed {
		named = named || e.Path == "/bin/sh" && filepath.Base(e.NamedBy) == "libc.so.6"
	}
	if !named {
		t.Fatalf("completion.executed = %+v, want /bin/sh named by libc.so.6", rep.Completion.Executed)
	}
	sh, err := analyze.Analyze(t.Context(), []string{"/bin/sh"}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			allowed[n] = r.Action == profile.ActAllow
		}
	}
	for _, n := range sh.Set("SCMP_ARCH_X86_64") {
		if _, dangerous := syscalls.Dangerous(n); !allowed[n] && !dangerous {
			t.Errorf("%s, reachable in /bin/sh, is not allowed", n)
		}
	}
	// On stderr too, in the text report.
	_, stderr, code = execCLI(t, "", "generate", "--complete", "static", "--analysis-cache", "", "-o", out, "--from", trace)
	if code != 0 || !strings.Contains(stderr, "/bin/sh (named by libc.so.6)") {
		t.Errorf("code %d, stderr %q: want the shell named", code, stderr)
	}
}
