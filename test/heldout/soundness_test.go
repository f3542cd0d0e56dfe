package heldout_test

import (
	"bufio"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/analyze"
)

// soundnessPrograms are Debian programs driven broadly under strace -f: CLI tools,
// shells and interpreters, a static binary (busybox) and a Go server (etcd, driven with
// curl).
var soundnessPrograms = map[string][]string{
	"etcd": {"/bin/sh", "-c", `d=$(mktemp -d); c=http://127.0.0.1:23791; p=http://127.0.0.1:23801
etcd --data-dir $d/data --listen-client-urls $c --advertise-client-urls $c --listen-peer-urls $p --initial-advertise-peer-urls $p --initial-cluster default=$p --log-level error & e=$!
for i in $(seq 50); do curl -sf $c/health >/dev/null && break; sleep 0.2; done
curl -s -XPOST $c/v3/kv/put -d '{"key":"YQ==","value":"Yg=="}' >/dev/null
curl -s -XPOST $c/v3/kv/compaction -d '{"revision":"2"}' >/dev/null
curl -s -XPOST $c/v3/maintenance/defragment -d '{}' >/dev/null
curl -s -XPOST $c/v3/maintenance/snapshot -d '{}' >/dev/null
kill $e; wait $e; rm -rf $d`},
	"ls":      {"/bin/ls", "-laR", "/usr/share/doc/coreutils"},
	"tar":     {"/bin/sh", "-c", "cd /tmp && tar czf x.tgz -C /usr/share/doc coreutils && tar tzf x.tgz >/dev/null && rm x.tgz"},
	"gzip":    {"/bin/gzip", "-9", "-c", "/etc/services"},
	"grep":    {"/bin/grep", "-r", "-c", "GNU", "/usr/share/doc/coreutils"},
	"sed":     {"/bin/sed", "-n", "s/tcp/TCP/p", "/etc/services"},
	"sort":    {"/usr/bin/sort", "--parallel=2", "-S", "1M", "-k2", "/etc/services"},
	"find":    {"/usr/bin/find", "/usr/share/doc", "-name", "*.gz", "-newer", "/etc/hostname"},
	"cp":      {"/bin/sh", "-c", "cp -a /usr/share/doc/coreutils /tmp/cp-sound && rm -r /tmp/cp-sound"},
	"dash":    {"/bin/dash", "-c", "for i in 1 2 3; do echo $i; done | wc -l; read x < /etc/hostname; cd /tmp; umask 022; trap 'echo t' EXIT"},
	"bash":    {"/bin/bash", "-c", "a=($(seq 5)); echo ${#a[@]}; (sleep 0.1 &); wait; printf '%s\\n' *; ulimit -n"},
	"perl":    {"/usr/bin/perl", "-e", "use POSIX; use File::Temp qw(tempfile); my ($fh,$n)=tempfile(); print $fh 'x'; close $fh; unlink $n; opendir(my $d,'/etc'); my @e=readdir($d); print scalar(@e),\"\\n\"; print POSIX::strftime('%Y',localtime),\"\\n\""},
	"python3": {"/usr/bin/python3", "-c", "import json, hashlib, socket, subprocess, threading, sqlite3, ssl; t=threading.Thread(target=lambda: None); t.start(); t.join(); c=sqlite3.connect(':memory:'); c.execute('create table t(a)'); print(json.dumps({'h': hashlib.sha256(b'x').hexdigest()}))"},
	"awk":     {"/usr/bin/awk", "{n[$2]++} END {for (k in n) c++; print c}", "/etc/services"},
	"sqlite3": {"/usr/bin/sqlite3", "/tmp/sound.db", "pragma journal_mode=wal; create table if not exists t(a); insert into t values(1); vacuum; select count(*) from t;"},
	"curl":    {"/usr/bin/curl", "-s", "-o", "/dev/null", "file:///etc/services"},
	"openssl": {"/usr/bin/openssl", "dgst", "-sha256", "/etc/services"},
	"git":     {"/bin/sh", "-c", "rm -rf /tmp/sound-git && git init -q /tmp/sound-git && cd /tmp/sound-git && echo x > f && git add f && git -c user.email=a@b -c user.name=n commit -qm m && git log --oneline | wc -l && git gc -q; rm -rf /tmp/sound-git"},
	"busybox": {"/usr/bin/busybox", "sh", "-c", "busybox ls -l /etc >/dev/null; busybox sha256sum /etc/services; busybox sort /etc/services | busybox tail -n 1"},
	"xz":      {"/usr/bin/xz", "-T2", "-c", "/etc/services"},
	"diff":    {"/usr/bin/diff", "/etc/services", "/etc/protocols"},
}

var (
	straceLine = regexp.MustCompile(`^(\d+)\s+([a-z0-9_]+)\(`)
	// An execve line is whole when it failed (= -1 ENOENT while searching $PATH) and
	// split ("<unfinished ...>") when another process ran meanwhile; a file that exists
	// and was not refused ran.
	straceExec = regexp.MustCompile(`^\d+\s+execve\("([^"]+)"`)
	straceOpen = regexp.MustCompile(`^\d+\s+open(?:at)?\((?:AT_FDCWD, )?"([^"]+\.so[^"/]*)".* = \d+$`)
)

// straced runs argv under strace -f and returns the syscalls seen, the executables run
// and the shared objects opened.
func straced(t *testing.T, argv []string) (calls, exes, libs []string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command("strace", append([]string{"-f", "-qq", "-o", out, "--"}, argv...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Logf("%v: %v\n%s", argv, err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if m := straceLine.FindStringSubmatch(l); m != nil && !seen[m[2]] {
			seen[m[2]] = true
			calls = append(calls, m[2])
		}
		if m := straceExec.FindStringSubmatch(l); m != nil && !strings.Contains(l, "= -1 ") && !slices.Contains(exes, m[1]) {
			if _, err := os.Stat(m[1]); err == nil {
				exes = append(exes, m[1])
			}
		}
		if m := straceOpen.FindStringSubmatch(l); m != nil && !slices.Contains(libs, m[1]) {
			libs = append(libs, m[1])
		}
	}
	slices.Sort(calls)
	return calls, exes, libs
}

// TestSoundness: every syscall strace -f sees over a broad use is in the static set of
// the executables run and the modules they loaded. What dlopen and exec would explain is
// analyzed here too (every executable strace saw run, every shared object it saw
// opened), and none of these programs JITs code that makes syscalls, so any miss is the
// analyzer's and fails the test. It takes minutes: set SECCOMPCTL_SOUNDNESS=1.
func TestSoundness(t *testing.T) {
	if os.Getenv("SECCOMPCTL_SOUNDNESS") == "" {
		t.Skip("set SECCOMPCTL_SOUNDNESS=1 to run the soundness measurement (minutes)")
	}
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (scripts/deps.sh installs it)")
	}
	names := make([]string, 0, len(soundnessPrograms))
	for n := range soundnessPrograms {
		names = append(names, n)
	}
	slices.Sort(names)
	// One cache for the whole measurement (libc is shared by most programs), new each
	// run, so no result comes from an earlier analyzer's entries.
	cache := t.TempDir()
	var table []string
	for _, name := range names {
		argv := soundnessPrograms[name]
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(argv[0]); err != nil {
				t.Skipf("%s is not installed", argv[0])
			}
			calls, exes, libs := straced(t, argv)
			// Nothing seen would make the comparison below pass vacuously.
			if len(calls) == 0 || len(exes) == 0 {
				t.Fatalf("strace saw %d syscalls and %d executables for %v: the measurement did not run", len(calls), len(exes), argv)
			}
			res, err := analyzeRun(exes, libs, cache)
			if err != nil {
				t.Fatal(err)
			}
			static := res.Set("SCMP_ARCH_X86_64")
			var missed []string
			for _, c := range calls {
				if !slices.Contains(static, c) {
					missed = append(missed, c)
				}
			}
			kinds := map[string]bool{}
			for _, n := range res.Notes {
				kinds[n.Kind] = true
			}
			row := fmt.Sprintf("| %s | %d | %d | %d | %s | %s |", name, len(exes), len(calls), len(static), strings.Join(missed, " "), strings.Join(slices.Sorted(mapsKeys(kinds)), " "))
			table = append(table, row)
			if len(missed) > 0 {
				t.Errorf("seen by strace, not in the static set of %v: %v", exes, missed)
			}
		})
	}
	t.Logf("| program | executables | strace | static | missed | notes |\n%s", strings.Join(table, "\n"))
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// analyzeRun analyzes the executables and, as libraries whose exports may all be
// called, the shared objects opened that none of them needs (dlopen'ed).
func analyzeRun(exes, libs []string, cache string) (*analyze.Result, error) {
	var progs []string
	for _, e := range exes {
		if f, err := elf.Open(e); err == nil {
			f.Close()
			progs = append(progs, e)
		}
	}
	res, err := analyze.Analyze(context.Background(), progs, analyze.Options{CacheDir: cache})
	if err != nil {
		return nil, err
	}
	loaded := map[string]bool{}
	for _, o := range res.Objects {
		loaded[canonicalPath(o.Path)] = true
	}
	var extra []string
	for _, l := range libs {
		if !loaded[canonicalPath(l)] {
			if f, err := elf.Open(l); err == nil {
				f.Close()
				extra = append(extra, l)
			}
		}
	}
	if len(extra) == 0 {
		return res, nil
	}
	return analyze.Analyze(context.Background(), append(progs, extra...), analyze.Options{CacheDir: cache})
}

func canonicalPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}
