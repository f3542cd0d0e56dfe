package record

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/audit"
)

// FromAudit records from the kernel's SECCOMP audit records, read from the audit
// netlink multicast group, until ctx is done or opts.Duration has passed. Run the
// workload under generate.AuditProfile (SCMP_ACT_LOG) meanwhile.
//
// Processes are matched to --pid and --cgroup through /proc when their first record
// arrives; a process that exits before any of its records is read cannot be matched.
func FromAudit(ctx context.Context, opts AuditOptions) (*Recording, AuditStats, error) {
	var st AuditStats
	c, err := audit.Dial()
	if err != nil {
		return nil, st, err
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	defer c.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			// Wake the blocked Read; what is queued is drained below.
			c.SetReadDeadline(time.Now())
		case <-stop:
		}
	}()
	var forks *forkWatcher
	if opts.PID != 0 || opts.Cgroup != "" {
		if forks, err = watchForks(); err == nil {
			defer forks.close()
		} else {
			st.NoForkEvents = true
		}
	}
	m := newAuditMatcher(opts, forks)
	rec := New("audit")
	var pending []audit.SeccompRecord
	seen := map[Call]bool{}
	var count func(audit.SeccompRecord)
	add := func(msg audit.Message) {
		r, err := audit.ParseMessage(msg)
		if err != nil {
			return
		}
		st.Records++
		keep, decided := m.keep(r)
		if !decided {
			pending = append(pending, r)
			return
		}
		if keep {
			count(r)
		}
	}
	count = func(r audit.SeccompRecord) {
		st.Kept++
		call := Call{Arch: r.Arch, Name: SyscallName(r.Arch, r.Syscall), Exe: r.Exe}
		rec.Add(call, 1)
		if opts.Progress != nil {
			opts.Progress.calls.Add(1)
			k := Call{Arch: call.Arch, Name: call.Name}
			if !seen[k] {
				seen[k] = true
				opts.Progress.addDistinct()
			}
		}
	}
	for ctx.Err() == nil {
		msg, err := c.Read()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			return nil, st, err
		}
		add(msg)
	}
	// Records the kernel sent before the stop are still queued: keep them.
	for {
		msg, ok, err := c.ReadQueued()
		if err != nil || !ok {
			break
		}
		add(msg)
	}
	// Every fork behind those records has been announced by now.
	if forks != nil {
		forks.drain()
	}
	for _, r := range pending {
		if keep, decided := m.keep(r); keep && decided {
			count(r)
		} else if !decided {
			st.Unattributed++
		}
	}
	st.Overruns = c.Overruns()
	return rec, st, nil
}

// auditMatcher applies AuditOptions, remembering each pid's verdict: a process's last
// records (exit_group) arrive when /proc no longer knows it. For processes gone before
// their first record was read, fork events (when available) give the parent, whose
// verdict the child inherits.
type auditMatcher struct {
	opts    AuditOptions
	verdict map[int]bool
	forks   *forkWatcher // nil when process events are unavailable
}

func newAuditMatcher(opts AuditOptions, forks *forkWatcher) *auditMatcher {
	return &auditMatcher{opts: opts, verdict: map[int]bool{}, forks: forks}
}

// keep returns whether r passes the filters; decided is false when the process is gone
// and its ancestry is not known (yet).
func (m *auditMatcher) keep(r audit.SeccompRecord) (keep, decided bool) {
	if m.opts.Comm != "" && r.Comm != m.opts.Comm && !commPrefix(r.Comm, m.opts.Comm) {
		return false, true
	}
	if m.opts.PID == 0 && m.opts.Cgroup == "" {
		return true, true
	}
	return m.decide(r.PID, 0)
}

func (m *auditMatcher) decide(pid, depth int) (bool, bool) {
	if v, ok := m.verdict[pid]; ok {
		return v, true
	}
	if pid == m.opts.PID && m.opts.Cgroup == "" {
		m.verdict[pid] = true
		return true, true
	}
	if depth > 64 || pid <= 1 {
		return false, true
	}
	// The fork events tell the ancestry exactly, even across exited parents.
	if m.forks != nil {
		if parent, ok := m.forks.parent(pid); ok {
			if v, decided := m.decide(parent, depth+1); decided && (v || m.opts.Cgroup == "") {
				m.verdict[pid] = v
				return v, true
			}
		}
	}
	alive, v := m.fromProc(pid)
	if !alive {
		return false, false
	}
	m.verdict[pid] = v
	return v, true
}

// fromProc decides from /proc; alive is false when the process is gone.
func (m *auditMatcher) fromProc(pid int) (alive, keep bool) {
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
		return false, false
	}
	v := true
	if m.opts.PID != 0 {
		v = pid == m.opts.PID || descendsFrom(pid, m.opts.PID)
	}
	if v && m.opts.Cgroup != "" {
		v = inCgroup(pid, m.opts.Cgroup)
	}
	// The process may have exited while we read: then nothing above is reliable.
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
		return false, false
	}
	return true, v
}

// commPrefix matches a comm= truncated to 15 bytes against a longer name.
func commPrefix(comm, want string) bool {
	return len(comm) == 15 && strings.HasPrefix(want, comm)
}

// descendsFrom walks pid's ancestors in /proc.
func descendsFrom(pid, ancestor int) bool {
	for i := 0; i < 64 && pid > 1; i++ {
		pid = ppid(pid)
		if pid == ancestor {
			return true
		}
	}
	return false
}

// inCgroup reports whether pid is in the cgroup v2 path cg or below it.
func inCgroup(pid int, cg string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return false
	}
	cg = "/" + strings.Trim(cg, "/")
	for _, line := range strings.Split(string(b), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return path == cg || strings.HasPrefix(path, cg+"/") || cg == "/"
		}
	}
	return false
}

// CgroupPath turns a --cgroup argument into a cgroup v2 path: a path under the cgroup2
// mount (/sys/fs/cgroup/unified/x or /sys/fs/cgroup/x) or already relative to it.
func CgroupPath(arg string) (string, error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return "", err
	}
	// A path under the mount, or a cgroup path as /proc/PID/cgroup shows it. Cleaning
	// it as rooted keeps ".." from climbing out of the mount.
	if arg == mount || strings.HasPrefix(arg, mount+"/") {
		arg = arg[len(mount):]
	}
	p := path.Clean("/" + arg)
	dir := mount + p
	if p == "/" {
		dir = mount
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("cgroup %s: %w", p, err)
	}
	if real != mount && !strings.HasPrefix(real, mount+"/") {
		return "", fmt.Errorf("cgroup %s: resolves to %s, outside the cgroup2 mount %s", p, real, mount)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(real, &st); err != nil {
		return "", fmt.Errorf("cgroup %s: %w", p, err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return "", fmt.Errorf("cgroup %s: %s is not on the cgroup2 file system mounted at %s", p, real, mount)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("cgroup %s: not a cgroup directory", p)
	}
	return p, nil
}
