package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/kube"
)

type k8sStatusOptions struct {
	app        *App
	kubeconfig string
	namespace  string
	format     string
}

func newCmdK8sStatus(app *App) *cobra.Command {
	opts := &k8sStatusOptions{app: app}
	cmd := &cobra.Command{
		Use:   "status PROFILE [-n NAMESPACE] [--kubeconfig FILE] [--format text|json]",
		Short: "Show the syscalls logged under a profile, gathered from every node's agent",
		Long: `Read the status Lease every node's agent keeps (in the agent's namespace) and print the
syscalls logged under PROFILE (its key, e.g. web.json) on each node: pod, container,
arch, action, how many records and when first and last. 'agent --monitor' keeps these
in a state file on the node, so an agent restart loses nothing.

--format json prints one JSON line per node, pod, container and syscall, in the shape of
'seccompctl monitor --format json' plus "count" and "first"; 'k8s promote --from' reads
it, so the output of this command is what promotion needs.

A node whose entries were cut (the state file's entry cap, or the Lease annotation's
size bound) says how many on stderr; promotion then lacks what was cut.`,
		Example: `  ` + app.Name + ` k8s status web.json
  ` + app.Name + ` k8s status web.json --format json > web-logged.jsonl
  ` + app.Name + ` k8s promote manifests/web.yaml --from web-logged.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return opts.run(cmd.Context(), args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVarP(&opts.namespace, "namespace", "n", kube.DefaultNamespace, "the agent's namespace, where its status Leases are")
	formatFlag(cmd, &opts.format, "text", "json")
	return cmd
}

func (o *k8sStatusOptions) run(ctx context.Context, profileKey string) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return UsageError(fmt.Errorf("kubeconfig: %w (pass --kubeconfig)", err))
	}
	rc.UserAgent = "seccompctl-status"
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return UsageError(fmt.Errorf("kubeconfig: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	nodes, err := agent.ReadLogged(ctx, client, o.namespace)
	if err != nil {
		return err
	}
	return writeStatus(o.app.Out, o.app.ErrOut, nodes, path.Base(profileKey), o.format)
}

// writeStatus prints what nodes logged under key, aggregated, as text or JSON lines.
func writeStatus(out, errOut io.Writer, nodes []agent.NodeLogged, key, format string) error {
	states := make([]agent.LoggedState, len(nodes))
	for i, n := range nodes {
		states[i] = n.State
		if n.State.Dropped > 0 {
			fmt.Fprintf(errOut, "node %s: %d logged entries were not kept (entry cap or status size bound); the list below lacks them\n", n.Node, n.State.Dropped)
		}
	}
	logged, _ := agent.AggregateLogged(states, key)
	if format == "json" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		for _, l := range logged {
			if err := enc.Encode(l.Violation()); err != nil {
				return err
			}
		}
		return nil
	}
	if len(nodes) == 0 {
		fmt.Fprintln(out, "no agent status found (is the agent installed, and is -n its namespace?)")
		return nil
	}
	total := 0
	for _, l := range logged {
		total += l.Count
	}
	fmt.Fprintf(out, "profile %s: %d record(s) logged, %d syscall/container entr(ies), from %d node(s) reporting\n", key, total, len(logged), len(nodes))
	for _, n := range nodes {
		mode := ""
		if slices.Contains(n.State.Complain, key) {
			mode = ", " + key + " installed in complain mode"
		}
		fmt.Fprintf(out, "  node %s: status written %s%s\n", n.Node, n.Renewed.UTC().Format(time.RFC3339), mode)
	}
	if len(logged) == 0 {
		return nil
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SYSCALL\tARCH\tACTION\tCOUNT\tNODE\tPOD\tCONTAINER\tFIRST\tLAST")
	for _, l := range logged {
		pod := l.Namespace + "/" + l.Pod
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", l.Syscall, l.Arch, l.Action, l.Count, l.Node, pod, l.Container,
			l.First.UTC().Format(time.RFC3339), l.Last.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}
