package record

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

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
	m := newAuditMatcher(opts)
	rec := New("audit")
	seen := map[Call]bool{}
	add := func(msg audit.Message) {
		r, err := audit.ParseMessage(msg)
		if err != nil {
			return
		}
		st.Records++
		if !m.keep(r) {
			return
		}
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
	st.Overruns = c.Overruns()
	return rec, st, nil
}

// auditMatcher applies AuditOptions, remembering each pid's verdict: a process's last
// records (exit_group) arrive when /proc no longer knows it.
type auditMatcher struct {
	opts    AuditOptions
	verdict map[int]bool
}

func newAuditMatcher(opts AuditOptions) *auditMatcher {
	return &auditMatcher{opts: opts, verdict: map[int]bool{}}
}

func (m *auditMatcher) keep(r audit.SeccompRecord) bool {
	if m.opts.Comm != "" && r.Comm != m.opts.Comm && !commPrefix(r.Comm, m.opts.Comm) {
		return false
	}
	if m.opts.PID == 0 && m.opts.Cgroup == "" {
		return true
	}
	if v, ok := m.verdict[r.PID]; ok {
		return v
	}
	v := true
	if m.opts.PID != 0 {
		v = r.PID == m.opts.PID || descendsFrom(r.PID, m.opts.PID)
	}
	if v && m.opts.Cgroup != "" {
		v = inCgroup(r.PID, m.opts.Cgroup)
	}
	m.verdict[r.PID] = v
	return v
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
	if rel, ok := strings.CutPrefix(arg, mount); ok {
		arg = rel
	}
	p := "/" + strings.Trim(arg, "/")
	if _, err := os.Stat(mount + p); err != nil {
		return "", fmt.Errorf("cgroup %s: %w", p, err)
	}
	return p, nil
}
