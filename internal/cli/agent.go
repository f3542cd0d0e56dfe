package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/lint"
)

type agentOptions struct {
	app       *App
	cfg       agent.Config
	logFormat string
}

func newCmdAgent(app *App) *cobra.Command {
	opts := &agentOptions{app: app}
	cmd := &cobra.Command{
		Use:   "agent [--kubeconfig FILE] [--node-name NODE] [--kubelet-root DIR] [--dir DIR]",
		Short: "Run the node agent: install profiles from ConfigMaps into the kubelet's seccomp directory",
		Long: `Run the node agent, normally from the DaemonSet of '` + app.Name + ` k8s install'.

It watches the ConfigMaps labelled ` + kube.LabelProfiles + `=true in its namespace and installs
each key as <kubelet root>/seccomp/<dir>/<key>:
  - it lints every profile first; one with errors is not installed (a Warning Event on the
    ConfigMap says why) and an older good version stays in place;
  - writes are atomic (temporary file, fsync, rename, fsync of the directory): a pod never
    reads half a profile;
  - it records the files it owns (.seccompctl-owned.json in the directory) and removes only
    those when a key or ConfigMap goes away; it never touches other files, refuses unsafe
    keys (hidden names, "..", separators) and never follows symlinks in the directory;
  - while the API server is unreachable it keeps the last state and catches up when it
    returns; a restart rewrites nothing that is already right.
Per node it keeps a Lease named seccompctl-agent-<node> in its namespace whose annotations list
what is installed and what was refused, and serves /healthz, /readyz and Prometheus /metrics.
With --monitor it also counts seccomp violations by namespace, pod, container, syscall and
action. With --record it acts on the requests of 'k8s record': it records every container of
the matching pods on its node with the eBPF recorder, from the first exec of pods created
after the request and from the request on for pods already running, and writes what each
container made to a snapshot Lease per request every --snapshot-interval, when the request
ends and when the agent stops (a restarted agent adds to it). With --record-static it also
finds the executables each recorded container runs (its cgroup's processes, looked at again
every --snapshot-interval) and analyzes each once, one at a time, by static analysis
(cached by build-id in --analysis-cache), so that 'k8s record collect' can allow what they
can reach on paths the recording did not exercise; it needs the host's PID namespace and
CAP_SYS_PTRACE. docs/kubernetes.md describes every setting.

Exit codes: 0 stopped by SIGTERM/SIGINT; 2 bad flags or an unusable directory; 1 any other
failure.`,
		Example: `  # In the DaemonSet (see '` + app.Name + ` k8s install')
  seccompctl agent --node-name=$(NODE_NAME) --namespace=$(POD_NAMESPACE)

  # Outside a cluster, against a kubeconfig
  sudo seccompctl agent --kubeconfig ~/.kube/config --node-name node-1 --kubelet-root /var/lib/kubelet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runAgent(opts) },
	}
	f := cmd.Flags()
	c := &opts.cfg
	f.StringVar(&c.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: the in-cluster configuration)")
	f.StringVar(&c.NodeName, "node-name", "", "this node's name (default $NODE_NAME, else the host name)")
	f.StringVar(&c.KubeletRoot, "kubelet-root", kube.DefaultKubeletRoot, "the kubelet's --root-dir")
	f.StringVar(&c.Dir, "dir", kube.DefaultDir, "directory under <kubelet root>/seccomp to install into")
	f.StringVarP(&c.Namespace, "namespace", "n", "", "namespace of the profile ConfigMaps and the status Lease (default $POD_NAMESPACE, else "+kube.DefaultNamespace+")")
	f.BoolVar(&c.AllNamespaces, "all-namespaces", false, "watch ConfigMaps in every namespace (needs a ClusterRole)")
	f.StringVarP(&c.LabelSelector, "selector", "l", kube.LabelProfiles+"=true", "label selector of the profile ConfigMaps")
	f.StringVar(&c.ListenAddress, "listen", ":9842", "address of /healthz, /readyz and /metrics (- for none)")
	f.DurationVar(&c.ResyncPeriod, "resync", 0, "how often to re-check the directory and renew the status Lease (default 1m)")
	f.StringSliceVar(&c.Runtimes, "runtime", nil, "runtimes lint checks profiles for: runc, crun, containerd, cri-o (default all)")
	f.BoolVar(&c.Monitor, "monitor", false, "also count seccomp violations from the audit log (needs CAP_AUDIT_READ, host PID and network)")
	f.StringVar(&c.CRISocket, "cri-socket", kube.DefaultCRISocket, "CRI socket for attributing violations to pods")
	f.StringVar(&c.StateDir, "state-dir", "", "directory of the state file of syscalls logged under each profile (default <kubelet root>/seccomp)")
	f.IntVar(&c.MaxLogged, "max-logged", agent.DefaultMaxLogged, "most entries (profile, syscall, container) the state file keeps; more are counted as dropped")
	f.BoolVar(&c.Record, "record", false, "also record the pods of this node that 'k8s record' requests match, with the eBPF recorder (needs root and the host's cgroup v2 hierarchy)")
	f.StringVar(&c.CgroupRoot, "cgroup-root", "", "where the host's cgroup v2 hierarchy is mounted, for --record (default: the cgroup2 mount of /proc/self/mountinfo)")
	f.StringVar(&c.KubeletCgroupRoot, "kubelet-cgroup-root", "", "the kubelet's --cgroup-root below --cgroup-root, where its kubepods tree is (default: the top)")
	f.IntVar(&c.RecordMaxCgroups, "record-max-cgroups", 0, "most cgroups (containers, pod sandboxes) recorded at once; fixes the recorder's kernel memory (default 256)")
	f.DurationVar(&c.SnapshotInterval, "snapshot-interval", 0, "how often each recording request's snapshot is written (default 30s)")
	f.BoolVar(&c.RecordStatic, "record-static", false, "with --record: also analyze the executables each recorded container runs, by static analysis, for 'k8s record collect --complete static' (needs host PID and CAP_SYS_PTRACE)")
	f.StringVar(&c.AnalysisCacheDir, "analysis-cache", agent.DefaultAnalysisCacheDir, "with --record-static: where analysis results are cached by build-id (- for none)")
	f.StringVar(&opts.logFormat, "log-format", "text", "log format on stderr: text or json")
	cmd.RegisterFlagCompletionFunc("runtime", cobra.FixedCompletions(lint.Runtimes(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runAgent(opts *agentOptions) error {
	if err := checkFormat(opts.logFormat, "text", "json"); err != nil {
		return UsageError(err)
	}
	var h slog.Handler = slog.NewTextHandler(opts.app.ErrOut, nil)
	if opts.logFormat == "json" {
		h = slog.NewJSONHandler(opts.app.ErrOut, nil)
	}
	log := slog.New(h)
	// client-go logs through klog: send it to the same place in the same format.
	klog.SetLogger(logr.FromSlogHandler(h))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := agent.New(opts.cfg, agent.WithLogger(log))
	if err != nil {
		return UsageError(err)
	}
	if err := a.Run(ctx); err != nil {
		return FailError(err)
	}
	log.Info("agent stopped")
	return nil
}
