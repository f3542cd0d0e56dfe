package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/lint"
)

// Config is the agent's configuration. Every field's zero value means the default
// stated beside it; SetDefaults fills them in.
type Config struct {
	// Kubeconfig is a kubeconfig file for reaching the API server.
	// Default "": the in-cluster configuration (the pod's ServiceAccount).
	Kubeconfig string
	// NodeName is the node the agent runs on; it names the status Lease and the Events'
	// source. Default: $NODE_NAME, else the host name.
	NodeName string
	// KubeletRoot is the kubelet's --root-dir; profiles go below <KubeletRoot>/seccomp.
	// Default "/var/lib/kubelet".
	KubeletRoot string
	// Dir is the directory under <KubeletRoot>/seccomp the agent installs into and owns
	// files in; pods name profiles as "<Dir>/<key>". Default "profiles".
	Dir string
	// Namespace is where labelled ConfigMaps are watched and the status Lease is kept.
	// Default: $POD_NAMESPACE, else "seccompctl-system".
	Namespace string
	// AllNamespaces watches ConfigMaps in every namespace (the agent then needs a
	// ClusterRole to list them). Default false.
	AllNamespaces bool
	// LabelSelector selects the ConfigMaps that hold profiles.
	// Default "seccompctl.io/profiles=true".
	LabelSelector string
	// ListenAddress serves /healthz, /readyz and /metrics; "-" serves nothing.
	// Default ":9842".
	ListenAddress string
	// ResyncPeriod is how often the directory is checked against the ConfigMaps without
	// any change (repairing files altered on disk) and the status Lease renewed.
	// Default 1m.
	ResyncPeriod time.Duration
	// Runtimes are the runtimes lint checks profiles against (see lint.Runtimes).
	// Default: none named, meaning every runtime lint knows (the strictest choice).
	Runtimes []string
	// Monitor also reads SECCOMP audit records and counts violations by pod. Needs the
	// host's PID and network namespaces and CAP_AUDIT_READ. Default false.
	Monitor bool
	// CRISocket is the container runtime's CRI socket, used to attribute violations to
	// pods. Default "/run/containerd/containerd.sock".
	CRISocket string
	// StateDir holds the agent's state file of syscalls logged under each profile
	// (LoggedFile), kept across restarts. Default: <KubeletRoot>/seccomp, the host
	// directory the agent already mounts.
	StateDir string
	// MaxLogged caps the entries of that file. Default DefaultMaxLogged.
	MaxLogged int
	// Record acts on recording requests ('k8s record'): the node's pods they match are
	// recorded with the eBPF recorder, per container, into a snapshot Lease per request.
	// Needs root (CAP_BPF, CAP_PERFMON or CAP_SYS_ADMIN) and the host's cgroup v2
	// hierarchy (CgroupRoot). Default false.
	Record bool
	// CgroupRoot is where the host's cgroup v2 hierarchy is mounted in the agent's view
	// (the DaemonSet mounts it from the host, as /host/sys/fs/cgroup/unified on a hybrid
	// host). Default: the cgroup2 mount in /proc/self/mountinfo.
	CgroupRoot string
	// KubeletCgroupRoot is the kubelet's --cgroup-root, relative to CgroupRoot: the
	// directory holding its kubepods (or kubepods.slice) tree. Default "" (the top).
	KubeletCgroupRoot string
	// RecordMaxCgroups is how many cgroups (containers and pod sandboxes) the eBPF
	// recorder counts at once; its kernel memory is fixed by it. Default 0: the
	// recorder's default (record.DefaultMaxCgroups).
	RecordMaxCgroups int
	// SnapshotInterval is how often each recording request's snapshot Lease is written
	// (and when a request ends or the agent stops). Default 30s.
	SnapshotInterval time.Duration
	// RecordStatic also analyzes, by static analysis, the executables every recorded
	// container runs (found from its cgroup's processes, looked at again every
	// SnapshotInterval), one at a time, and puts what they can reach in the snapshot
	// for 'k8s record collect --complete static'. Needs Record, the host's PID
	// namespace and CAP_SYS_PTRACE. Default false.
	RecordStatic bool
	// AnalysisCacheDir caches per-object analysis results by build-id, so replicas
	// running the same binary cost one analysis; "-" caches nothing. Default
	// DefaultAnalysisCacheDir.
	AnalysisCacheDir string
}

// DefaultAnalysisCacheDir is where the agent caches static analysis results (an
// emptyDir in the DaemonSet).
const DefaultAnalysisCacheDir = "/var/cache/seccompctl/analyze"

// SetDefaults fills in unset fields and checks the result.
func (c *Config) SetDefaults() error {
	if c.NodeName == "" {
		c.NodeName = os.Getenv("NODE_NAME")
	}
	if c.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("no node name: set --node-name or $NODE_NAME: %w", err)
		}
		c.NodeName = h
	}
	if c.KubeletRoot == "" {
		c.KubeletRoot = kube.DefaultKubeletRoot
	}
	if !filepath.IsAbs(c.KubeletRoot) {
		return fmt.Errorf("kubelet root %q must be an absolute path", c.KubeletRoot)
	}
	if c.StateDir == "" {
		c.StateDir = c.SeccompDir()
	}
	if c.MaxLogged <= 0 {
		c.MaxLogged = DefaultMaxLogged
	}
	if c.Dir == "" {
		c.Dir = kube.DefaultDir
	}
	if err := kube.ValidDir(c.Dir); err != nil {
		return err
	}
	if c.Namespace == "" {
		c.Namespace = os.Getenv("POD_NAMESPACE")
	}
	if c.Namespace == "" {
		c.Namespace = kube.DefaultNamespace
	}
	if c.LabelSelector == "" {
		c.LabelSelector = kube.LabelProfiles + "=true"
	}
	if _, err := labels.Parse(c.LabelSelector); err != nil {
		return fmt.Errorf("label selector %q: %w", c.LabelSelector, err)
	}
	if c.ListenAddress == "" {
		c.ListenAddress = fmt.Sprintf(":%d", kube.DefaultPort)
	}
	if c.ResyncPeriod == 0 {
		c.ResyncPeriod = time.Minute
	}
	if c.ResyncPeriod < time.Second {
		return errors.New("resync period must be at least 1s")
	}
	for _, r := range c.Runtimes {
		if !contains(lint.Runtimes(), r) {
			return fmt.Errorf("unknown runtime %q (want one of %v)", r, lint.Runtimes())
		}
	}
	if c.RecordMaxCgroups < 0 {
		return fmt.Errorf("record max cgroups %d: want a positive number, or 0 for the default", c.RecordMaxCgroups)
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = 30 * time.Second
	}
	if c.SnapshotInterval < 100*time.Millisecond {
		return errors.New("snapshot interval must be at least 100ms")
	}
	// The kubelet writes its --cgroup-root as an absolute cgroup path; below CgroupRoot
	// it is relative, and cleaning it as a rooted path keeps it from climbing out.
	c.KubeletCgroupRoot = strings.TrimPrefix(filepath.Clean("/"+c.KubeletCgroupRoot), "/")
	if c.CgroupRoot != "" && !filepath.IsAbs(c.CgroupRoot) {
		return fmt.Errorf("cgroup root %q must be an absolute path", c.CgroupRoot)
	}
	if c.CRISocket == "" {
		c.CRISocket = kube.DefaultCRISocket
	}
	if c.RecordStatic && !c.Record {
		return errors.New("--record-static analyzes what --record records: add --record")
	}
	if c.AnalysisCacheDir == "" {
		c.AnalysisCacheDir = DefaultAnalysisCacheDir
	}
	if c.AnalysisCacheDir != "-" && !filepath.IsAbs(c.AnalysisCacheDir) {
		return fmt.Errorf("analysis cache %q must be an absolute path (or - for none)", c.AnalysisCacheDir)
	}
	return nil
}

// analysisCache is the analysis cache directory, "" for none.
func (c *Config) analysisCache() string {
	if c.AnalysisCacheDir == "-" {
		return ""
	}
	return c.AnalysisCacheDir
}

// SeccompDir is <KubeletRoot>/seccomp.
func (c *Config) SeccompDir() string { return filepath.Join(c.KubeletRoot, "seccomp") }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
