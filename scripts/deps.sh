#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine. Idempotent: packages that
# are already installed are skipped, so a warm machine pays nothing.
set -euo pipefail

# One package a line; say which test needs it.
packages=(
	strace          # record: differential tests against strace -f
	python3-seccomp # compiler: libseccomp oracle for differential tests
	libseccomp-dev  # compiler: libseccomp oracle
	seccomp         # scmp_sys_resolver: syscall table cross-checks
	runc            # record/test: containers under a profile
	crun            # runtime syscall lists
	busybox-static  # workloads for record, test and e2e
	python3         # record: python3 workload
	gcc             # record: the realistic workload of the overhead benchmark
	etcd-server     # agent: integration tests run a real etcd + kube-apiserver; test/heldout: the Go program
	redis-server    # test/heldout: a server that forks for BGSAVE
	redis-tools     # test/heldout: redis-cli drives redis-server
	nginx-light     # test/heldout: a file server (directory listing, large and compressed files)
	sqlite3         # test/heldout: a database switched to WAL
	memcached       # test/heldout: a cache server (LRU crawler)
	ripgrep         # test/heldout: a Rust program with threads
	7zip            # test/heldout: a C++ program with threads (7zz)
	fio             # test/heldout: I/O engines chosen by flag (libaio, mmap, POSIX AIO, splice)
	lighttpd        # test/heldout: a server whose modules are dlopen'ed as its configuration names them
	dnsmasq-base    # test/heldout: a DNS server that forks per TCP connection
	postgresql-15   # test/heldout: a database daemonized by pg_ctl (backends, parallel workers, JIT, WAL archive shell)
	nodejs          # test/heldout: a JavaScript runtime (JIT, worker threads, child processes)
	unbound         # test/heldout: a DNS server embedding Python (extension modules found at run time: --module-dir)
	python3-unbound # test/heldout: unbound's Python module glue (unboundmodule.py)
	apache2         # test/heldout: worker processes and threads, modules, CGI scripts run under /bin/sh, piped logs
	haproxy         # test/heldout: master-worker reload, splice, external check scripts run under /bin/sh
	squid           # test/heldout: helpers it executes (authentication, rewriter, log daemon, diskd with System V IPC)
	musl-tools      # analyze: a static musl test program for the static analyzer
	chromium        # report: the HTML report is loaded and checked in headless chromium (internal/cli)
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
