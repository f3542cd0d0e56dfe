package agent

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the agent's Prometheus series, on a registry of its own.
type metrics struct {
	reg            *prometheus.Registry
	installed      prometheus.Gauge
	rejected       *prometheus.GaugeVec
	installErrors  *prometheus.CounterVec
	fileOps        *prometheus.CounterVec
	syncs          *prometheus.CounterVec
	syncDuration   prometheus.Histogram
	lastSync       prometheus.Gauge
	configMaps     prometheus.Gauge
	statusFailures prometheus.Counter
	logged         *prometheus.GaugeVec
	loggedDropped  prometheus.Gauge

	recordingsActive prometheus.Gauge
	recordedPods     prometheus.Gauge
	recordedCgroups  prometheus.Gauge
	recorderAttached prometheus.Gauge
	snapshotWrites   *prometheus.CounterVec
	staticAnalyses   *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		installed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_profiles_installed",
			Help: "Profiles the agent has installed on this node.",
		}),
		rejected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "seccompctl_agent_profiles_rejected",
			Help: "Profiles currently refused, by reason (UnsafeName, InvalidProfile, Conflict, NotOwned, WriteFailed).",
		}, []string{"reason"}),
		installErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seccompctl_agent_install_errors_total",
			Help: "Profiles refused or failed to install, counted once per new refusal, by reason.",
		}, []string{"reason"}),
		fileOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seccompctl_agent_file_operations_total",
			Help: "Profile files created, updated and removed.",
		}, []string{"op"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seccompctl_agent_syncs_total",
			Help: "Syncs of the directory with the ConfigMaps, by result (ok, error).",
		}, []string{"result"}),
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "seccompctl_agent_sync_duration_seconds",
			Help:    "Time a sync took.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}),
		lastSync: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_last_sync_timestamp_seconds",
			Help: "When the last successful sync finished (Unix time).",
		}),
		configMaps: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_configmaps",
			Help: "Labelled ConfigMaps the agent sees.",
		}),
		statusFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "seccompctl_agent_status_update_failures_total",
			Help: "Failed writes of the node's status Lease (the API server was unreachable or refused).",
		}),
		logged: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "seccompctl_agent_logged_syscalls",
			Help: "Audit records kept per Localhost profile and syscall on this node since the state file began (series bounded by the state file's entry cap).",
		}, []string{"profile", "syscall"}),
		loggedDropped: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_logged_dropped",
			Help: "Logged records not kept because the state file's entry cap was reached.",
		}),
		recordingsActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_recording_requests_active",
			Help: "Recording requests this node's agent is recording (--record).",
		}),
		recordedPods: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_recorded_pods",
			Help: "Pod cgroups the eBPF recorder watches for recording requests.",
		}),
		recordedCgroups: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_recorded_cgroups",
			Help: "Cgroups (containers, pod sandboxes) being counted now for recording requests.",
		}),
		recorderAttached: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seccompctl_agent_recorder_attached",
			Help: "1 while the eBPF recorder's programs are loaded and attached (some active recording request has a pod on this node), 0 otherwise.",
		}),
		snapshotWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seccompctl_agent_snapshot_writes_total",
			Help: "Writes of recording snapshot Leases, by result (ok, error).",
		}, []string{"result"}),
		staticAnalyses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seccompctl_agent_static_analyses_total",
			Help: "Static analyses of recorded containers' executables (--record-static), by result (ok, error).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.recordingsActive, m.recordedPods, m.recordedCgroups, m.recorderAttached, m.snapshotWrites, m.staticAnalyses, m.logged, m.loggedDropped, m.installed, m.rejected, m.installErrors, m.fileOps, m.syncs, m.syncDuration,
		m.lastSync, m.configMaps, m.statusFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{ReasonUnsafeName, ReasonInvalid, ReasonConflict, ReasonNotOwned, ReasonWrite} {
		m.rejected.WithLabelValues(r)
		m.installErrors.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "error"} {
		m.snapshotWrites.WithLabelValues(r)
		m.staticAnalyses.WithLabelValues(r)
	}
	for _, op := range []string{"create", "update", "remove"} {
		m.fileOps.WithLabelValues(op)
	}
	return m
}
