package cli

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/lint"
)

type k8sInstallOptions struct {
	app    *App
	cmd    *cobra.Command
	o      kube.InstallOptions
	outDir string
}

func newCmdK8sInstall(app *App) *cobra.Command {
	opts := &k8sInstallOptions{app: app}
	cmd := &cobra.Command{
		Use:   "install [--image IMAGE] [--kubelet-root DIR] [--monitor] [--record [--record-static]] [-o DIR]",
		Short: "Print the node agent's manifests: Namespace, ServiceAccount, RBAC, DaemonSet",
		Long: `Print the manifests that run the node agent on every node: its Namespace, ServiceAccount,
a Role that only reads ConfigMaps and writes Events and per-node status Leases in that
namespace, and a DaemonSet with the kubelet's seccomp directory as its only hostPath, no
capabilities, a read-only root filesystem, the runtime's default seccomp profile, resource
requests and health probes. The same manifests, with the defaults, are the kustomize base in
deploy/base.

--monitor also counts seccomp violations by pod: it adds the host's PID and network
namespaces (audit records reach only the initial network namespace), CAP_AUDIT_READ and the
CRI socket, so it is off unless asked for.

--record also records the pods that 'k8s record' requests select on each node: it adds
CAP_BPF and CAP_PERFMON (loading the eBPF program that counts syscalls by cgroup; neither
alone is enough, CAP_SYS_ADMIN is not needed, and the runtime's default seccomp profile
allows it), the host's cgroup v2 hierarchy read-only (--cgroup-root; /sys/fs/cgroup/unified
on hybrid hosts), and a ClusterRole reading pods. To record only in some namespaces,
bind a Role with its rule there instead of the ClusterRoleBinding.

--record-static (with --record) also has the agent analyze the executables each recorded
container runs, by static analysis, so that 'k8s record collect' allows what they can
reach on paths the recording did not exercise: it adds the host's PID namespace (a
container's cgroup.procs lists host PIDs), CAP_SYS_PTRACE (reading /proc/PID/exe and
/proc/PID/root of processes holding capabilities the agent lacks, or of another user), an
emptyDir for the analysis cache, and a 512Mi memory limit. The same as
deploy/overlays/record-static.`,
		Example: `  ` + app.Name + ` k8s install | kubectl apply -f -
  ` + app.Name + ` k8s install --image registry.example/seccompctl:v1.0.0 --monitor -o deploy/
  ` + app.Name + ` k8s install --runtime runc   # nodes run containerd with runc
  ` + app.Name + ` k8s install --record --cgroup-root /sys/fs/cgroup/unified   # hybrid cgroup hosts
  ` + app.Name + ` k8s install --record --record-static   # collect --complete static
  kubectl apply -k deploy/base`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { opts.cmd = cmd; return runK8sInstall(opts) },
	}
	f := cmd.Flags()
	f.StringVar(&opts.o.Image, "image", kube.DefaultImage, "the agent's image (its entrypoint is seccompctl)")
	f.StringVar(&opts.o.ImagePullPolicy, "image-pull-policy", "IfNotPresent", "Always, IfNotPresent or Never")
	f.StringVarP(&opts.o.Namespace, "namespace", "n", kube.DefaultNamespace, "the agent's namespace, where it reads profile ConfigMaps")
	f.StringVar(&opts.o.KubeletRoot, "kubelet-root", kube.DefaultKubeletRoot, "the kubelet's --root-dir on the nodes")
	f.StringVar(&opts.o.Dir, "dir", kube.DefaultDir, "directory under <kubelet root>/seccomp the agent installs into")
	f.IntVar(&opts.o.Port, "port", kube.DefaultPort, "port of /healthz, /readyz and /metrics")
	f.BoolVar(&opts.o.Monitor, "monitor", false, "also monitor seccomp violations (needs host PID and network namespaces, CAP_AUDIT_READ, the CRI socket)")
	f.StringVar(&opts.o.CRISocket, "cri-socket", kube.DefaultCRISocket, "the node's CRI socket, with --monitor")
	f.BoolVar(&opts.o.Record, "record", false, "also record the pods 'k8s record' selects (needs CAP_BPF, CAP_PERFMON, the host's cgroup v2 hierarchy, reading pods)")
	f.StringVar(&opts.o.CgroupRoot, "cgroup-root", kube.DefaultCgroupRoot, "the nodes' cgroup v2 mount, with --record")
	f.DurationVar(&opts.o.SnapshotInterval, "snapshot-interval", 0, "how often the agent writes its recording snapshot, with --record (default: the agent's)")
	f.BoolVar(&opts.o.RecordStatic, "record-static", false, "with --record: also analyze the recorded containers' executables by static analysis (needs host PID, CAP_SYS_PTRACE)")
	f.StringSliceVar(&opts.o.Runtimes, "runtime", nil, "the nodes' OCI runtimes, for the agent's lint (runc, crun, containerd, cri-o; default all)")
	cmd.RegisterFlagCompletionFunc("runtime", cobra.FixedCompletions(lint.Runtimes(), cobra.ShellCompDirectiveNoFileComp))
	f.StringVarP(&opts.outDir, "output-dir", "o", "", "write DIR/seccompctl-agent.yaml instead of stdout")
	return cmd
}

func runK8sInstall(opts *k8sInstallOptions) error {
	if !opts.o.Record {
		for _, name := range []string{"cgroup-root", "snapshot-interval", "record-static"} {
			if opts.cmd.Flags().Changed(name) {
				return UsageError(fmt.Errorf("--%s is only for --record", name))
			}
		}
	}
	for _, r := range opts.o.Runtimes {
		if !slices.Contains(lint.Runtimes(), r) {
			return UsageError(fmt.Errorf("--runtime %q: want one of %v", r, lint.Runtimes()))
		}
	}
	objs, err := kube.Install(opts.o)
	if err != nil {
		return UsageError(err)
	}
	data, err := kube.Marshal(objs...)
	if err != nil {
		return err
	}
	return writeManifests(opts.app, opts.outDir, kube.AgentName+".yaml", data)
}
