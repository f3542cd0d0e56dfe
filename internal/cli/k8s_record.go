package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seccompctl/seccompctl/kube"
)

type k8sRecordOptions struct {
	app            *App
	kubeconfig     string
	namespace      string
	agentNamespace string
	selector       string
	containers     []string
	duration       time.Duration
}

func newCmdK8sRecord(app *App) *cobra.Command {
	opts := &k8sRecordOptions{app: app}
	cmd := &cobra.Command{
		Use:   "record (deploy/NAME | sts/NAME | ds/NAME | -l SELECTOR) -n NAMESPACE [--container C]... [--duration D]",
		Short: "Ask the node agents to record the syscalls of a workload's running pods",
		Long: `Create a recording request: a ConfigMap labelled ` + kube.LabelRecording + `=true in the agent's
namespace (--agent-namespace) holding the pods' namespace, their label selector (read from
the workload's spec.selector, or -l), the containers to record (default: all) and the
deadline (--duration; default: until 'k8s record stop'). The request's generated name is
printed on stdout.

The agents started with --record record the matching pods of their node: pods created after
the request from their containers' first exec, pods already running from the request on
(status says so per container), init containers and restarted containers included. Each
writes a snapshot per request that 'k8s record status' and 'k8s record collect' read while
the recording goes on.

No pod is deleted or restarted. Needs get on the workload and create on ConfigMaps in the
agent's namespace.`,
		Example: `  ` + app.Name + ` k8s record deploy/web -n shop --duration 1h
  ` + app.Name + ` k8s record -l app=web,tier=front -n shop --container nginx
  ` + app.Name + ` k8s record stop recording-x7k2p`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := ""
			if len(args) == 1 {
				target = args[0]
			}
			return opts.run(cmd.Context(), target)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVarP(&opts.namespace, "namespace", "n", "", "namespace of the pods to record (default: the kubeconfig context's)")
	f.StringVar(&opts.agentNamespace, "agent-namespace", kube.DefaultNamespace, "the agent's namespace, where the request is created")
	f.StringVarP(&opts.selector, "selector", "l", "", "label selector of the pods to record, instead of a workload")
	f.StringArrayVarP(&opts.containers, "container", "c", nil, "record only this container (repeatable; default: every container)")
	f.DurationVar(&opts.duration, "duration", 0, "stop recording after this long (default: until 'k8s record stop')")
	cmd.AddCommand(newCmdK8sRecordStop(app), newCmdK8sRecordStatus(app), newCmdK8sRecordCollect(app))
	return cmd
}

// kubeClient loads the kubeconfig as kubectl does and returns a client and the
// context's namespace.
func kubeClient(kubeconfig, userAgent string) (kubernetes.Interface, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	rc, err := cc.ClientConfig()
	if err != nil {
		return nil, "", UsageError(fmt.Errorf("kubeconfig: %w (pass --kubeconfig)", err))
	}
	rc.UserAgent = userAgent
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, "", UsageError(fmt.Errorf("kubeconfig: %w", err))
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	return client, ns, nil
}

func (o *k8sRecordOptions) run(ctx context.Context, target string) error {
	switch {
	case target == "" && o.selector == "":
		return UsageError(fmt.Errorf("k8s record: name a workload (deploy/NAME, sts/NAME, ds/NAME) or give -l SELECTOR"))
	case target != "" && o.selector != "":
		return UsageError(fmt.Errorf("k8s record: give a workload or -l SELECTOR, not both"))
	case o.duration < 0:
		return UsageError(fmt.Errorf("k8s record: --duration %s is negative", o.duration))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	client, ctxNS, err := kubeClient(o.kubeconfig, "seccompctl-record")
	if err != nil {
		return err
	}
	if o.namespace == "" {
		o.namespace = ctxNS
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	name, err := createRecording(ctx, client, o.agentNamespace, o.namespace, target, o.selector, o.containers, o.duration, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(o.app.Out, name)
	return nil
}

// createRecording resolves target's selector (or takes selector), creates the request
// in agentNS and returns its generated name.
func createRecording(ctx context.Context, client kubernetes.Interface, agentNS, ns, target, selector string, containers []string, d time.Duration, now time.Time) (string, error) {
	r := kube.RecordingRequest{Namespace: ns, Selector: selector, Containers: containers, Target: "-l " + selector}
	if target != "" {
		kind, name, err := kube.ParseWorkload(target)
		if err != nil {
			return "", UsageError(err)
		}
		var sel *metav1.LabelSelector
		switch kind {
		case "Deployment":
			w, err := client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return "", workloadError(target, ns, err)
			}
			sel = w.Spec.Selector
		case "StatefulSet":
			w, err := client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return "", workloadError(target, ns, err)
			}
			sel = w.Spec.Selector
		case "DaemonSet":
			w, err := client.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return "", workloadError(target, ns, err)
			}
			sel = w.Spec.Selector
		}
		s, err := kube.SelectorString(sel)
		if err != nil {
			return "", UsageError(fmt.Errorf("%s in namespace %s: %w", target, ns, err))
		}
		r.Selector, r.Target = s, target
	}
	if d > 0 {
		r.Deadline = now.Add(d).Truncate(time.Second)
	}
	cm, err := kube.RecordingConfigMap(agentNS, r)
	if err != nil {
		return "", UsageError(fmt.Errorf("k8s record: %w", err))
	}
	created, err := client.CoreV1().ConfigMaps(cm.Namespace).Create(ctx, cm, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("creating the recording request in namespace %s: %w", cm.Namespace, err)
	}
	return created.Name, nil
}

func workloadError(target, ns string, err error) error {
	if apierrors.IsNotFound(err) {
		return UsageError(fmt.Errorf("%s: not found in namespace %s (check -n)", target, ns))
	}
	return fmt.Errorf("reading %s in namespace %s: %w", target, ns, err)
}

type k8sRecordStopOptions struct {
	app            *App
	kubeconfig     string
	agentNamespace string
}

func newCmdK8sRecordStop(app *App) *cobra.Command {
	opts := &k8sRecordStopOptions{app: app}
	cmd := &cobra.Command{
		Use:   "stop NAME [--agent-namespace NS]",
		Short: "End a recording request on every node",
		Long: `Mark the recording request NAME stopped (its ` + kube.RecordingKeyStopped + ` key gets the time). The agents
stop recording; what they recorded stays in their snapshots for 'k8s record collect'.
Stopping a stopped request changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			client, _, err := kubeClient(opts.kubeconfig, "seccompctl-record")
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			stopped, err := stopRecording(ctx, client, opts.agentNamespace, args[0], time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(app.Out, "%s stopped at %s\n", args[0], stopped.UTC().Format(time.RFC3339))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&opts.agentNamespace, "agent-namespace", kube.DefaultNamespace, "the agent's namespace, where the request is")
	return cmd
}

// stopRecording sets the request's stopped time (keeping an earlier one) and returns
// it. The update carries the read resourceVersion, so a concurrent change is retried
// rather than overwritten.
func stopRecording(ctx context.Context, client kubernetes.Interface, agentNS, name string, now time.Time) (time.Time, error) {
	for {
		cm, err := client.CoreV1().ConfigMaps(agentNS).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return time.Time{}, UsageError(fmt.Errorf("recording request %s not found in namespace %s (check --agent-namespace)", name, agentNS))
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("reading recording request %s/%s: %w", agentNS, name, err)
		}
		r, err := kube.RecordingFromConfigMap(cm)
		if err != nil {
			return time.Time{}, UsageError(err)
		}
		if !r.Stopped.IsZero() {
			return r.Stopped, nil
		}
		r.Stopped = now.UTC().Truncate(time.Second)
		want, err := kube.RecordingConfigMap(agentNS, r)
		if err != nil {
			return time.Time{}, UsageError(err)
		}
		cm.Data = want.Data
		if _, err := client.CoreV1().ConfigMaps(agentNS).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsConflict(err) {
				continue
			}
			return time.Time{}, fmt.Errorf("stopping recording request %s/%s: %w", agentNS, name, err)
		}
		return r.Stopped, nil
	}
}
