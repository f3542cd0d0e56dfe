package heldout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These programs stress what the analysis finds hardest: a program started by a
// wrapper script, modules dlopen'ed at run time that the training never loaded, a Rust
// and a C++ program with threads, I/O engines chosen by a flag, and a server that forks
// per connection.

// pythonBroad runs what a short script never does: threads, extension modules loaded
// on import (bz2, lzma, mmap, sqlite3 from lib-dynload), a socket server with a
// selector (epoll), a timer signal, fork and wait, a child stopped and continued.
const pythonBroad = `import os, sys, threading, signal, mmap, zlib, bz2, lzma, sqlite3, socket, selectors, tempfile, shutil, resource, json, hashlib, time
out = []
res = []
ts = [threading.Thread(target=lambda i=i: res.append(hashlib.sha256(str(i).encode() * 10000).hexdigest())) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
out.append(len(res))
data = b"x" * 1000000
for m in (zlib, bz2, lzma):
    assert m.decompress(m.compress(data)) == data
with tempfile.NamedTemporaryFile(dir=".") as f:
    f.write(data); f.flush()
    mm = mmap.mmap(f.fileno(), 0); assert mm[:3] == b"xxx"; mm.close()
    shutil.copyfile(f.name, f.name + ".copy"); os.unlink(f.name + ".copy")
db = sqlite3.connect(":memory:"); db.execute("create table t(a)"); db.executemany("insert into t values (?)", [(i,) for i in range(1000)])
out.append(db.execute("select sum(a) from t").fetchone()[0])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
sel = selectors.DefaultSelector(); sel.register(srv, selectors.EVENT_READ)
c = socket.create_connection(srv.getsockname())
for key, _ in sel.select(timeout=10):
    conn, _ = key.fileobj.accept(); c.sendall(b"ping"); out.append(conn.recv(4).decode()); conn.close()
c.close(); srv.close()
got = []
signal.signal(signal.SIGALRM, lambda *a: got.append(1)); signal.setitimer(signal.ITIMER_REAL, 0.01)
for _ in range(1000):
    if got: break
    time.sleep(0.01)
out.append(len(got))
pid = os.fork()
if pid == 0:
    os._exit(7)
out.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
# a child stopped and continued while it waits in poll with a timeout: the kernel
# resumes the poll with restart_syscall
import select
pid = os.fork()
if pid == 0:
    select.poll().poll(500)
    os._exit(8)
time.sleep(0.1); os.kill(pid, signal.SIGSTOP); time.sleep(0.1); os.kill(pid, signal.SIGCONT)
out.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
out.append(resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 0)
print(json.dumps(out))
`

// python runs Debian's python3 through a wrapper script, as container entrypoints
// often do: the wrapper runs for a few milliseconds, python3 for not much longer.
func python() program {
	return program{
		name: "python3", bin: "/usr/bin/python3", pkg: "python3",
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			wrapper := filepath.Join(dir, "run.sh")
			writeFile(t, wrapper, "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n")
			os.Chmod(wrapper, 0o755)
			if training {
				return []string{wrapper, "-c", `import json; print(json.dumps({"a": 1}))`}
			}
			writeFile(t, filepath.Join(dir, "broad.py"), pythonBroad)
			return []string{wrapper, filepath.Join(dir, "broad.py")}
		},
		stdin: func(string, bool) string { return "" },
		train: wantOutput(`{"a": 1}` + "\n"),
		broad: wantOutput(`[4, 499500, "ping", 1, 7, 8, true]` + "\n"),
	}
}

func wantOutput(want string) func(string, int, string) error {
	return func(_ string, _ int, out string) error {
		if out != want {
			return fmt.Errorf("output %q, want %q", out, want)
		}
		return nil
	}
}

// ripgrep is a Rust program: training searches one small file; the broad use searches
// a tree with two threads and memory-maps the files.
func ripgrep() program {
	const files = 300
	return program{
		name: "ripgrep", bin: "/usr/bin/rg", pkg: "ripgrep",
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			if training {
				writeFile(t, filepath.Join(dir, "a.txt"), "hello world\nfoo\n")
				return []string{"/usr/bin/rg", "hello", "a.txt"}
			}
			for i := range files {
				body := strings.Repeat(fmt.Sprintf("line %d of a file\n", i), 50)
				if i%3 == 0 {
					body += "a needle here\n"
				}
				writeFile(t, filepath.Join(dir, "src", fmt.Sprintf("d%d/f%d.txt", i%10, i)), body)
			}
			writeFile(t, filepath.Join(dir, "src/large.txt"), strings.Repeat("hay hay hay\n", 1<<20)+"needle\n")
			return []string{"/usr/bin/rg", "-j2", "--mmap", "-c", "needle", "src"}
		},
		stdin: func(string, bool) string { return "" },
		train: wantOutput("hello world\n"),
		broad: func(_ string, _ int, out string) error {
			// Every third file and the large one, in the order the threads finish.
			if n := strings.Count(out, "\n"); n != files/3+1 || !strings.Contains(out, "src/large.txt:1\n") {
				return fmt.Errorf("%d files matched, want %d:\n%s", n, files/3+1, out)
			}
			return nil
		},
	}
}

// sevenZip is a C++ program: training adds a small file to an archive on one thread;
// the broad use compresses with two threads and encrypts (AES) the archive and its
// headers. The archive is checked afterwards, outside the profile.
func sevenZip() program {
	return program{
		name: "7zz", bin: "/usr/bin/7zz", pkg: "7zip",
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			if training {
				writeFile(t, filepath.Join(dir, "small.txt"), "hello\n")
				return []string{"/usr/bin/7zz", "a", "-bd", "-mmt=1", "a.7z", "small.txt"}
			}
			var seq strings.Builder
			for i := range 300000 {
				fmt.Fprintln(&seq, i)
			}
			writeFile(t, filepath.Join(dir, "seq.txt"), seq.String())
			noise := make([]byte, 4<<20)
			for i := range noise {
				noise[i] = byte(i*7919 ^ i>>5)
			}
			writeFile(t, filepath.Join(dir, "noise.bin"), string(noise))
			return []string{"/usr/bin/7zz", "a", "-bd", "-mmt=2", "-mx=5", "-pSecret", "-mhe=on", "b.7z", "seq.txt", "noise.bin"}
		},
		stdin: func(string, bool) string { return "" },
		train: func(dir string, _ int, out string) error {
			if !strings.Contains(out, "Everything is Ok") {
				return fmt.Errorf("7zz a: %s", out)
			}
			return nil
		},
		broad: func(dir string, _ int, out string) error {
			if !strings.Contains(out, "Everything is Ok") {
				return fmt.Errorf("7zz a: %s", out)
			}
			check := exec.Command("/usr/bin/7zz", "t", "-bd", "-pSecret", "b.7z")
			check.Dir = dir
			if res, err := check.CombinedOutput(); err != nil || !bytes.Contains(res, []byte("Everything is Ok")) {
				return fmt.Errorf("the archive does not test: %v\n%s", err, res)
			}
			return nil
		},
	}
}

var fioJobErr = regexp.MustCompile(`err=\s*(\d+)`)

// fio exercises I/O engines: training writes with plain pwrite (psync); the broad use
// runs Linux AIO with verification, memory-mapped reads, POSIX AIO on two threads and
// splice with fallocate and fsync. (io_uring is not among them: completion withholds
// io_uring_setup as dangerous and says so, a decision left to a human.)
func fio() program {
	return program{
		name: "fio", bin: "/usr/bin/fio", pkg: "fio",
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			if training {
				return []string{"/usr/bin/fio", "--name=t", "--filename=t.dat", "--size=1M", "--rw=write", "--bs=4k", "--ioengine=psync"}
			}
			return []string{"/usr/bin/fio",
				"--name=a", "--filename=a.dat", "--size=4M", "--rw=randwrite", "--ioengine=libaio", "--iodepth=4", "--verify=crc32c",
				"--name=m", "--filename=m.dat", "--size=4M", "--rw=randread", "--ioengine=mmap",
				"--name=p", "--filename=p.dat", "--size=4M", "--rw=write", "--ioengine=posixaio", "--numjobs=2", "--thread",
				"--name=s", "--filename=s.dat", "--size=4M", "--rw=write", "--ioengine=splice", "--fallocate=posix", "--fsync=16"}
		},
		stdin: func(string, bool) string { return "" },
		train: fioJobs(1),
		broad: fioJobs(5),
	}
}

// fioJobs checks that n jobs reported and none failed.
func fioJobs(n int) func(string, int, string) error {
	return func(_ string, _ int, out string) error {
		errs := fioJobErr.FindAllStringSubmatch(out, -1)
		if len(errs) != n {
			return fmt.Errorf("%d jobs reported, want %d:\n%s", len(errs), n, out)
		}
		for _, e := range errs {
			if e[1] != "0" {
				return fmt.Errorf("a job failed:\n%s", out)
			}
		}
		return nil
	}
}

// lighttpd loads its modules with dlopen as its configuration names them. Training
// runs with mod_access alone; the broad use with a configuration that also enables
// directory listings, the status page and an access log, modules never loaded while
// recording, and a graceful restart.
func lighttpd() program {
	large := bytes.Repeat([]byte("0123456789abcdef"), 512<<10) // 8 MiB
	return program{
		name: "lighttpd", bin: "/usr/sbin/lighttpd", pkg: "lighttpd", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			writeFile(t, filepath.Join(dir, "www/small.txt"), "hello\n")
			writeFile(t, filepath.Join(dir, "www/large.bin"), string(large))
			writeFile(t, filepath.Join(dir, "www/dir/a.txt"), "a\n")
			conf := fmt.Sprintf(`server.document-root = "%[1]s/www"
server.port = %[2]d
server.bind = "127.0.0.1"
server.errorlog = "%[1]s/error.log"
server.pid-file = "%[1]s/lighttpd.pid"
mimetype.assign = ( ".txt" => "text/plain", ".bin" => "application/octet-stream" )
`, dir, port)
			if training {
				conf += `server.modules = ( "mod_access" )` + "\n"
			} else {
				conf += fmt.Sprintf(`server.modules = ( "mod_access", "mod_dirlisting", "mod_status", "mod_accesslog" )
accesslog.filename = "%s/access.log"
status.status-url = "/server-status"
dir-listing.activate = "enable"
`, dir)
			}
			writeFile(t, filepath.Join(dir, "lighttpd.conf"), conf)
			return []string{"/usr/sbin/lighttpd", "-D", "-f", filepath.Join(dir, "lighttpd.conf")}
		},
		ready: func(port int) error { _, err := httpGet(port, "/small.txt"); return err },
		train: getSmallFile,
		broad: func(dir string, port int, _ string) error {
			if err := listingAndLargeFile(port, large); err != nil {
				return err
			}
			body, err := httpGet(port, "/server-status")
			if err != nil || !bytes.Contains(body, []byte("Uptime")) {
				return fmt.Errorf("status page: %v %.200q", err, body)
			}
			if err := restartGracefully(filepath.Join(dir, "lighttpd.pid")); err != nil {
				return err
			}
			if err := retry(func() error {
				body, err := httpGet(port, "/small.txt")
				if err == nil && string(body) != "hello\n" {
					err = fmt.Errorf("small.txt: %q", body)
				}
				return err
			}); err != nil {
				return fmt.Errorf("after a graceful restart: %w", err)
			}
			http.DefaultTransport.(*http.Transport).CloseIdleConnections()
			return retry(func() error {
				log, err := os.ReadFile(filepath.Join(dir, "access.log"))
				if err != nil || !bytes.Contains(log, []byte("GET /large.bin")) {
					return fmt.Errorf("access log: %v %q", err, log)
				}
				return nil
			})
		},
	}
}

// retry calls f until it succeeds, for a server that is restarting: a bounded wait, not
// a timing assertion.
func retry(f func() error) error {
	var err error
	for range 100 {
		if err = f(); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

// lookup asks the DNS server on port for name's IPv4 addresses over proto ("udp" or
// "tcp": the resolver frames its messages by the connection it is given).
func lookup(port int, proto, name string) ([]string, error) {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, proto, fmt.Sprintf("127.0.0.1:%d", port))
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := r.LookupIP(ctx, "ip4", name)
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out, err
}

func wantAddr(port int, proto, name, want string) error {
	got, err := lookup(port, proto, name)
	if err != nil || len(got) != 1 || got[0] != want {
		return fmt.Errorf("%s over %s: %v %v, want %s", name, proto, got, err, want)
	}
	return nil
}

// dnsmasq answers DNS for a local domain from a hosts file: training asks over UDP;
// the broad use asks over TCP (dnsmasq forks a child for each TCP connection), asks for
// a name it does not have (NXDOMAIN), rereads its hosts file on SIGHUP, and is stopped
// and continued.
func dnsmasq() program {
	return program{
		name: "dnsmasq", bin: "/usr/sbin/dnsmasq", pkg: "dnsmasq-base", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			writeFile(t, filepath.Join(dir, "hosts"), "10.1.2.3 known.heldout\n")
			return []string{"/usr/sbin/dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
				"--addn-hosts=" + filepath.Join(dir, "hosts"), "--local=/heldout/", "--listen-address=127.0.0.1", "--bind-interfaces",
				"--port=" + strconv.Itoa(port), "--user=root", "--group=root", "--pid-file=" + filepath.Join(dir, "dnsmasq.pid"),
				"--log-facility=-"}
		},
		ready: func(port int) error { return wantAddr(port, "udp", "known.heldout", "10.1.2.3") },
		train: func(dir string, port int, _ string) error { return wantAddr(port, "udp", "known.heldout", "10.1.2.3") },
		broad: func(dir string, port int, _ string) error {
			if err := wantAddr(port, "tcp", "known.heldout", "10.1.2.3"); err != nil {
				return err
			}
			got, err := lookup(port, "tcp", "unknown.heldout")
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
				return fmt.Errorf("unknown.heldout: %v %v, want not found", got, err)
			}
			if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte("10.1.2.3 known.heldout\n10.7.7.7 later.heldout\n"), 0o644); err != nil {
				return err
			}
			pid, err := os.ReadFile(filepath.Join(dir, "dnsmasq.pid"))
			if err != nil {
				return err
			}
			server, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
			if err := syscall.Kill(server, syscall.SIGHUP); err != nil {
				return err
			}
			if err := retry(func() error { return wantAddr(port, "tcp", "later.heldout", "10.7.7.7") }); err != nil {
				return err
			}
			// Stopped and continued while it waits in poll: the kernel resumes the
			// poll with restart_syscall, which no code of the program holds.
			if err := syscall.Kill(server, syscall.SIGSTOP); err != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
			if err := syscall.Kill(server, syscall.SIGCONT); err != nil {
				return err
			}
			return wantAddr(port, "udp", "known.heldout", "10.1.2.3")
		},
	}
}
