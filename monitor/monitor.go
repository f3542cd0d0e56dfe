package monitor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seccompctl/seccompctl/audit"
)

// Violation is one SECCOMP record, attributed to its container where possible.
type Violation struct {
	Time time.Time `json:"time"`
	Node string    `json:"node,omitempty"`
	PID  int       `json:"pid"`
	Comm string    `json:"comm,omitempty"`
	Exe  string    `json:"exe,omitempty"`
	Arch string    `json:"arch"`
	Nr   int       `json:"syscallNr"`
	// Syscall is the name, or "syscall_<nr>" when the table does not know the number.
	Syscall string `json:"syscall"`
	// Action is the filter's answer. The kernel logs it without its data, so the errno
	// of SCMP_ACT_ERRNO is not known here.
	Action string `json:"action"`
	Container
	// Error says why the record could not be attributed (the process exited before its
	// cgroup was read, it runs outside a container, the runtime did not answer).
	Error string `json:"error,omitempty"`
	// Count and First are set when the line stands for several records of the same
	// syscall and container (the agent's per-node totals, as `k8s status` prints them):
	// Count of them, the first at First and the last at Time. Zero means one record.
	Count int       `json:"count,omitempty"`
	First time.Time `json:"first,omitzero"`
	// unattributed is the metric's reason: host, exited or runtime.
	unattributed string
}

// Monitor attributes records and counts them.
type Monitor struct {
	// Resolver maps container IDs to pods; nil leaves only the container ID.
	Resolver Resolver
	// ProcRoot is where /proc of the node is; default "/proc".
	ProcRoot string
	// Node is written into every violation.
	Node string

	once       sync.Once
	violations *prometheus.CounterVec
	records    prometheus.Counter
	unresolved *prometheus.CounterVec

	mu   sync.Mutex
	pids map[int]pidEntry
	// execs holds cgroups read at exec time, once WatchExecs runs.
	execs *execCache
}

type pidEntry struct {
	info CgroupInfo
	err  error
	at   time.Time
}

func (m *Monitor) init() {
	m.once.Do(func() {
		m.violations = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seccompctl_violations_total",
			Help: "SECCOMP audit records by namespace, pod, container, syscall and action (empty labels: not in a known container).",
		}, []string{"namespace", "pod", "container", "syscall", "action"})
		m.records = prometheus.NewCounter(prometheus.CounterOpts{
			Name: "seccompctl_audit_records_total",
			Help: "SECCOMP audit records read.",
		})
		m.unresolved = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seccompctl_violations_unattributed_total",
			Help: "Records not attributed to a pod, by reason (exited, host, runtime).",
		}, []string{"reason"})
		m.pids = map[int]pidEntry{}
	})
}

// Register adds the monitor's metrics to reg.
func (m *Monitor) Register(reg prometheus.Registerer) error {
	m.init()
	for _, c := range []prometheus.Collector{m.violations, m.records, m.unresolved} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Attribute turns a record into a violation: the process's cgroup gives the container
// ID, the resolver the pod. It reads /proc at once, since a denied process may exit
// (or be killed) right after.
func (m *Monitor) Attribute(ctx context.Context, r audit.SeccompRecord) Violation {
	m.init()
	v := Violation{
		Time: r.Time, Node: m.Node, PID: r.PID, Comm: r.Comm, Exe: r.Exe,
		Arch: r.Arch.String(), Nr: r.Syscall, Syscall: r.Name, Action: r.Action.String(),
	}
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	if v.Syscall == "" {
		v.Syscall = "syscall_" + strconv.Itoa(r.Syscall)
	}
	info, err := m.cgroup(r.PID)
	if err != nil {
		v.Error = err.Error()
		v.unattributed = "exited"
		if errors.Is(err, ErrNotContainer) {
			v.unattributed = "host"
		}
		return v
	}
	v.Container = Container{ID: info.ContainerID, PodUID: info.PodUID}
	if m.Resolver == nil {
		return v
	}
	c, err := m.Resolver.Resolve(ctx, info.ContainerID)
	if err != nil {
		v.Error = err.Error()
		v.unattributed = "runtime"
		return v
	}
	if c.PodUID == "" {
		c.PodUID = info.PodUID
	}
	v.Container = c
	return v
}

// cgroup reads the process's cgroup, remembering it briefly: a process that logs one
// syscall usually logs many. When the process is gone, the cgroup it had at its last
// exec answers, if WatchExecs saw it.
func (m *Monitor) cgroup(pid int) (CgroupInfo, error) {
	now := time.Now()
	m.mu.Lock()
	e, ok := m.pids[pid]
	m.mu.Unlock()
	if ok && now.Sub(e.at) < 2*time.Second {
		return e.info, e.err
	}
	info, err := CgroupOfPID(m.ProcRoot, pid)
	m.mu.Lock()
	execs := m.execs
	m.mu.Unlock()
	if errors.Is(err, errExited) && execs != nil {
		if i, ok := execs.get(pid, now); ok {
			info, err = i, nil
		}
	}
	m.mu.Lock()
	if len(m.pids) > 8192 {
		for p, e := range m.pids {
			if now.Sub(e.at) >= 2*time.Second {
				delete(m.pids, p)
			}
		}
	}
	m.pids[pid] = pidEntry{info: info, err: err, at: now}
	m.mu.Unlock()
	return info, err
}

// Count adds v to the metrics.
func (m *Monitor) Count(v Violation) {
	m.init()
	m.records.Inc()
	m.violations.WithLabelValues(v.Namespace, v.Pod, v.Name, v.Syscall, v.Action).Inc()
	if v.unattributed != "" {
		m.unresolved.WithLabelValues(v.unattributed).Inc()
	}
}

// Run attributes and counts every record from records until it closes or ctx is done,
// passing each violation to emit (which may be nil).
func (m *Monitor) Run(ctx context.Context, records <-chan audit.SeccompRecord, emit func(Violation)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case r, ok := <-records:
			if !ok {
				return nil
			}
			v := m.Attribute(ctx, r)
			m.Count(v)
			if emit != nil {
				emit(v)
			}
		}
	}
}

// String is a one-line human form of v.
func (v Violation) String() string {
	who := fmt.Sprintf("pid %d (%s)", v.PID, v.Comm)
	switch {
	case v.Pod != "":
		who = fmt.Sprintf("%s/%s container %s, %s", v.Namespace, v.Pod, v.Container.Name, who)
	case v.ID != "":
		who = fmt.Sprintf("container %.12s, %s", v.ID, who)
	}
	s := fmt.Sprintf("%s %s: %s %s on %s", v.Time.Format(time.RFC3339), who, v.Action, v.Syscall, v.Arch)
	if v.Error != "" {
		s += " [" + v.Error + "]"
	}
	return s
}
