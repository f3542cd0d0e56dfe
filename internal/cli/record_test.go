package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/profile"
)

func TestRecordUsageErrors(t *testing.T) {
	tests := [][]string{
		{"record", "--", "true"},                                   // no -o
		{"record", "-o", "x.json"},                                 // no command
		{"record", "-o", "x.json", "--mode", "fast", "--", "true"}, // bad mode
		{"record", "-o", "x.json", "--mode", "ebpf", "--args", "--", "true"},
		{"record", "-o", "x.json", "--comm", "nginx", "--", "true"},  // --comm without --from-audit
		{"record", "-o", "x.json", "--from-audit", "--", "true"},     // audit takes no command
		{"record", "-o", "x.json", "--pid", "1", "--", "true"},       // both
		{"record", "-o", "x.json", "--duration", "1s", "--", "true"}, // duration with a command
		{"record", "-o", "x.json", "--runtime", "docker", "--", "true"},
		{"record", "-o", "x.json", "--default-action", "allow", "--", "true"},
		{"record", "-o", "x.json", "--arch", "vax", "--", "true"},
		{"record", "-o", "x.json", "--errno", "0", "--", "true"},
		{"generate"},
		{"generate", "--audit-profile", "--from", "x"},
	}
	for _, args := range tests {
		var out, errOut bytes.Buffer
		code := Main(append([]string{"seccompctl"}, args...), strings.NewReader(""), &out, &errOut)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errOut.String())
		}
		if errOut.Len() == 0 || strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 {
			t.Errorf("%v: want one line on stderr, got %q", args, errOut.String())
		}
	}
}

func TestGenerateFromFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "p.json")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"seccompctl", "generate",
		"--from", "../../generate/testdata/journal-k.txt",
		"--from", "../../generate/testdata/strace-c.txt",
		"--from", "../../generate/testdata/app.trace",
		"--arch", "x86_64,aarch64", "--comments", "-o", out}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	p, err := profile.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range p.Syscalls {
		names = append(names, r.AllNames()...)
	}
	for _, want := range []string{"getppid", "getpgid", "openat", "arch_prctl", "wait4", "socket", "exit_group"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s missing from %v", want, names)
		}
	}
	for _, want := range []string{
		"journal-k.txt: audit; 4 lines used, 3 ignored, 2 malformed",
		"journal-k.txt:7: SECCOMP record without syscall=",
		"strace-c.txt: strace -c; 36 lines used",
		"app.trace: trace;",
		"open → openat (aarch64)",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	// The audit profile.
	stdout.Reset()
	if code := Main([]string{"seccompctl", "generate", "--audit-profile", "--arch", "x86_64"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("--audit-profile: exit %d", code)
	}
	ap, err := profile.Parse("audit", stdout.Bytes())
	if err != nil || ap.DefaultAction != profile.ActLog || len(ap.Architectures) != 3 {
		t.Errorf("audit profile %+v, %v", ap, err)
	}

	// stdin, and an input holding nothing.
	stderr.Reset()
	code = Main([]string{"seccompctl", "generate", "--from", "-"}, strings.NewReader("nothing here\n"), &stdout, &stderr)
	if code != ExitUsage || !strings.Contains(stderr.String(), "no SECCOMP records, strace output or trace lines found") {
		t.Errorf("empty stdin: exit %d, stderr %q", code, stderr.String())
	}
}

// seccompctlBinary builds the command for one test: record's ptrace mode re-executes
// its own binary as the exec helper, which a test binary is not.
func seccompctlBinary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seccompctl")
	if out, err := exec.Command("go", "build", "-o", path, "../../cmd/seccompctl").CombinedOutput(); err != nil {
		t.Fatalf("building seccompctl: %v\n%s", err, out)
	}
	return path
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: recording, containers and the audit socket")
	}
}

func TestRecordCommandAsRoot(t *testing.T) {
	needRoot(t)
	bin := seccompctlBinary(t)
	dir := t.TempDir()
	for _, mode := range []string{"ptrace", "ebpf", "auto"} {
		prof := filepath.Join(dir, mode+".json")
		trace := filepath.Join(dir, mode+".trace")
		cmd := exec.Command(bin, "record", "--analysis-cache", t.TempDir(), "--mode", mode, "--save-trace", trace, "-o", prof, "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 3")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if cmd.ProcessState.ExitCode() != 3 {
			t.Fatalf("%s: exit %d (%v), want the command's 3; stderr:\n%s", mode, cmd.ProcessState.ExitCode(), err, stderr.String())
		}
		if stdout.String() != "out\n" || !strings.HasPrefix(stderr.String(), "err\n") {
			t.Errorf("%s: stdout %q stderr %q", mode, stdout.String(), stderr.String())
		}
		wantMode := mode
		if mode == "auto" {
			wantMode = "ebpf mode, chosen by --mode auto"
		}
		if !strings.Contains(stderr.String(), "("+wantMode) {
			t.Errorf("%s: the summary does not say the mode: %q", mode, stderr.String())
		}
		if _, err := profile.Load(prof); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
		data, err := os.ReadFile(trace)
		if err != nil || !strings.Contains(string(data), `"syscall":"execve"`) {
			t.Errorf("%s: trace %q, %v", mode, data, err)
		}
	}
	// A command that does not exist: 127, nothing written.
	prof := filepath.Join(dir, "none.json")
	cmd := exec.Command(bin, "record", "--analysis-cache", t.TempDir(), "-q", "-o", prof, "--", "/nonexistent")
	cmd.Run()
	if cmd.ProcessState.ExitCode() != 127 {
		t.Errorf("missing command: exit %d, want 127", cmd.ProcessState.ExitCode())
	}
	if _, err := os.Stat(prof); err == nil {
		t.Error("a profile was written for a command that never ran")
	}
}

// busyboxWorkload prints the same thing wherever it runs: on the host or in a container
// whose rootfs holds only a static busybox.
// It reads nothing that differs between the two (no directory listings: ls of a big
// /bin sorts with qsort, which calls sysinfo, where the container's small /bin does not).
const busyboxWorkload = `busybox echo hello | busybox tr a-z A-Z; busybox seq 3 | busybox wc -l; busybox sha256sum /bin/busybox | busybox cut -c1-16; busybox echo c b a | busybox tr ' ' '\n' | busybox sort | busybox tail -n 1`

// containerEnv is the environment 'runc spec' gives the container's process.
var containerEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}

// bundle makes an OCI bundle whose rootfs holds a static busybox under a unique name
// (so its audit records can be told apart) and /bin/busybox linking to it.
func bundle(t *testing.T, seccomp *specs.LinuxSeccomp, nnp bool, args []string) (dir, exeName string) {
	t.Helper()
	dir = t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"proc", "dev", "sys", "tmp"} {
		os.MkdirAll(filepath.Join(rootfs, d), 0o755)
	}
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Skip("busybox-static is not installed (scripts/deps.sh installs it)")
	}
	exeName = fmt.Sprintf("bb-%08x", rand.Uint32())
	if err := os.WriteFile(filepath.Join(rootfs, "bin", exeName), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exeName, filepath.Join(rootfs, "bin", "busybox")); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("runc", "spec", "--bundle", dir).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	var spec specs.Spec
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	spec.Process.Terminal = false
	spec.Process.Args = args
	spec.Process.Env = containerEnv
	spec.Process.NoNewPrivileges = nnp
	spec.Linux.Seccomp = seccomp
	data, _ = json.MarshalIndent(&spec, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, exeName
}

func runRunc(t *testing.T, dir string) (stdout string, runPID int, err error) {
	t.Helper()
	id := fmt.Sprintf("seccompctl-test-%08x", rand.Uint32())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "runc", "run", "--bundle", dir, id)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	runPID = cmd.Process.Pid
	err = cmd.Wait()
	exec.Command("runc", "delete", "--force", id).Run()
	if err != nil {
		err = fmt.Errorf("runc run: %v: %s", err, errOut.String())
	}
	return out.String(), runPID, err
}

// TestRecordedProfileInRuncAsRoot: a profile recorded on the host with --runtime runc
// lets the same workload start and run in a real runc container, with and without
// no_new_privs, to the same output; and under the same rules with SCMP_ACT_LOG as the
// default, the kernel logs nothing the profile would have denied.
func TestRecordedProfileInRuncAsRoot(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("runc is not installed (scripts/deps.sh installs it)")
	}
	bin := seccompctlBinary(t)
	args := []string{"/bin/busybox", "sh", "-c", busyboxWorkload}

	host := exec.Command("/usr/bin/busybox", "sh", "-c", busyboxWorkload)
	host.Env, host.Dir = containerEnv, "/"
	want, err := host.Output()
	if err != nil {
		t.Fatal(err)
	}
	// Without --runtime, the recorded profile lacks what runc calls after installing the
	// filter: the container does not start (the failure --runtime exists to prevent).
	// Recorded only: busybox's static completion reaches nearly every syscall, runc's
	// needs among them.
	t.Run("without --runtime", func(t *testing.T) {
		prof := filepath.Join(t.TempDir(), "bare.json")
		cmd := exec.Command(bin, "record", "--complete", "none", "-q", "--mode", "ebpf", "-o", prof, "--", "/usr/bin/busybox", "sh", "-c", busyboxWorkload)
		cmd.Env, cmd.Dir = containerEnv, "/"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("record: %v\n%s", err, out)
		}
		p, err := profile.Load(prof)
		if err != nil {
			t.Fatal(err)
		}
		oci, err := p.ToOCI(profile.ResolveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		dir, _ := bundle(t, oci, false, args)
		if out, _, err := runRunc(t, dir); err == nil {
			t.Errorf("the container started without runc's syscalls allowed (output %q)", out)
		}
	})
	for _, mode := range []string{"ptrace", "ebpf"} {
		for _, nnp := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/nnp=%v", mode, nnp), func(t *testing.T) {
				prof := filepath.Join(t.TempDir(), "busybox.json")
				rec := []string{"record", "--analysis-cache", t.TempDir(), "-q", "--mode", mode, "--runtime", "runc", "-o", prof}
				if nnp {
					rec = append(rec, "--no-new-privs")
				}
				rec = append(rec, "--", "/usr/bin/busybox", "sh", "-c", busyboxWorkload)
				// The same workload: same command, environment and working directory as
				// in the container (a shell without $PWD calls getcwd, for one).
				cmd := exec.Command(bin, rec...)
				cmd.Env, cmd.Dir = containerEnv, "/"
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("record: %v\n%s", err, out)
				}
				p, err := profile.Load(prof)
				if err != nil {
					t.Fatal(err)
				}
				oci, err := p.ToOCI(profile.ResolveOptions{})
				if err != nil {
					t.Fatal(err)
				}
				dir, _ := bundle(t, oci, nnp, args)
				got, _, err := runRunc(t, dir)
				if err != nil {
					t.Fatalf("the container did not run under the recorded profile: %v", err)
				}
				if got != string(want) {
					t.Errorf("container output %q, host output %q", got, want)
				}

				// Same rules, SCMP_ACT_LOG default: anything the profile denies is logged.
				logged := *oci
				logged.DefaultAction = specs.ActLog
				logged.DefaultErrnoRet = nil
				dir, exeName := bundle(t, &logged, nnp, args)
				denied := collectDenials(t, func() (int, error) {
					_, pid, err := runRunc(t, dir)
					return pid, err
				}, exeName)
				if len(denied) > 0 {
					t.Errorf("the profile would deny %v", denied)
				}
			})
		}
	}
}

// collectDenials runs fn while reading SECCOMP records, and returns the syscalls logged
// for the container: records of the busybox copy named exeName, or of runc's init
// process descending from the runc run process fn reports.
func collectDenials(t *testing.T, fn func() (int, error), exeName string) []string {
	t.Helper()
	return collectLogged(t, fn, func(r audit.SeccompRecord, ancestors []int, runPID int) bool {
		return strings.HasSuffix(r.Exe, "/"+exeName) || (strings.HasPrefix(r.Comm, "runc:") && slices.Contains(ancestors, runPID))
	})
}

// collectLogged runs fn, which returns the pid of the process it ran, while reading
// SECCOMP records, and returns the syscalls of the records keep selects. A record's
// ancestors are read from /proc when it arrives, while the process likely still exists.
func collectLogged(t *testing.T, fn func() (int, error), keep func(r audit.SeccompRecord, ancestors []int, runPID int) bool) []string {
	t.Helper()
	c, err := audit.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type rec struct {
		r         audit.SeccompRecord
		ancestors []int
	}
	var recs []rec
	done := make(chan struct{})
	marker := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := c.Read()
			if err != nil {
				return
			}
			r, err := audit.ParseMessage(m)
			if err != nil {
				continue
			}
			if r.Comm == "seccompctl-mark" {
				close(marker)
				return
			}
			recs = append(recs, rec{r, ancestorsOf(r.PID)})
		}
	}()
	runPID, err := fn()
	if err != nil {
		t.Fatal(err)
	}
	// Every record of the run was queued before it exited; one more record of ours
	// marks the end of the queue.
	markAuditQueue(t)
	select {
	case <-marker:
	case <-time.After(time.Minute):
		t.Fatal("the marker record never arrived")
	}
	<-done
	var logged []string
	for _, x := range recs {
		if keep(x.r, x.ancestors, runPID) {
			logged = append(logged, fmt.Sprintf("%s (%s, %s)", x.r.Name, x.r.Comm, x.r.Exe))
		}
	}
	slices.Sort(logged)
	return slices.Compact(logged)
}

// ancestorsOf lists pid's parent, grandparent ... from /proc.
func ancestorsOf(pid int) []int {
	var out []int
	for range 64 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			break
		}
		var ppid int
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "PPid:"); ok {
				fmt.Sscan(strings.TrimSpace(v), &ppid)
			}
		}
		if ppid <= 1 {
			break
		}
		out = append(out, ppid)
		pid = ppid
	}
	return out
}

// markAuditQueue makes the kernel write one SECCOMP record with comm "seccompctl-mark".
func markAuditQueue(t *testing.T) {
	t.Helper()
	script := `import ctypes, os, seccomp
ctypes.CDLL(None).prctl(15, b"seccompctl-mark", 0, 0, 0)
f = seccomp.SyscallFilter(seccomp.ALLOW)
f.add_rule(seccomp.LOG, "getppid")
f.load()
os.getppid()`
	if out, err := exec.Command("/usr/bin/python3", "-c", script).CombinedOutput(); err != nil {
		t.Skipf("python3-seccomp is needed to mark the audit queue: %v\n%s", err, out)
	}
}

// TestAuditModeMatchesPtraceAsRoot: running the workload in a runc container under the
// audit profile while 'record --from-audit' listens yields the profile ptrace mode
// records on the host: the same syscalls allowed.
func TestAuditModeMatchesPtraceAsRoot(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("runc is not installed (scripts/deps.sh installs it)")
	}
	bin := seccompctlBinary(t)
	dir := t.TempDir()
	args := []string{"/bin/busybox", "sh", "-c", busyboxWorkload}

	ptraceProf := filepath.Join(dir, "ptrace.json")
	// What the two recorders saw is compared: not what static analysis adds.
	cmd := exec.Command(bin, "record", "-q", "--complete", "none", "--mode", "ptrace", "--runtime", "runc", "--no-new-privs", "-o", ptraceProf, "--", "/usr/bin/busybox", "sh", "-c", busyboxWorkload)
	cmd.Env, cmd.Dir = containerEnv, "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ptrace record: %v\n%s", err, out)
	}

	auditJSON := filepath.Join(dir, "audit-profile.json")
	if out, err := exec.Command(bin, "generate", "--audit-profile", "-o", auditJSON).CombinedOutput(); err != nil {
		t.Fatalf("generate --audit-profile: %v\n%s", err, out)
	}
	ap, err := profile.Load(auditJSON)
	if err != nil {
		t.Fatal(err)
	}
	oci, err := ap.ToOCI(profile.ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The container runs in a cgroup made for it, which the recorder filters on.
	mount := cgroup2MountForTest(t)
	cg := fmt.Sprintf("/seccompctl-audit-test-%08x", rand.Uint32())
	if err := os.Mkdir(mount+cg, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(mount + cg)

	auditProf := filepath.Join(dir, "audit.json")
	recorder := exec.Command(bin, "record", "--analysis-cache", t.TempDir(), "--from-audit", "--cgroup", cg, "--runtime", "runc", "--no-new-privs", "-o", auditProf)
	var recErr bytes.Buffer
	recorder.Stderr = &recErr
	if err := recorder.Start(); err != nil {
		t.Fatal(err)
	}
	defer recorder.Process.Kill()
	waitAuditSubscriber(t, recorder.Process.Pid)

	marks, err := audit.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer marks.Close()
	bdir, _ := bundle(t, oci, true, args)
	setCgroupsPath(t, bdir, cg)
	out, _, err := runRunc(t, bdir)
	if err != nil {
		t.Fatalf("container under the audit profile: %v", err)
	}
	host := exec.Command("/usr/bin/busybox", "sh", "-c", busyboxWorkload)
	host.Env, host.Dir = containerEnv, "/"
	if want, _ := host.Output(); out != string(want) {
		t.Errorf("output under the audit profile %q, on the host %q", out, want)
	}
	// Once our own subscription sees a later record, the recorder has every record of
	// the container queued; it drains them when told to stop.
	markAuditQueue(t)
	waitMarker(t, marks)
	recorder.Process.Signal(os.Interrupt)
	if err := recorder.Wait(); err != nil {
		t.Fatalf("record --from-audit: %v\n%s", err, recErr.String())
	}

	pp, err := profile.Load(ptraceProf)
	if err != nil {
		t.Fatal(err)
	}
	ap2, err := profile.Load(auditProf)
	if err != nil {
		t.Fatalf("%v\n%s", err, recErr.String())
	}
	t.Logf("ptrace profile allows %d syscalls, audit profile %d", len(allowedNamesOf(pp)), len(allowedNamesOf(ap2)))
	onlyPtrace, onlyAudit := diffNames(allowedNamesOf(pp), allowedNamesOf(ap2))
	if len(onlyPtrace)+len(onlyAudit) > 0 {
		t.Errorf("ptrace and audit profiles differ: only ptrace allows %v, only audit allows %v\nrecorder: %s", onlyPtrace, onlyAudit, recErr.String())
	}
}

func allowedNamesOf(p *profile.Profile) []string {
	var out []string
	for _, r := range p.Syscalls {
		if r.Action == profile.ActAllow && len(r.Args) == 0 {
			out = append(out, r.AllNames()...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func diffNames(a, b []string) (onlyA, onlyB []string) {
	for _, n := range a {
		if !slices.Contains(b, n) {
			onlyA = append(onlyA, n)
		}
	}
	for _, n := range b {
		if !slices.Contains(a, n) {
			onlyB = append(onlyB, n)
		}
	}
	return
}

func cgroup2MountForTest(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		for i, x := range f {
			if x == "-" && i+1 < len(f) && f[i+1] == "cgroup2" {
				return f[4]
			}
		}
	}
	t.Skip("no cgroup v2 hierarchy mounted")
	return ""
}

func setCgroupsPath(t *testing.T, bundleDir, path string) {
	t.Helper()
	file := filepath.Join(bundleDir, "config.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	spec.Linux.CgroupsPath = path
	data, _ = json.MarshalIndent(&spec, "", "  ")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitAuditSubscriber waits until pid has joined the audit multicast group, as
// /proc/net/netlink shows (protocol 9, groups 1, port id = pid).
func waitAuditSubscriber(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile("/proc/net/netlink")
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && f[1] == "9" && f[2] == fmt.Sprint(pid) && f[3] == "00000001" {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d never joined the audit multicast group", pid)
}

func waitMarker(t *testing.T, c *audit.Conn) {
	t.Helper()
	stop := time.AfterFunc(time.Minute, func() { c.Close() })
	defer stop.Stop()
	for {
		m, err := c.Read()
		if err != nil {
			t.Fatalf("waiting for the marker record: %v", err)
		}
		if r, err := audit.ParseMessage(m); err == nil && r.Comm == "seccompctl-mark" {
			return
		}
	}
}

// TestRecordedProfileUnderRunAsRoot: profiles recorded from real programs, enforced by
// 'seccompctl run --profile', let the same programs run to the same output, and under
// the same rules with SCMP_ACT_LOG as the default the kernel logs nothing they would deny.
func TestRecordedProfileUnderRunAsRoot(t *testing.T) {
	needRoot(t)
	bin := seccompctlBinary(t)
	if out, _ := exec.Command(bin, "run", "--help").CombinedOutput(); strings.Contains(string(out), "unknown command") {
		t.Skip("this build has no run verb")
	}
	goBin := filepath.Join(t.TempDir(), "gothreads")
	if out, err := exec.Command("go", "build", "-o", goBin, "../../record/testdata/gothreads").CombinedOutput(); err != nil {
		t.Fatalf("building the Go workload: %v\n%s", err, out)
	}
	workloads := map[string][]string{
		"shell pipeline":  {"/bin/sh", "-c", "ls -l /usr/bin | sort -k5 | tail -n 3 | wc -c"},
		"python3":         {"/usr/bin/python3", "-c", "import json, hashlib; print(json.dumps({'h': hashlib.sha256(open('/etc/passwd','rb').read()).hexdigest()}))"},
		"go threads":      {goBin},
		"busybox applets": {"/usr/bin/busybox", "sh", "-c", busyboxWorkload},
	}
	for name, argv := range workloads {
		for _, mode := range []string{"ptrace", "ebpf"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				dir := t.TempDir()
				prof := filepath.Join(dir, "p.json")
				// Go programs make some calls only on some runs: record three.
				var traces []string
				runs := 1
				if name == "go threads" {
					runs = 3
				}
				for i := range runs {
					trace := filepath.Join(dir, fmt.Sprintf("%d.trace", i))
					rec := exec.Command(bin, append([]string{"record", "--analysis-cache", t.TempDir(), "-q", "--mode", mode, "--save-trace", trace, "-o", prof, "--"}, argv...)...)
					if out, err := rec.CombinedOutput(); err != nil {
						t.Fatalf("record: %v\n%s", err, out)
					}
					traces = append(traces, "--from", trace)
				}
				// Completed from static analysis of what the traces name: busybox calls
				// ioctl(TCGETS) when its stdout is a character device (/dev/null in the
				// check below) and not when it is a pipe (while recording).
				gen := exec.Command(bin, append([]string{"generate", "--analysis-cache", t.TempDir(), "-q", "--complete", "static", "-o", prof}, traces...)...)
				if out, err := gen.CombinedOutput(); err != nil {
					t.Fatalf("generate: %v\n%s", err, out)
				}
				want, err := exec.Command(argv[0], argv[1:]...).Output()
				if err != nil {
					t.Fatal(err)
				}
				var stdout, stderr bytes.Buffer
				run := exec.Command(bin, append([]string{"run", "--profile", prof, "--"}, argv...)...)
				run.Stdout, run.Stderr = &stdout, &stderr
				if err := run.Run(); err != nil {
					t.Fatalf("run under the recorded profile: %v\n%s", err, stderr.String())
				}
				if stdout.String() != string(want) {
					t.Errorf("output under the profile %q, without %q", stdout.String(), want)
				}

				// Same rules, SCMP_ACT_LOG default: anything the profile denies is logged.
				p, err := profile.Load(prof)
				if err != nil {
					t.Fatal(err)
				}
				p.DefaultAction, p.DefaultErrnoRet = profile.ActLog, nil
				logProf := filepath.Join(dir, "log.json")
				if err := profile.WriteFile(logProf, p); err != nil {
					t.Fatal(err)
				}
				denied := collectLogged(t, func() (int, error) {
					var stderr bytes.Buffer
					run := exec.Command(bin, append([]string{"run", "--profile", logProf, "--"}, argv...)...)
					run.Stderr = &stderr
					if err := run.Run(); err != nil {
						return 0, fmt.Errorf("run under the logging profile: %w\n%s", err, stderr.String())
					}
					return run.Process.Pid, nil
				}, func(r audit.SeccompRecord, ancestors []int, runPID int) bool {
					return r.PID == runPID || slices.Contains(ancestors, runPID)
				})
				if len(denied) > 0 {
					t.Errorf("the profile would deny %v", denied)
				}
			})
		}
	}
}

// The profile's path is checked before the command runs: a recording cannot be
// repeated, and finding out at the end loses it.
func TestRecordChecksOutputFirst(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	for _, args := range [][]string{
		{"-o", dir},
		{"-o", filepath.Join(dir, "missing", "p.json")},
		{"-o", filepath.Join(dir, "p.json"), "--save-trace", filepath.Join(dir, "missing", "t")},
	} {
		argv := append([]string{"record", "--analysis-cache", t.TempDir(), "--mode", "ptrace"}, args...)
		argv = append(argv, "--", "/bin/touch", marker)
		_, errOut, code := execCLI(t, "", argv...)
		if code != ExitUsage || !strings.Contains(errOut, dir) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the path", args, code, errOut)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%v: the command ran before the output path was checked", args)
		}
	}
}
