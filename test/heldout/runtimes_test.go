package heldout_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// These programs bring mechanisms the others do not: a database whose launcher
// daemonizes it and exits, that forks a process per connection, starts parallel query
// workers, loads its JIT compiler and extensions as modules and runs a shell for its
// WAL archive; and a JavaScript runtime that generates its code at run time, carries
// its own event loop library statically linked, and spawns programs the training never
// ran.

// postgres runs PostgreSQL 15 as the postgres user, started by pg_ctl. Training
// connects, creates a table, inserts and selects; the broad use opens 20 connections
// at once, copies in and out, builds an index, runs VACUUM FULL, CHECKPOINT, a
// parallel query, a JIT-compiled query, PL/pgSQL and an extension, dumps the database
// and switches WAL so that the archive command (a shell running cp) runs.
func postgres() program {
	const bin = "/usr/lib/postgresql/15/bin"
	psql := func(dir string, port int, stdin string, sql ...string) (string, error) {
		args := []string{"-X", "-q", "-At", "-h", dir, "-p", strconv.Itoa(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1"}
		for _, q := range sql {
			args = append(args, "-c", q)
		}
		cmd := exec.Command(bin+"/psql", args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return string(out), fmt.Errorf("psql %q: %v: %s", sql, err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	return program{
		name: "postgres", bin: bin + "/postgres", pkg: "postgresql-15", stopSig: syscall.SIGINT,
		pidFile: "data/postmaster.pid",
		setup: func(t *testing.T, dir string, port int, _ bool) []string {
			u, err := user.Lookup("postgres")
			if err != nil {
				t.Skipf("no postgres user: %v", err)
			}
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			// The server runs as postgres: it must reach dir through the test's
			// temporary directories.
			for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
				os.Chmod(d, 0o755)
			}
			if err := os.Mkdir(filepath.Join(dir, "archive"), 0o755); err != nil {
				t.Fatal(err)
			}
			os.Chown(dir, uid, gid)
			os.Chown(filepath.Join(dir, "archive"), uid, gid)
			data := filepath.Join(dir, "data")
			if out, err := exec.Command("runuser", "-u", "postgres", "--", bin+"/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput(); err != nil {
				t.Fatalf("initdb: %v\n%s", err, out)
			}
			conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 40
archive_mode = on
archive_command = 'test ! -f %[2]s/archive/%%f && cp %%p %[2]s/archive/%%f'
`, port, dir)
			f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(conf)
			f.Close()
			return []string{"runuser", "-u", "postgres", "--", bin + "/pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "start"}
		},
		ready: func(port int) error {
			// The socket directory is not known here: ask over TCP.
			out, err := exec.Command(bin+"/psql", "-X", "-At", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres", "-d", "postgres", "-c", "select 1").CombinedOutput()
			if err == nil && strings.TrimSpace(string(out)) != "1" {
				err = fmt.Errorf("select 1: %q", out)
			}
			return err
		},
		train: func(dir string, port int, _ string) error {
			out, err := psql(dir, port, "", "create table t(a int, b text)", "insert into t values (1,'x'),(2,'y')", "select count(*) from t")
			if err == nil && out != "2" {
				err = fmt.Errorf("count: %q", out)
			}
			return err
		},
		broad: func(dir string, port int, _ string) error {
			if _, err := psql(dir, port, "", "create table big(a int, b text)",
				"insert into big select g, md5(g::text) from generate_series(1, 100000) g", "create index on big(b)"); err != nil {
				return err
			}
			// A backend forked per connection, 20 at once.
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if out, err := psql(dir, port, "", fmt.Sprintf("select count(*) from big where a <= %d", i+1)); err != nil || out != strconv.Itoa(i+1) {
						errs <- fmt.Errorf("connection %d: %q %v", i, out, err)
					}
				}()
			}
			wg.Wait()
			close(errs)
			if err := <-errs; err != nil {
				return err
			}
			var rows strings.Builder
			for i := range 1000 {
				fmt.Fprintf(&rows, "%d\tfoo\n", 200000+i)
			}
			copyFile := filepath.Join(dir, "big.copy")
			if _, err := psql(dir, port, rows.String(), "copy big from stdin"); err != nil {
				return err
			}
			if _, err := psql(dir, port, "", "copy big to '"+copyFile+"'", "copy big from '"+copyFile+"'",
				"vacuum full big", "checkpoint", "analyze big"); err != nil {
				return err
			}
			out, err := psql(dir, port, "", "set max_parallel_workers_per_gather = 2", "set parallel_setup_cost = 0", "set parallel_tuple_cost = 0",
				"set min_parallel_table_scan_size = 0", "explain (analyze, costs off) select count(*) from big")
			if err != nil || !strings.Contains(out, "Workers Launched: 2") {
				return fmt.Errorf("parallel query: %v %q", err, out)
			}
			out, err = psql(dir, port, "", "set jit = on", "set jit_above_cost = 0", "explain (analyze) select sum(a) from big")
			if err != nil || !strings.Contains(out, "JIT:") {
				return fmt.Errorf("JIT query: %v %q", err, out)
			}
			out, err = psql(dir, port, "", "create function twice(int) returns int language plpgsql as 'begin return $1 * 2; end'",
				"create extension pgcrypto", "select twice(21), length(digest('x', 'sha256'))")
			if err != nil || out != "42|32" {
				return fmt.Errorf("plpgsql and pgcrypto: %v %q", err, out)
			}
			dump, err := exec.Command(bin+"/pg_dump", "-h", dir, "-p", strconv.Itoa(port), "-U", "postgres", "postgres").CombinedOutput()
			if err != nil || !bytes.Contains(dump, []byte("CREATE TABLE public.big")) {
				return fmt.Errorf("pg_dump: %v %.300q", err, dump)
			}
			if _, err := psql(dir, port, "", "select pg_switch_wal()", "checkpoint"); err != nil {
				return err
			}
			// The archiver runs the shell on its own time: a bounded wait.
			return retry(func() error {
				out, err := psql(dir, port, "", "select archived_count > 0 and failed_count = 0 from pg_stat_archiver")
				if err == nil && out != "t" {
					log, _ := os.ReadFile(filepath.Join(dir, "log"))
					err = fmt.Errorf("WAL archive: %q\n%s", out, lastLines(string(log), 5))
				}
				return err
			})
		},
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// nodeBroad exercises what a one-line script does not: promise-based file I/O on a
// 4 MiB file, a directory watch, gzip and brotli, hashing, scrypt on the thread pool,
// a worker thread, a shell spawned and a program run synchronously (neither run while
// recording), an HTTP server and client, a host name resolved, a timer and a signal.
const nodeBroad = `const fs = require('fs'), fsp = require('fs/promises'), path = require('path');
const { Worker } = require('worker_threads');
const cp = require('child_process'), zlib = require('zlib'), crypto = require('crypto'), http = require('http'), dns = require('dns');
(async () => {
  const out = {};
  const dir = await fsp.mkdtemp(path.join(process.cwd(), 'n-'));
  const big = Buffer.alloc(4 << 20, 'z');
  await fsp.writeFile(path.join(dir, 'a'), big);
  const h = await fsp.open(path.join(dir, 'a'), 'r'); const st = await h.stat(); await h.read(Buffer.alloc(1024), 0, 1024, 1000); await h.close();
  await fsp.copyFile(path.join(dir, 'a'), path.join(dir, 'b'));
  await fsp.rename(path.join(dir, 'b'), path.join(dir, 'c'));
  out.files = (await fsp.readdir(dir)).length + ':' + st.size;
  fs.watch(dir).close();
  out.gz = zlib.gunzipSync(zlib.gzipSync(big)).length + zlib.brotliDecompressSync(zlib.brotliCompressSync(Buffer.from('x'.repeat(10000)))).length;
  out.hash = crypto.createHash('sha256').update(big).digest('hex').slice(0, 8);
  out.scrypt = (await new Promise((r, j) => crypto.scrypt('pw', 'salt', 16, (e, k) => e ? j(e) : r(k)))).length;
  out.worker = await new Promise((res, rej) => {
    const w = new Worker('require("worker_threads").parentPort.postMessage(require("crypto").createHash("md5").update("x".repeat(1e6)).digest("hex").slice(0, 8))', { eval: true });
    w.on('message', res); w.on('error', rej);
  });
  out.child = await new Promise((res, rej) => {
    const c = cp.spawn('/bin/sh', ['-c', 'echo hi; exit 3']); let s = '';
    c.stdout.on('data', d => s += d); c.on('error', rej); c.on('close', code => res(s.trim() + code));
  });
  out.execSync = cp.execFileSync('/bin/echo', ['x']).toString().trim();
  const srv = http.createServer((q, r) => { r.setHeader('content-encoding', 'gzip'); r.end(zlib.gzipSync('pong')); });
  await new Promise(r => srv.listen(0, '127.0.0.1', r));
  out.http = await new Promise((res, rej) => http.get({ port: srv.address().port, host: '127.0.0.1' }, r => { const bs = []; r.on('data', d => bs.push(d)); r.on('end', () => res(zlib.gunzipSync(Buffer.concat(bs)).toString())); }).on('error', rej));
  srv.close();
  out.lookup = await new Promise(r => dns.lookup('localhost', (e, a) => r(e ? e.code : 'ok')));
  out.timer = await new Promise(r => setTimeout(() => r(1), 20));
  out.sig = await new Promise(r => { const t = setTimeout(() => r('nosig'), 10000); process.once('SIGUSR2', () => { clearTimeout(t); r('sig'); }); process.kill(process.pid, 'SIGUSR2'); });
  await fsp.rm(dir, { recursive: true });
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
`

const nodeBroadWant = `{"files":"2:4194304","gz":4204304,"hash":"cee2be14","scrypt":16,"worker":"ec78dbd9","child":"hi3","execSync":"x","http":"pong","lookup":"ok","timer":1,"sig":"sig"}` + "\n"

// node runs a script with Node.js 20: training prints a JSON object.
func node() program {
	return program{
		name: "node", bin: "/usr/bin/node", pkg: "nodejs",
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			if training {
				return []string{"/usr/bin/node", "-e", "console.log(JSON.stringify({a: 1}))"}
			}
			writeFile(t, filepath.Join(dir, "broad.js"), nodeBroad)
			return []string{"/usr/bin/node", filepath.Join(dir, "broad.js")}
		},
		stdin: func(string, bool) string { return "" },
		train: func(_ string, _ int, out string) error {
			if out != `{"a":1}`+"\n" {
				return fmt.Errorf("output %q", out)
			}
			return nil
		},
		broad: func(_ string, _ int, out string) error {
			if out != nodeBroadWant {
				return fmt.Errorf("output %q, want %q", out, nodeBroadWant)
			}
			return nil
		},
	}
}

// unboundModuleTrain is the Python module unbound runs while recording: it passes
// every query on.
const unboundModuleTrain = `import os
def init(id, cfg):
    log_info("heldout: module up")
    return True
def deinit(id): return True
def inform_super(id, qstate, superqstate, qdata): return True
def operate(id, event, qstate, qdata):
    if event in (MODULE_EVENT_NEW, MODULE_EVENT_PASS):
        qstate.ext_state[id] = MODULE_WAIT_MODULE
        return True
    if event == MODULE_EVENT_MODDONE:
        qstate.ext_state[id] = MODULE_FINISHED
        return True
    qstate.ext_state[id] = MODULE_ERROR
    return True
`

// unboundModuleBroad also keeps its state in a memory-mapped file, with the mmap
// extension module (lib-dynload), which nothing imported while recording.
var unboundModuleBroad = strings.Replace(unboundModuleTrain, `    log_info("heldout: module up")`, `    import mmap
    fd = os.open("state", os.O_RDWR | os.O_CREAT, 0o644)
    os.ftruncate(fd, 4096)
    m = mmap.mmap(fd, 4096)
    m[:2] = b"up"
    m.flush()
    m.close()
    os.close(fd)
    log_info("heldout: module up")`, 1)

// unbound answers DNS from local data on two threads, with a Python module in its
// chain: unbound embeds the interpreter (libpython), which dlopens extension modules
// from a directory it computes at run time. Training asks over UDP; the broad use runs
// a module that imports mmap, asks over TCP, adds data and reloads through
// unbound-control, and rereads its configuration on SIGHUP. Analysis cannot know
// where the interpreter finds its modules: the completed recording names the
// directory with --module-dir (without it, mmap's msync is denied and the module
// fails to start).
func unbound() program {
	control := func(dir string, args ...string) error {
		out, err := exec.Command("unbound-control", append([]string{"-c", filepath.Join(dir, "unbound.conf")}, args...)...).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "ok") {
			return fmt.Errorf("unbound-control %v: %v %q", args, err, out)
		}
		return nil
	}
	return program{
		name: "unbound", bin: "/usr/sbin/unbound", pkg: "unbound", stopSig: syscall.SIGTERM,
		completeArgs: []string{"--module-dir", "/usr/lib/python3.11/lib-dynload"},
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			if _, err := os.Stat("/usr/lib/python3/dist-packages/unboundmodule.py"); err != nil {
				t.Skipf("unbound's Python module needs python3-unbound: %v", err)
			}
			module := unboundModuleBroad
			if training {
				module = unboundModuleTrain
			}
			writeFile(t, filepath.Join(dir, "module.py"), module)
			writeFile(t, filepath.Join(dir, "unbound.conf"), fmt.Sprintf(`server:
  interface: 127.0.0.1@%[2]d
  port: %[2]d
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "%[1]s"
  pidfile: "%[1]s/unbound.pid"
  num-threads: 2
  use-syslog: no
  logfile: ""
  do-ip6: no
  auto-trust-anchor-file: ""
  local-zone: "heldout." static
  local-data: "known.heldout. A 10.1.2.3"
  module-config: "python iterator"
python:
  python-script: "%[1]s/module.py"
remote-control:
  control-enable: yes
  control-interface: %[1]s/control.sock
  control-use-cert: no
`, dir, port))
			// Debian's unbound looks for its module glue outside its interpreter's path.
			return []string{"/usr/bin/env", "PYTHONPATH=/usr/lib/python3/dist-packages", "/usr/sbin/unbound", "-c", filepath.Join(dir, "unbound.conf")}
		},
		ready: func(port int) error { return wantAddr(port, "udp", "known.heldout", "10.1.2.3") },
		train: func(dir string, port int, _ string) error { return wantAddr(port, "udp", "known.heldout", "10.1.2.3") },
		broad: func(dir string, port int, _ string) error {
			if st, err := os.ReadFile(filepath.Join(dir, "state")); err != nil || !bytes.HasPrefix(st, []byte("up")) {
				return fmt.Errorf("the module's mapped state: %v %q", err, st)
			}
			if err := wantAddr(port, "tcp", "known.heldout", "10.1.2.3"); err != nil {
				return err
			}
			if err := control(dir, "local_data", "later.heldout. A 10.7.7.7"); err != nil {
				return err
			}
			if err := wantAddr(port, "tcp", "later.heldout", "10.7.7.7"); err != nil {
				return err
			}
			if err := control(dir, "reload"); err != nil {
				return err
			}
			if err := retry(func() error { return wantAddr(port, "udp", "known.heldout", "10.1.2.3") }); err != nil {
				return fmt.Errorf("after reload: %w", err)
			}
			pid, err := os.ReadFile(filepath.Join(dir, "unbound.pid"))
			if err != nil {
				return err
			}
			server, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
			if err := syscall.Kill(server, syscall.SIGHUP); err != nil {
				return err
			}
			return retry(func() error { return wantAddr(port, "tcp", "known.heldout", "10.1.2.3") })
		},
	}
}

// perlBroad loads XS modules the one-liner of the training never loaded (POSIX,
// Time::HiRes, IPC::SysV, IO::Poll, Socket, Storable, Digest::MD5, Compress::Zlib,
// List::Util, Fcntl, Sys::Hostname): a FIFO, a timer signal, System V message queues
// and semaphores, a locked file copied, compression, a socket polled, a child that
// starts a session.
const perlBroad = `use strict; use POSIX qw(mkfifo setsid nice); use Time::HiRes qw(usleep setitimer ITIMER_REAL clock_gettime CLOCK_MONOTONIC);
use IO::Poll qw(POLLIN); use Socket; use File::Copy; use IPC::SysV qw(IPC_PRIVATE IPC_RMID S_IRUSR S_IWUSR IPC_CREAT); use Fcntl qw(:flock);
use Sys::Hostname; use Digest::MD5 qw(md5_hex); use Storable qw(freeze thaw); use IO::Socket::INET; use Compress::Zlib; use File::Temp qw(tempdir); use Cwd;
my @o;
my $d = tempdir(CLEANUP => 1, DIR => getcwd());
mkfifo("$d/f", 0600) or die "mkfifo $!"; push @o, -p "$d/f" ? 1 : 0;
usleep(1000); push @o, clock_gettime(CLOCK_MONOTONIC) > 0 ? 1 : 0;
my $got = 0; $SIG{ALRM} = sub { $got++ }; setitimer(ITIMER_REAL, 0.01); usleep(50000) while !$got; push @o, $got;
my $id = msgget(IPC_PRIVATE, S_IRUSR|S_IWUSR) // die "msgget $!"; msgctl($id, IPC_RMID, 0); push @o, "msg";
my $sem = semget(IPC_PRIVATE, 1, S_IRUSR|S_IWUSR|IPC_CREAT) // die "semget $!"; semctl($sem, 0, IPC_RMID, 0); push @o, "sem";
open(my $fh, ">", "$d/x") or die; flock($fh, LOCK_EX) or die "flock $!"; print $fh "x" x 100000; close $fh;
copy("$d/x", "$d/y") or die "copy $!"; push @o, -s "$d/y";
push @o, length(Compress::Zlib::uncompress(Compress::Zlib::compress("z" x 100000)));
push @o, md5_hex("x"); push @o, thaw(freeze([1,2]))->[1];
my $srv = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0) or die "listen $!";
my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $srv->sockport) or die "connect $!";
my $a = $srv->accept; print $c "ping\n"; my $p = IO::Poll->new; $p->mask($a => POLLIN); $p->poll(5); my $l = <$a>; chomp $l; push @o, $l;
my $pid = fork; if (!$pid) { setsid(); nice(1); exit 7 } waitpid($pid, 0); push @o, $? >> 8;
push @o, length(hostname()) > 0 ? 1 : 0;
print join(",", @o), "\n";
`

// perl runs a one-liner while recording and a script that loads a dozen XS modules
// under the profile: they sit in auto/NAME/NAME.so below the library directories perl
// names, have no soname, and none was loaded while recording.
func perl() program {
	const want = "1,1,1,msg,sem,100000,100000,9dd4e461268c8034f5c8564e155c67a6,2,ping,7,1\n"
	return program{
		name: "perl", bin: "/usr/bin/perl", pkg: "perl",
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			if training {
				return []string{"/usr/bin/perl", "-e", `print "1\n"`}
			}
			writeFile(t, filepath.Join(dir, "broad.pl"), perlBroad)
			return []string{"/usr/bin/perl", filepath.Join(dir, "broad.pl")}
		},
		stdin: func(string, bool) string { return "" },
		train: func(_ string, _ int, out string) error {
			if out != "1\n" {
				return fmt.Errorf("output %q", out)
			}
			return nil
		},
		broad: func(_ string, _ int, out string) error {
			if out != want {
				return fmt.Errorf("output %q, want %q", out, want)
			}
			return nil
		},
	}
}
