package kube

import (
	"fmt"
	"path"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Defaults of the install manifests.
const (
	DefaultImage     = "ghcr.io/seccompctl/seccompctl:latest"
	DefaultPort      = 9842
	DefaultCRISocket = "/run/containerd/containerd.sock"
	AgentName        = "seccompctl-agent"
	// DefaultCgroupRoot is where the nodes mount the cgroup v2 hierarchy (a pure
	// cgroup v2 host); hybrid hosts mount it at /sys/fs/cgroup/unified.
	DefaultCgroupRoot = "/sys/fs/cgroup"
	// CgroupMount is where the recording agent sees the host's cgroup v2 hierarchy.
	CgroupMount = "/host/cgroup"
	// RecordRoleName names the ClusterRole and ClusterRoleBinding that let the
	// recording agent read pods.
	RecordRoleName = AgentName + "-record"
)

// InstallOptions shape the agent's install manifests. The zero value gives the
// defaults, which are also what deploy/base holds.
type InstallOptions struct {
	Image           string // default DefaultImage
	ImagePullPolicy string // default IfNotPresent
	Namespace       string // default DefaultNamespace
	KubeletRoot     string // default DefaultKubeletRoot
	Dir             string // default DefaultDir
	Port            int    // default DefaultPort
	// Monitor also runs violation monitoring in the agent. It needs the host's PID and
	// network namespaces (audit records are multicast only in the initial network
	// namespace), CAP_AUDIT_READ and the CRI socket, so it is off unless asked for.
	Monitor   bool
	CRISocket string // default DefaultCRISocket; only with Monitor
	// Runtimes the agent lints profiles for (runc, crun, containerd, cri-o); default
	// none given, which makes the agent check every runtime it knows.
	Runtimes []string
	// Record also records the containers of the pods that `k8s record` requests
	// select on each node, with an eBPF program counting syscalls by cgroup. It
	// needs CAP_BPF and CAP_PERFMON, the host's cgroup v2 hierarchy (read-only) and
	// reading pods cluster-wide, so it is off unless asked for.
	Record bool
	// CgroupRoot is the host's cgroup v2 mount; default DefaultCgroupRoot; only with Record.
	CgroupRoot string
	// SnapshotInterval is how often the agent writes its recording snapshot; zero
	// leaves the agent's default. Only with Record.
	SnapshotInterval time.Duration
	// RecordStatic also analyzes the executables every recorded container runs, by
	// static analysis, for 'k8s record collect --complete static'. It needs the host's
	// PID namespace (the PIDs of a container's cgroup.procs are the host's) and
	// CAP_SYS_PTRACE (to read another container's /proc/PID/exe and /proc/PID/root),
	// and gets an emptyDir for the analysis cache and a higher memory limit (an
	// analysis takes about 120 MiB at its peak). Only with Record.
	RecordStatic bool
}

// AnalysisCacheMount is where the agent's DaemonSet mounts the emptyDir of its
// analysis cache (RecordStatic).
const AnalysisCacheMount = "/var/cache/seccompctl"

func (o *InstallOptions) setDefaults() error {
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.ImagePullPolicy == "" {
		o.ImagePullPolicy = string(corev1.PullIfNotPresent)
	}
	switch corev1.PullPolicy(o.ImagePullPolicy) {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return fmt.Errorf("image pull policy %q: want Always, IfNotPresent or Never", o.ImagePullPolicy)
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
		return fmt.Errorf("namespace %q: %v", o.Namespace, errs)
	}
	if o.KubeletRoot == "" {
		o.KubeletRoot = DefaultKubeletRoot
	}
	if !path.IsAbs(o.KubeletRoot) {
		return fmt.Errorf("kubelet root %q must be an absolute path", o.KubeletRoot)
	}
	if o.Dir == "" {
		o.Dir = DefaultDir
	}
	if err := ValidDir(o.Dir); err != nil {
		return err
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Port < 1 || o.Port > 65535 {
		return fmt.Errorf("port %d out of range", o.Port)
	}
	if o.CRISocket == "" {
		o.CRISocket = DefaultCRISocket
	}
	if o.CgroupRoot == "" {
		o.CgroupRoot = DefaultCgroupRoot
	}
	if !path.IsAbs(o.CgroupRoot) {
		return fmt.Errorf("cgroup root %q must be an absolute path", o.CgroupRoot)
	}
	if o.SnapshotInterval < 0 {
		return fmt.Errorf("snapshot interval %s must not be negative", o.SnapshotInterval)
	}
	if o.RecordStatic && !o.Record {
		return fmt.Errorf("record-static analyzes what record records: set Record too")
	}
	return nil
}

// Install returns the agent's Namespace, ServiceAccount, Role, RoleBinding, with
// Record a ClusterRole and ClusterRoleBinding, and its DaemonSet, in the order they
// must be applied.
//
// The agent reads ConfigMaps, writes Events and its per-node status and snapshot
// Leases, all in its own namespace, and nothing else: it holds no write access to
// ConfigMaps, so a compromised agent cannot change the profiles other nodes install.
// Recording adds one read: pods, to find the selected pods on its node. (Nodes are
// read by `k8s record collect`, with its user's credentials, not by the agent.)
func Install(o InstallOptions) ([]runtime.Object, error) {
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	labels := map[string]string{"app.kubernetes.io/name": AgentName, "app.kubernetes.io/part-of": "seccompctl"}
	meta := func(name string, namespaced bool) metav1.ObjectMeta {
		m := metav1.ObjectMeta{Name: name, Labels: labels}
		if namespaced {
			m.Namespace = o.Namespace
		}
		return m
	}
	ns := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: meta(o.Namespace, false),
	}
	// The agent needs a hostPath, which only the privileged Pod Security level allows.
	ns.Labels = map[string]string{
		"app.kubernetes.io/part-of":          "seccompctl",
		"pod-security.kubernetes.io/enforce": "privileged",
	}
	sa := &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: meta(AgentName, true),
	}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: meta(AgentName, true),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
			{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
			{APIGroups: []string{coordinationv1.GroupName}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update", "delete"}},
		},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: meta(AgentName, true),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: AgentName},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: AgentName, Namespace: o.Namespace}},
	}
	objs := []runtime.Object{ns, sa, role, binding}
	if o.Record {
		objs = append(objs, recordRBAC(o, labels)...)
	}
	return append(objs, daemonSet(o, labels)), nil
}

// recordRBAC lets the recording agent read pods in every namespace. An operator who
// wants recording in chosen namespaces only can bind a namespaced Role with the same
// rule in each of them instead of this ClusterRoleBinding; a request for a namespace
// the agent may not read then says so in its status.
func recordRBAC(o InstallOptions, labels map[string]string) []runtime.Object {
	role := &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: RecordRoleName, Labels: labels},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	binding := &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: RecordRoleName, Labels: labels},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: RecordRoleName},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: AgentName, Namespace: o.Namespace}},
	}
	return []runtime.Object{role, binding}
}

func daemonSet(o InstallOptions, labels map[string]string) *appsv1.DaemonSet {
	seccompDir := path.Join(o.KubeletRoot, "seccomp")
	args := []string{
		"agent",
		"--node-name=$(NODE_NAME)",
		"--namespace=$(POD_NAMESPACE)",
		"--kubelet-root=" + o.KubeletRoot,
		"--dir=" + o.Dir,
		"--listen=:" + strconv.Itoa(o.Port),
	}
	for _, r := range o.Runtimes {
		args = append(args, "--runtime="+r)
	}
	caps := &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
	hostPathDir := corev1.HostPathDirectoryOrCreate
	volumes := []corev1.Volume{{
		Name:         "seccomp",
		VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: seccompDir, Type: &hostPathDir}},
	}}
	mounts := []corev1.VolumeMount{{Name: "seccomp", MountPath: seccompDir}}
	if o.Monitor {
		args = append(args, "--monitor", "--cri-socket="+o.CRISocket)
		caps.Add = []corev1.Capability{"AUDIT_READ"}
		socket := corev1.HostPathSocket
		volumes = append(volumes, corev1.Volume{
			Name:         "cri-socket",
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: o.CRISocket, Type: &socket}},
		})
		mounts = append(mounts, corev1.VolumeMount{Name: "cri-socket", MountPath: o.CRISocket})
	}
	if o.Record {
		args = append(args, "--record", "--cgroup-root="+CgroupMount)
		if o.SnapshotInterval > 0 {
			args = append(args, "--snapshot-interval="+o.SnapshotInterval.String())
		}
		// Loading and attaching the tracing program that counts syscalls by cgroup.
		caps.Add = append(caps.Add, "BPF", "PERFMON")
		dir := corev1.HostPathDirectory
		volumes = append(volumes, corev1.Volume{
			Name:         "cgroup",
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: o.CgroupRoot, Type: &dir}},
		})
		// Read-only: the agent finds pods' cgroups and their IDs, it never changes them.
		mounts = append(mounts, corev1.VolumeMount{Name: "cgroup", MountPath: CgroupMount, ReadOnly: true})
	}
	memoryLimit := "256Mi"
	if o.RecordStatic {
		args = append(args, "--record-static", "--analysis-cache="+path.Join(AnalysisCacheMount, "analyze"))
		// Reading the executable and root of processes in other containers, which
		// hold capabilities the agent does not (or run as another user).
		caps.Add = append(caps.Add, "SYS_PTRACE")
		volumes = append(volumes, corev1.Volume{Name: "analysis-cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "analysis-cache", MountPath: AnalysisCacheMount})
		memoryLimit = "512Mi"
	}
	probe := func(p string) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: p, Port: intstr.FromString("http")}},
			PeriodSeconds:    10,
			TimeoutSeconds:   3,
			FailureThreshold: 3,
		}
	}
	root := int64(0)
	no, yes := false, true
	grace := int64(10)
	container := corev1.Container{
		Name:            "agent",
		Image:           o.Image,
		ImagePullPolicy: corev1.PullPolicy(o.ImagePullPolicy),
		Args:            args,
		Env: []corev1.EnvVar{
			{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
			{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		},
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: int32(o.Port), Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("10m"),
				corev1.ResourceMemory: resource.MustParse("64Mi"),
			},
			Limits: corev1.ResourceList{
				corev1.ResourceMemory: resource.MustParse(memoryLimit),
			},
		},
		LivenessProbe:  probe("/healthz"),
		ReadinessProbe: probe("/readyz"),
		SecurityContext: &corev1.SecurityContext{
			// Root owns the kubelet's directory; no capability is needed to write it.
			RunAsUser:                &root,
			RunAsNonRoot:             &no,
			ReadOnlyRootFilesystem:   &yes,
			AllowPrivilegeEscalation: &no,
			Capabilities:             caps,
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		VolumeMounts:             mounts,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	podSpec := corev1.PodSpec{
		ServiceAccountName:            AgentName,
		TerminationGracePeriodSeconds: &grace,
		// A node agent must run on every node, tainted or not.
		Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
		Containers:  []corev1.Container{container},
		Volumes:     volumes,
		NodeSelector: map[string]string{
			"kubernetes.io/os": "linux",
		},
	}
	if o.Monitor {
		podSpec.HostPID = true
		podSpec.HostNetwork = true
		podSpec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	}
	if o.RecordStatic {
		// A container's cgroup.procs lists host PIDs: 0 for each in another namespace.
		podSpec.HostPID = true
	}
	selector := map[string]string{"app.kubernetes.io/name": AgentName}
	maxUnavailable := intstr.FromString("10%")
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: AgentName, Namespace: o.Namespace, Labels: labels},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &maxUnavailable},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       podSpec,
			},
		},
	}
}
