package heldout_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// openForOthers lets the unprivileged users a server switches to read dir: t.TempDir
// makes it and its parent 0700.
func openForOthers(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// apache2 runs the event MPM (worker processes with threads) from a configuration that
// names its modules. Training loads the few a static file needs; the broad use a
// configuration that also loads mod_autoindex, mod_deflate, mod_cgid (a daemon forked at
// start-up that forks and executes a shell script per request), mod_status and an
// access log piped to rotatelogs (a program the server starts), then restarts
// gracefully (SIGUSR1).
func apache2() program {
	large := bytes.Repeat([]byte("0123456789abcdef"), 512<<10) // 8 MiB
	text := strings.Repeat("the quick brown fox jumps over the lazy dog\n", 20000)
	return program{
		name: "apache2", bin: "/usr/sbin/apache2", pkg: "apache2", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			openForOthers(t, dir)
			writeFile(t, filepath.Join(dir, "www/small.txt"), "hello\n")
			writeFile(t, filepath.Join(dir, "www/large.bin"), string(large))
			writeFile(t, filepath.Join(dir, "www/text.txt"), text)
			writeFile(t, filepath.Join(dir, "www/dir/a.txt"), "a\n")
			// The shell is executed by the kernel for the script: it never ran while
			// recording. test -r asks the kernel (faccessat2).
			writeFile(t, filepath.Join(dir, "cgi-bin/hello"), "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\nif [ -r \"$SCRIPT_FILENAME\" ]; then echo \"cgi says $QUERY_STRING\"; fi\n")
			if err := os.Chmod(filepath.Join(dir, "cgi-bin/hello"), 0o755); err != nil {
				t.Fatal(err)
			}
			conf := fmt.Sprintf(`ServerRoot /usr/lib/apache2
ServerName localhost
Listen 127.0.0.1:%[2]d
PidFile %[1]s/apache2.pid
DefaultRuntimeDir %[1]s
ErrorLog %[1]s/error.log
User www-data
Group www-data
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule mime_module modules/mod_mime.so
TypesConfig /etc/mime.types
StartServers 2
ServerLimit 2
ThreadsPerChild 4
MaxRequestWorkers 8
EnableSendfile On
DocumentRoot %[1]s/www
<Directory %[1]s/www>
	Require all granted
</Directory>
`, dir, port)
			if !training {
				conf += fmt.Sprintf(`LoadModule autoindex_module modules/mod_autoindex.so
LoadModule deflate_module modules/mod_deflate.so
LoadModule filter_module modules/mod_filter.so
LoadModule cgid_module modules/mod_cgid.so
LoadModule alias_module modules/mod_alias.so
LoadModule status_module modules/mod_status.so
ScriptSock %[1]s/cgid.sock
ScriptAlias /cgi-bin/ %[1]s/cgi-bin/
<Directory %[1]s/cgi-bin>
	Require all granted
</Directory>
<Directory %[1]s/www/dir>
	Options +Indexes
</Directory>
AddOutputFilterByType DEFLATE text/plain
<Location /server-status>
	SetHandler server-status
</Location>
CustomLog "|/usr/bin/rotatelogs %[1]s/access.log 86400" "%%h %%r %%>s"
`, dir)
			}
			writeFile(t, filepath.Join(dir, "apache2.conf"), conf)
			return []string{"/usr/sbin/apache2", "-f", filepath.Join(dir, "apache2.conf"), "-DFOREGROUND"}
		},
		ready: func(port int) error { _, err := httpGet(port, "/small.txt"); return err },
		train: getSmallFile,
		broad: func(dir string, port int, _ string) error {
			if err := listingAndLargeFile(port, large); err != nil {
				return err
			}
			if err := gzipped(port, "/text.txt", text); err != nil {
				return err
			}
			body, err := httpGet(port, "/cgi-bin/hello?x=1")
			if err != nil || string(body) != "cgi says x=1\n" {
				return fmt.Errorf("CGI script: %v %.200q", err, body)
			}
			body, err = httpGet(port, "/server-status?auto")
			if err != nil || !bytes.Contains(body, []byte("BusyWorkers")) {
				return fmt.Errorf("status page: %v %.200q", err, body)
			}
			if err := restartGracefully(filepath.Join(dir, "apache2.pid")); err != nil {
				return err
			}
			if err := retry(func() error {
				body, err := httpGet(port, "/cgi-bin/hello?after=restart")
				if err == nil && string(body) != "cgi says after=restart\n" {
					err = fmt.Errorf("CGI script: %q", body)
				}
				return err
			}); err != nil {
				return fmt.Errorf("after a graceful restart: %w", err)
			}
			return retry(func() error {
				// rotatelogs names the file after the period it starts.
				logs, _ := filepath.Glob(filepath.Join(dir, "access.log.*"))
				if len(logs) != 1 {
					return fmt.Errorf("access logs: %q", logs)
				}
				log, err := os.ReadFile(logs[0])
				if err == nil && !bytes.Contains(log, []byte("GET /large.bin")) {
					err = fmt.Errorf("access log: %q", log)
				}
				return err
			})
		},
	}
}

// gzipped fetches path asking for gzip itself, so that it can check the server
// compressed the answer, and compares the decompressed body with want.
func gzipped(port int, path, want string) error {
	req, err := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d%s", port, path), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		return fmt.Errorf("GET %s: %s, Content-Encoding %q, want gzip", path, resp.Status, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || string(body) != want {
		return fmt.Errorf("GET %s: %v, %d bytes of %d", path, err, len(body), len(want))
	}
	return nil
}

// haproxy runs in master-worker mode (-W) in front of a backend served by the test.
// Training: one HTTP request through one thread. The broad use names features in its
// configuration that training never used: two threads, a TCP frontend that moves data
// with splice, gzip compression, logs sent to a syslog server over UDP, a stats socket,
// and health checks by an external script that haproxy forks and executes (it runs under
// /bin/sh, which never ran while recording); then a reload (SIGUSR2: the master executes
// itself again and the new worker takes the listening sockets from the old one).
func haproxy() program {
	text := strings.Repeat("the quick brown fox jumps over the lazy dog\n", 20000)
	large := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB
	var logs *net.UDPConn
	var rawPort int // the spliced TCP frontend
	return program{
		name: "haproxy", bin: "/usr/sbin/haproxy", pkg: "haproxy", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/text.txt":
					w.Header().Set("Content-Type", "text/plain")
					io.WriteString(w, text)
				case "/large.bin":
					w.Write(large)
				default:
					io.WriteString(w, "hello\n")
				}
			}))
			t.Cleanup(backend.Close)
			backendAddr := strings.TrimPrefix(backend.URL, "http://")
			conf := fmt.Sprintf(`global
	pidfile %[1]s/haproxy.pid
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend web
	bind 127.0.0.1:%[2]d
	default_backend app
`, dir, port)
			if training {
				conf += fmt.Sprintf("backend app\n\tserver app1 %s\n", backendAddr)
			} else {
				rawPort = freePort(t)
				var err error
				if logs, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { logs.Close() })
				// test -r asks the kernel (faccessat2) from the shell.
				writeFile(t, filepath.Join(dir, "check.sh"), "#!/bin/sh\nif [ -r \"$0\" ]; then echo \"$3:$4\" >> "+filepath.Join(dir, "checks.log")+"; fi\n")
				if err := os.Chmod(filepath.Join(dir, "check.sh"), 0o755); err != nil {
					t.Fatal(err)
				}
				conf = strings.Replace(conf, "global\n", fmt.Sprintf(`global
	nbthread 2
	log %[1]s local0
	stats socket %[2]s/stats.sock mode 600 level admin
	insecure-fork-wanted
	external-check
`, logs.LocalAddr(), dir), 1)
				conf += fmt.Sprintf(`	log global
	option httplog
frontend raw
	mode tcp
	bind 127.0.0.1:%[3]d
	option splice-request
	option splice-response
	default_backend rawapp
backend rawapp
	mode tcp
	server raw1 %[1]s
backend app
	compression algo gzip
	compression type text/plain
	option external-check
	external-check command %[2]s/check.sh
	server app1 %[1]s check inter 100ms
`, backendAddr, dir, rawPort)
			}
			writeFile(t, filepath.Join(dir, "haproxy.cfg"), conf)
			return []string{"/usr/sbin/haproxy", "-W", "-db", "-f", filepath.Join(dir, "haproxy.cfg")}
		},
		ready: func(port int) error { _, err := httpGet(port, "/small.txt"); return err },
		train: getSmallFile,
		broad: func(dir string, port int, _ string) error {
			if err := gzipped(port, "/text.txt", text); err != nil {
				return err
			}
			body, err := httpGet(rawPort, "/large.bin")
			if err != nil || !bytes.Equal(body, large) {
				return fmt.Errorf("large file through the spliced TCP frontend: %v, %d bytes of %d", err, len(body), len(large))
			}
			if err := logged(logs, "GET /text.txt"); err != nil {
				return err
			}
			c, err := net.Dial("unix", filepath.Join(dir, "stats.sock"))
			if err != nil {
				return fmt.Errorf("stats socket: %w", err)
			}
			fmt.Fprintln(c, "show info")
			info, err := io.ReadAll(c)
			c.Close()
			if err != nil || !bytes.Contains(info, []byte("Nbthread: 2")) {
				return fmt.Errorf("stats socket: %v %.200q", err, info)
			}
			// Health checks run every 100 ms: wait for a few to have been logged.
			if err := retry(func() error {
				log, err := os.ReadFile(filepath.Join(dir, "checks.log"))
				if n := bytes.Count(log, []byte("\n")); err == nil && n < 3 {
					err = fmt.Errorf("%d external checks so far", n)
				}
				return err
			}); err != nil {
				return fmt.Errorf("external health checks: %w", err)
			}
			pid, err := os.ReadFile(filepath.Join(dir, "haproxy.pid"))
			if err != nil {
				return err
			}
			master, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
			workers := children(master)
			if err := syscall.Kill(master, syscall.SIGUSR2); err != nil { // reload
				return err
			}
			// The reload is done when a new worker serves.
			return retry(func() error {
				if now := children(master); len(now) == 0 || slices.Equal(now, workers) {
					return fmt.Errorf("no new worker after the reload: %v", now)
				}
				body, err := httpGet(rawPort, "/large.bin")
				if err == nil && !bytes.Equal(body, large) {
					err = fmt.Errorf("after the reload, %d bytes of %d", len(body), len(large))
				}
				return err
			})
		},
	}
}

// logged reads syslog messages until one holds want; a bounded wait.
func logged(logs *net.UDPConn, want string) error {
	logs.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	var got []string
	for {
		n, err := logs.Read(buf)
		if err != nil {
			return fmt.Errorf("syslog over UDP: no message with %q: %v; got %q", want, err, got)
		}
		if bytes.Contains(buf[:n], []byte(want)) {
			return nil
		}
		got = append(got, string(buf[:n]))
	}
}

// squid is a caching proxy whose helpers are programs it executes: training proxies one
// request with none configured (and no pinger). The broad use names in its configuration
// a basic authentication helper, a URL rewriter, a logging daemon and a diskd cache (a
// helper process that shares memory and message queues with squid), none of which ran
// while recording; it checks authentication, a cached answer, log rotation (SIGUSR1),
// and that squid shut down cleanly: diskd removes its message queues and shared memory
// when it ends.
func squid() program {
	data := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	var backend string
	// The password of user u1 is "secret" (htpasswd -b).
	const passwd = "u1:$apr1$jP62bZN3$2EP/2luMRA9Whf4./a2bj/\n"
	get := func(port int, path, user string) (int, []byte, error) {
		proxy := &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)}
		if user != "" {
			proxy.User = url.UserPassword(user, "secret")
		}
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}, Timeout: 20 * time.Second}
		resp, err := c.Get("http://" + backend + path)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, body, err
	}
	return program{
		name: "squid", bin: "/usr/sbin/squid", pkg: "squid", stopSig: syscall.SIGTERM,
		setup: func(t *testing.T, dir string, port int, training bool) []string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/data.bin" {
					w.Header().Set("Cache-Control", "max-age=3600")
					w.Write(data)
					return
				}
				io.WriteString(w, "hello\n")
			}))
			t.Cleanup(srv.Close)
			backend = strings.TrimPrefix(srv.URL, "http://")
			openForOthers(t, dir)
			proxyUser, err := user.Lookup("proxy")
			if err != nil {
				t.Skipf("no proxy user: %v", err)
			}
			uid, _ := strconv.Atoi(proxyUser.Uid)
			gid, _ := strconv.Atoi(proxyUser.Gid)
			conf := fmt.Sprintf(`http_port 127.0.0.1:%[2]d
pid_filename %[1]s/squid.pid
cache_log %[1]s/cache.log
cache_store_log none
coredump_dir %[1]s
pinger_enable off
shutdown_lifetime 1 seconds
`, dir, port)
			if training {
				conf += "access_log none\ncache_mem 8 MB\nhttp_access allow all\n"
			} else {
				writeFile(t, filepath.Join(dir, "passwd"), passwd)
				if err := os.Mkdir(filepath.Join(dir, "cache"), 0o755); err != nil {
					t.Fatal(err)
				}
				conf += fmt.Sprintf(`cache_mem 0 MB
maximum_object_size_in_memory 0 KB
cache_dir diskd %[1]s/cache 16 4 4
access_log daemon:%[1]s/access.log squid
logfile_rotate 1
auth_param basic program /usr/lib/squid/basic_ncsa_auth %[1]s/passwd
auth_param basic children 1
acl authed proxy_auth REQUIRED
http_access allow authed
url_rewrite_program /usr/lib/squid/url_fake_rewrite
url_rewrite_children 1
`, dir)
			}
			for _, p := range []string{dir, filepath.Join(dir, "cache")} {
				os.Chown(p, uid, gid)
			}
			writeFile(t, filepath.Join(dir, "squid.conf"), conf)
			if !training {
				// The cache directories, made before the broad use, outside the profile.
				if out, err := exec.Command("/usr/sbin/squid", "-z", "--foreground", "-f", filepath.Join(dir, "squid.conf")).CombinedOutput(); err != nil {
					t.Fatalf("squid -z: %v\n%s", err, out)
				}
			}
			return []string{"/usr/sbin/squid", "--foreground", "-f", filepath.Join(dir, "squid.conf")}
		},
		ready: func(port int) error {
			code, body, err := get(port, "/small.txt", "u1")
			if err == nil && (code != 200 || string(body) != "hello\n") {
				err = fmt.Errorf("small.txt through the proxy: %d %q", code, body)
			}
			return err
		},
		train: func(dir string, port int, _ string) error {
			code, body, err := get(port, "/small.txt", "")
			if err == nil && (code != 200 || string(body) != "hello\n") {
				err = fmt.Errorf("small.txt through the proxy: %d %q", code, body)
			}
			return err
		},
		broad: func(dir string, port int, _ string) error {
			if code, _, err := get(port, "/small.txt", ""); err != nil || code != http.StatusProxyAuthRequired {
				return fmt.Errorf("without credentials: %d %v, want 407", code, err)
			}
			for range 2 { // a miss, then a hit from the disk cache
				code, body, err := get(port, "/data.bin", "u1")
				if err != nil || code != 200 || !bytes.Equal(body, data) {
					return fmt.Errorf("data.bin through the proxy: %d %v, %d bytes of %d", code, err, len(body), len(data))
				}
			}
			pid, err := os.ReadFile(filepath.Join(dir, "squid.pid"))
			if err != nil {
				return err
			}
			server, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
			if err := syscall.Kill(server, syscall.SIGUSR1); err != nil { // rotate the logs
				return err
			}
			if err := retry(func() error {
				log, err := os.ReadFile(filepath.Join(dir, "access.log.0"))
				if err == nil && !bytes.Contains(log, []byte("TCP_HIT")) {
					err = fmt.Errorf("rotated access log: no hit: %q", log)
				}
				return err
			}); err != nil {
				return err
			}
			// Shut down here to see how it ends, diskd last.
			tree := descendants(server)
			i := slices.IndexFunc(tree, func(pid int) bool { return comm(pid) == "diskd" })
			if i < 0 {
				return fmt.Errorf("no diskd process among %v", tree)
			}
			// diskd's arguments are the keys of its message queues and shared memory.
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", tree[i]))
			keys := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")[1:]
			if err := syscall.Kill(server, syscall.SIGTERM); err != nil {
				return err
			}
			if err := retry(func() error {
				for _, pid := range append(tree, server) {
					if c := comm(pid); c != "" {
						return fmt.Errorf("%s (%d) has not exited", c, pid)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if left := removeSysV(keys); len(left) > 0 {
				log, _ := os.ReadFile(filepath.Join(dir, "cache.log"))
				return fmt.Errorf("diskd left its System V objects behind (%s); cache.log:\n%s", strings.Join(left, ", "), log)
			}
			return nil
		},
	}
}

// descendants returns the processes below pid.
func descendants(pid int) []int {
	var out []int
	for _, c := range children(pid) {
		out = append(append(out, c), descendants(c)...)
	}
	return out
}

// comm is the name of process pid, "" once it is gone (or a zombie).
func comm(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// pid (comm) state ...
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || strings.HasPrefix(s[end+1:], " Z") {
		return ""
	}
	return s[open+1 : end]
}

// removeSysV removes the System V message queues and shared memory segments with these
// keys (decimal) and says which there were.
func removeSysV(keys []string) []string {
	var left []string
	for _, kind := range []struct{ file, flag string }{{"/proc/sysvipc/msg", "-q"}, {"/proc/sysvipc/shm", "-m"}} {
		b, _ := os.ReadFile(kind.file)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 1 && slices.Contains(keys, f[0]) {
				left = append(left, fmt.Sprintf("%s key %s", kind.file, f[0]))
				exec.Command("ipcrm", kind.flag, f[1]).Run()
			}
		}
	}
	return left
}
