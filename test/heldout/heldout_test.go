package heldout_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/profile"
)

// program is one real program: how to start it, what its training use does (recorded),
// and what its broad use does (run under the recorded profile), each with its check.
type program struct {
	name string
	// bin is the program's executable, from the Debian package pkg.
	bin, pkg string
	// setup prepares dir and returns the command line of the training or the broad use;
	// port is free for servers.
	setup func(t *testing.T, dir string, port int, training bool) []string
	// stdin, for programs that read their work from it; nil for servers.
	stdin func(dir string, training bool) string
	// server programs run until stopSig is sent to them, once ready says they are up.
	ready   func(port int) error
	stopSig syscall.Signal
	// pidFile, for a server whose launcher daemonizes it and exits: the file, in dir,
	// that holds the server's pid, to which stopSig is sent.
	pidFile string
	// train and broad drive the use; for stdin programs they check the output.
	train func(dir string, port int, out string) error
	broad func(dir string, port int, out string) error
	// completeArgs are record's flags for the completed recording: what a user must
	// tell completion because analysis cannot know it (--module-dir).
	completeArgs []string
}

func programs() []program {
	return []program{redis(), nginx(), sqlite(), etcd(), memcached(), python(), ripgrep(), sevenZip(), fio(), lighttpd(), dnsmasq(), postgres(), node(), unbound(), perl(), apache2(), haproxy(), squid()}
}

// TestHeldOutAsRoot records each program during its training use, runs its broad use
// under the recorded profile, and under the profile completed by static analysis. Every
// program must pass its broad use completed; without completion at least one must fail,
// or the broad uses do not go beyond training and the test would prove nothing. The
// figures are in docs/completion.md.
func TestHeldOutAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: eBPF recording and servers that bind and switch users")
	}
	bin := seccompctlBinary(t)
	var failedWithout []string
	for _, p := range programs() {
		t.Run(p.name, func(t *testing.T) {
			if _, err := os.Stat(p.bin); err != nil {
				t.Skipf("%s is not installed (scripts/deps.sh installs %s)", p.bin, p.pkg)
			}
			for _, complete := range []string{"none", "static"} {
				dir := t.TempDir()
				prof := filepath.Join(dir, "profile.json")
				verb := []string{"record", "-q", "--analysis-cache", t.TempDir(), "--complete", complete, "-o", prof}
				if complete == "static" {
					verb = append(verb, p.completeArgs...)
				}
				out, err := drive(t, p, dir, true, verb...)
				if err != nil {
					t.Fatalf("training use while recording (--complete %s): %v\n%s", complete, err, out)
				}
				allowed := allowedNames(t, prof)
				proveEnforced(t, bin, prof, allowed)
				out, err = drive(t, p, t.TempDir(), false, "run", "--profile", prof)
				t.Logf("--complete %s: %d syscalls allowed; broad use: %v", complete, len(allowed), errOrOK(err))
				if complete == "none" {
					if err != nil {
						failedWithout = append(failedWithout, p.name)
					}
					continue
				}
				if err != nil {
					t.Errorf("broad use under the completed profile: %v\n%s", err, out)
				}
			}
		})
	}
	t.Logf("without completion, %d of %d programs failed their broad use: %s", len(failedWithout), len(programs()), strings.Join(failedWithout, ", "))
	if len(failedWithout) == 0 && !t.Skipped() {
		t.Errorf("every broad use passed under the recorded profiles: they exercise nothing beyond training")
	}
}

func errOrOK(err error) string {
	if err != nil {
		return "FAILED: " + err.Error()
	}
	return "ok"
}

// drive runs p under 'seccompctl VERB ARGS... -- COMMAND' and puts it through its
// training or its broad use.
func drive(t *testing.T, p program, dir string, training bool, verb ...string) (string, error) {
	t.Helper()
	use := p.broad
	if training {
		use = p.train
	}
	port := freePort(t)
	argv := p.setup(t, dir, port, training)
	cmd := exec.Command(seccompctlPath, append(append(verb, "--"), argv...)...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// A server that fails half-way can leave children behind (a CGI daemon, a piped
	// logger) that hold the output pipes open.
	cmd.WaitDelay = 10 * time.Second
	if p.stdin != nil {
		cmd.Stdin = strings.NewReader(p.stdin(dir, training))
		err := cmd.Run()
		if err != nil {
			return errOut.String(), fmt.Errorf("%s: %w", argv[0], err)
		}
		if err := use(dir, port, out.String()); err != nil {
			return out.String() + errOut.String(), err
		}
		return "", nil
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	// done is closed once seccompctl has exited, with its status in waitErr.
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		// The server is seccompctl's child (the helper execs into it), or a daemon
		// that names itself in its pid file.
		for _, c := range children(cmd.Process.Pid) {
			syscall.Kill(c, p.stopSig)
		}
		daemon := daemonPid(p, dir)
		if daemon > 0 {
			syscall.Kill(daemon, p.stopSig)
		}
		select {
		case <-done:
			waitGone(daemon)
			return
		case <-time.After(30 * time.Second):
		}
		// The server is down, and seccompctl record may still be completing the
		// profile: analysis without a cache is slow, not stuck.
		if len(children(cmd.Process.Pid)) == 0 && (daemon <= 0 || syscall.Kill(daemon, 0) != nil) {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Minute):
			}
		}
		cmd.Process.Kill()
		for _, c := range children(cmd.Process.Pid) {
			syscall.Kill(c, syscall.SIGKILL)
		}
		if daemon > 0 {
			syscall.Kill(daemon, syscall.SIGKILL)
		}
		<-done
	}
	defer stop()
	if err := waitReady(p, port, done, &waitErr); err != nil {
		return errOut.String(), err
	}
	useErr := use(dir, port, "")
	stop()
	return errOut.String(), useErr
}

// waitReady polls the server until it answers; a bounded wait for a server that never
// comes up, not a timing assertion. The launcher of a daemon (pidFile) may exit first,
// successfully.
func waitReady(p program, port int, done <-chan struct{}, waitErr *error) error {
	var err error
	for range 300 {
		select {
		case <-done:
			if p.pidFile == "" || *waitErr != nil {
				return fmt.Errorf("%s exited before it was ready: %v", p.name, *waitErr)
			}
			done = nil // launched: a nil channel is never ready
		default:
		}
		if err = p.ready(port); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s never became ready: %w", p.name, err)
}

// daemonPid reads the pid a daemonized server wrote (its first line), 0 when there is
// none.
func daemonPid(p program, dir string) int {
	if p.pidFile == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(dir, p.pidFile))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// waitGone waits, bounded, for a daemon to exit: under 'seccompctl run' nothing waits
// for it, and the next use must not find it still holding its port or data.
func waitGone(pid int) {
	for i := 0; pid > 0 && i < 300 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
}

// children returns the pids whose parent is pid.
func children(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func allowedNames(t *testing.T, path string) []string {
	t.Helper()
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range p.Syscalls {
		if r.Action == profile.ActAllow {
			names = append(names, r.Names...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// proveEnforced shows, in the real kernel, that the profile denies a harmless syscall
// it does not allow: a profile that allowed everything would pass every use.
func proveEnforced(t *testing.T, bin, prof string, allowed []string) {
	t.Helper()
	for _, name := range []string{"getpriority", "sysinfo", "times", "getcpu", "getitimer", "sched_getaffinity", "mincore", "uname"} {
		if slices.Contains(allowed, name) {
			continue
		}
		expect := filepath.Join(t.TempDir(), "expect.yaml")
		os.WriteFile(expect, []byte(fmt.Sprintf("deny: [%s]\nerrno: EPERM\n", name)), 0o644)
		out, err := exec.Command(bin, "test", prof, "--expect", expect).CombinedOutput()
		if err != nil {
			t.Fatalf("the kernel did not deny %s under the profile: %v\n%s", name, err, out)
		}
		return
	}
	t.Fatalf("the profile allows every probe syscall: %v", allowed)
}

var seccompctlPath string

func seccompctlBinary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seccompctl")
	if out, err := exec.Command("go", "build", "-o", path, "../../cmd/seccompctl").CombinedOutput(); err != nil {
		t.Fatalf("building seccompctl: %v\n%s", err, out)
	}
	seccompctlPath = path
	return path
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// redis forks a child for BGSAVE: training never saves.
func redis() program {
	cli := func(port int, args ...string) (string, error) {
		out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	return program{
		name: "redis-server", bin: "/usr/bin/redis-server", pkg: "redis-server", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, _ bool) []string {
			return []string{"/usr/bin/redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"}
		},
		ready: func(port int) error {
			out, err := cli(port, "ping")
			if err == nil && out != "PONG" {
				err = fmt.Errorf("ping: %q", out)
			}
			return err
		},
		train: func(dir string, port int, _ string) error {
			if out, err := cli(port, "set", "k", "v"); err != nil || out != "OK" {
				return fmt.Errorf("set: %q %v", out, err)
			}
			if out, err := cli(port, "get", "k"); err != nil || out != "v" {
				return fmt.Errorf("get: %q %v", out, err)
			}
			return nil
		},
		broad: func(dir string, port int, _ string) error {
			for i := range 100 {
				if _, err := cli(port, "set", fmt.Sprint("key", i), strings.Repeat("x", 1000)); err != nil {
					return err
				}
			}
			if out, err := cli(port, "bgsave"); err != nil || !strings.Contains(out, "Background saving started") {
				return fmt.Errorf("bgsave: %q %v", out, err)
			}
			for range 100 {
				out, err := cli(port, "info", "persistence")
				if err != nil {
					return err
				}
				if strings.Contains(out, "rdb_bgsave_in_progress:0") {
					if !strings.Contains(out, "rdb_last_bgsave_status:ok") {
						return fmt.Errorf("background save failed:\n%s", out)
					}
					if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
						return fmt.Errorf("background save wrote no file: %w", err)
					}
					return nil
				}
				time.Sleep(100 * time.Millisecond)
			}
			return errors.New("background save never finished")
		},
	}
}

// listingAndLargeFile checks what every file server's broad use begins with: the
// directory listing of /dir/ (which holds a.txt) and the large file /large.bin.
func listingAndLargeFile(port int, large []byte) error {
	body, err := httpGet(port, "/dir/")
	if err != nil || !bytes.Contains(body, []byte("a.txt")) {
		return fmt.Errorf("directory listing: %v %.200q", err, body)
	}
	body, err = httpGet(port, "/large.bin")
	if err != nil || !bytes.Equal(body, large) {
		return fmt.Errorf("large file: %v, %d bytes of %d", err, len(body), len(large))
	}
	return nil
}

// restartGracefully sends SIGUSR1, a graceful restart to lighttpd and apache2, to the
// server whose pid file is pidFile. A graceful restart waits for open connections, and
// the access log is written once the old configuration's connections are done: the
// client's idle keep-alive connections would hold both (for any profile, or none), so
// they are closed first.
func restartGracefully(pidFile string) error {
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		return err
	}
	server, err := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err != nil {
		return fmt.Errorf("%s: %w", pidFile, err)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	return syscall.Kill(server, syscall.SIGUSR1)
}

// getSmallFile is an HTTP server's training use: one small file.
func getSmallFile(_ string, port int, _ string) error {
	body, err := httpGet(port, "/small.txt")
	if err == nil && string(body) != "hello\n" {
		err = fmt.Errorf("small.txt: %q", body)
	}
	return err
}

func httpGet(port int, path string) ([]byte, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, err
}

// nginx serves files: training fetches one small file; the broad use lists a
// directory, fetches a large file and a compressed one, and reloads.
func nginx() program {
	large := bytes.Repeat([]byte("0123456789abcdef"), 512<<10) // 8 MiB
	text := strings.Repeat("the quick brown fox jumps over the lazy dog\n", 20000)
	return program{
		name: "nginx", bin: "/usr/sbin/nginx", pkg: "nginx-light", stopSig: syscall.SIGQUIT,
		setup: func(t *testing.T, dir string, port int, _ bool) []string {
			writeFile(t, filepath.Join(dir, "www/small.txt"), "hello\n")
			writeFile(t, filepath.Join(dir, "www/large.bin"), string(large))
			writeFile(t, filepath.Join(dir, "www/text.txt"), text)
			writeFile(t, filepath.Join(dir, "www/dir/a.txt"), "a\n")
			writeFile(t, filepath.Join(dir, "nginx.conf"), fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
user root;
pid %[1]s/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	gzip on;
	gzip_types text/plain;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	server {
		listen 127.0.0.1:%[2]d;
		root %[1]s/www;
		location /dir/ { autoindex on; }
	}
}
`, dir, port))
			return []string{"/usr/sbin/nginx", "-c", filepath.Join(dir, "nginx.conf"), "-e", "stderr"}
		},
		ready: func(port int) error { _, err := httpGet(port, "/small.txt"); return err },
		train: getSmallFile,
		broad: func(dir string, port int, _ string) error {
			if err := listingAndLargeFile(port, large); err != nil {
				return err
			}
			// Go's client asks for gzip and decompresses by itself.
			body, err := httpGet(port, "/text.txt")
			if err != nil || string(body) != text {
				return fmt.Errorf("compressed file: %v, %d bytes of %d", err, len(body), len(text))
			}
			pid, err := os.ReadFile(filepath.Join(dir, "nginx.pid"))
			if err != nil {
				return err
			}
			master, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
			if err := syscall.Kill(master, syscall.SIGHUP); err != nil {
				return err
			}
			time.Sleep(500 * time.Millisecond)
			body, err = httpGet(port, "/small.txt")
			if err != nil || string(body) != "hello\n" {
				return fmt.Errorf("after reload: %v %q", err, body)
			}
			return nil
		},
	}
}

// sqlite3 is trained in the default rollback journal and used broadly in WAL mode,
// with checkpoints and VACUUM.
func sqlite() program {
	const train = "create table t(a integer, b text);\ninsert into t values (1,'x'),(2,'y');\nselect count(*) from t;\n"
	const broad = `pragma journal_mode=wal;
create table t(a integer primary key, b text);
with recursive c(x) as (select 1 union all select x+1 from c where x<20000) insert into t select x, printf('%064d', x) from c;
create index tb on t(b);
delete from t where a % 2 = 0;
pragma wal_checkpoint(truncate);
vacuum;
select count(*), sum(length(b)) from t;
pragma integrity_check;
`
	return program{
		name: "sqlite3", bin: "/usr/bin/sqlite3", pkg: "sqlite3",
		setup: func(t *testing.T, dir string, port int, _ bool) []string {
			return []string{"/usr/bin/sqlite3", filepath.Join(dir, "db.sqlite")}
		},
		stdin: func(dir string, training bool) string {
			if training {
				return train
			}
			return broad
		},
		train: func(dir string, port int, out string) error {
			if out != "2\n" {
				return fmt.Errorf("output %q, want %q", out, "2\n")
			}
			return nil
		},
		broad: func(dir string, port int, out string) error {
			if want := "wal\n0|0|0\n10000|640000\nok\n"; out != want {
				return fmt.Errorf("output %q, want %q", out, want)
			}
			return nil
		},
	}
}

func etcdPost(port int, path string, body any) (map[string]any, error) {
	data, _ := json.Marshal(body)
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d%s", port, path), "application/json", bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", path, resp.Status, err)
	}
	if resp.StatusCode != 200 || out["error"] != nil {
		return out, fmt.Errorf("%s: %s: %v", path, resp.Status, out)
	}
	return out, nil
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// etcd is a Go program: training puts and gets a key; the broad use compacts,
// defragments, snapshots and grants a lease.
func etcd() program {
	return program{
		name: "etcd", bin: "/usr/bin/etcd", pkg: "etcd-server", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, _ bool) []string {
			peer := freePort(t)
			c, p := fmt.Sprintf("http://127.0.0.1:%d", port), fmt.Sprintf("http://127.0.0.1:%d", peer)
			return []string{"/usr/bin/etcd", "--data-dir", filepath.Join(dir, "data"), "--name", "heldout",
				"--listen-client-urls", c, "--advertise-client-urls", c,
				"--listen-peer-urls", p, "--initial-advertise-peer-urls", p, "--initial-cluster", "heldout=" + p,
				"--log-level", "error"}
		},
		ready: func(port int) error {
			_, err := httpGet(port, "/health")
			return err
		},
		train: func(dir string, port int, _ string) error {
			if _, err := etcdPost(port, "/v3/kv/put", map[string]string{"key": b64("k"), "value": b64("v")}); err != nil {
				return err
			}
			out, err := etcdPost(port, "/v3/kv/range", map[string]string{"key": b64("k")})
			if err == nil && fmt.Sprint(out["count"]) != "1" {
				err = fmt.Errorf("range: %v", out)
			}
			return err
		},
		broad: func(dir string, port int, _ string) error {
			for i := range 50 {
				if _, err := etcdPost(port, "/v3/kv/put", map[string]string{"key": b64(fmt.Sprint("k", i%5)), "value": b64(strings.Repeat("v", 4000))}); err != nil {
					return err
				}
			}
			if _, err := etcdPost(port, "/v3/kv/compaction", map[string]any{"revision": "40", "physical": true}); err != nil {
				return err
			}
			if _, err := etcdPost(port, "/v3/maintenance/defragment", map[string]any{}); err != nil {
				return err
			}
			snap, err := etcdPost(port, "/v3/maintenance/snapshot", map[string]any{})
			if err != nil {
				return err
			}
			if r, _ := snap["result"].(map[string]any); r == nil || r["blob"] == nil {
				return fmt.Errorf("snapshot: %v", snap)
			}
			if _, err := etcdPost(port, "/v3/lease/grant", map[string]any{"TTL": "60"}); err != nil {
				return err
			}
			_, err = etcdPost(port, "/v3/maintenance/status", map[string]any{})
			return err
		},
	}
}

// memcached: training sets and gets a small value; the broad use stores a large one,
// dumps the keys with the LRU crawler and flushes.
func memcached() program {
	session := func(port int, cmds ...string) ([]string, error) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		var replies []string
		for _, cmd := range cmds {
			if _, err := io.WriteString(c, cmd+"\r\n"); err != nil {
				return replies, err
			}
			if strings.HasPrefix(cmd, "set ") {
				// The value line follows the command.
				continue
			}
			var reply strings.Builder
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return append(replies, reply.String()), fmt.Errorf("after %q: %w", cmd, err)
				}
				reply.WriteString(line)
				l := strings.TrimSpace(line)
				if l == "END" || l == "OK" || l == "STORED" || strings.Contains(l, "ERROR") {
					break
				}
			}
			replies = append(replies, reply.String())
		}
		return replies, nil
	}
	return program{
		name: "memcached", bin: "/usr/bin/memcached", pkg: "memcached", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, _ bool) []string {
			return []string{"/usr/bin/memcached", "-U", "0", "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-u", "root"}
		},
		ready: func(port int) error { _, err := session(port, "get ready"); return err },
		train: func(dir string, port int, _ string) error {
			got, err := session(port, "set k 0 0 1", "v", "get k")
			if err == nil && (len(got) != 2 || !strings.Contains(got[1], "VALUE k 0 1\r\nv\r\n")) {
				err = fmt.Errorf("replies %q", got)
			}
			return err
		},
		broad: func(dir string, port int, _ string) error {
			big := strings.Repeat("m", 900000)
			got, err := session(port, "set big 0 0 900000", big, "get big", "lru_crawler metadump all", "stats slabs", "flush_all", "get big")
			if err != nil {
				return fmt.Errorf("%v (replies so far %d)", err, len(got))
			}
			switch {
			case got[0] != "STORED\r\n":
				return fmt.Errorf("set: %q", got[0])
			case !strings.Contains(got[1], big):
				return fmt.Errorf("get returned %d bytes", len(got[1]))
			case !strings.Contains(got[2], "key=big"):
				return fmt.Errorf("metadump: %q", got[2])
			case !strings.Contains(got[3], "total_malloced"):
				return fmt.Errorf("stats slabs: %q", got[3])
			case got[4] != "OK\r\n" || got[5] != "END\r\n":
				return fmt.Errorf("flush_all: %q, then get %q", got[4], got[5])
			}
			return nil
		},
	}
}
