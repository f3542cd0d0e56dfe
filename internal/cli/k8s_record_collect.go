package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/snapshot"
)

type k8sRecordReadOptions struct {
	app            *App
	kubeconfig     string
	agentNamespace string
	dir            string
	runtime        string
}

func (o *k8sRecordReadOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&o.agentNamespace, "agent-namespace", kube.DefaultNamespace, "the agent's namespace, where the request and the snapshots are")
}

func newCmdK8sRecordStatus(app *App) *cobra.Command {
	opts := &k8sRecordReadOptions{app: app}
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Show per node and container what a recording request has recorded so far",
		Long: `Read the request NAME and the snapshot Leases the agents write for it (one per node,
labelled ` + kube.LabelSnapshotOf + `=NAME) and print, per node, when it last wrote and
why it records nothing if so, and per pod and container how many distinct syscalls and
calls were seen.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, _, err := kubeClient(opts.kubeconfig, "seccompctl-record")
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(contextOf(cmd), 30*time.Second)
			defer cancel()
			req, snaps, err := readRecording(ctx, client, opts.agentNamespace, args[0])
			if err != nil {
				return err
			}
			return writeRecordStatus(app.Out, req, snaps, time.Now())
		},
	}
	opts.flags(cmd)
	return cmd
}

func newCmdK8sRecordCollect(app *App) *cobra.Command {
	opts := &k8sRecordReadOptions{app: app}
	cmd := &cobra.Command{
		Use:   "collect NAME -o DIR [--runtime runc|crun|none]",
		Short: "Write one profile per container name from what the agents recorded",
		Long: `Read the snapshots the agents wrote for the recording request NAME and write, per
container name, DIR/<container>.json: the union of what every replica on every node made,
each rule commented with how many replicas made it and when it was first and last seen,
plus what the OCI runtime (--runtime, default runc) calls after installing the filter.
Works while the recording goes on: it reads the latest snapshots.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.dir == "" {
				return UsageError(fmt.Errorf("k8s record collect: -o DIR is required"))
			}
			switch opts.runtime {
			case "runc", "crun", "none":
			default:
				return UsageError(fmt.Errorf("k8s record collect: --runtime %q: want runc, crun or none", opts.runtime))
			}
			client, _, err := kubeClient(opts.kubeconfig, "seccompctl-record")
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(contextOf(cmd), 30*time.Second)
			defer cancel()
			_, snaps, err := readRecording(ctx, client, opts.agentNamespace, args[0])
			if err != nil {
				return err
			}
			return collectProfiles(app, snaps, opts.dir, opts.runtime)
		},
	}
	opts.flags(cmd)
	cmd.Flags().StringVarP(&opts.dir, "output", "o", "", "directory to write the profiles into")
	cmd.Flags().StringVar(&opts.runtime, "runtime", "runc", "also allow what this OCI runtime calls after installing the filter: runc, crun or none")
	return cmd
}

func contextOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// readRecording reads the request and every node's snapshot of it, by node name.
func readRecording(ctx context.Context, client kubernetes.Interface, agentNS, name string) (kube.RecordingRequest, []snapshot.Snapshot, error) {
	cm, err := client.CoreV1().ConfigMaps(agentNS).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return kube.RecordingRequest{}, nil, UsageError(fmt.Errorf("recording request %s not found in namespace %s (check --agent-namespace)", name, agentNS))
	}
	if err != nil {
		return kube.RecordingRequest{}, nil, fmt.Errorf("reading recording request %s/%s: %w", agentNS, name, err)
	}
	req, err := kube.RecordingFromConfigMap(cm)
	if err != nil {
		return kube.RecordingRequest{}, nil, UsageError(err)
	}
	leases, err := client.CoordinationV1().Leases(agentNS).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelSnapshotOf + "=" + name})
	if err != nil {
		return req, nil, fmt.Errorf("listing the snapshots of %s in namespace %s: %w", name, agentNS, err)
	}
	var snaps []snapshot.Snapshot
	for _, l := range leases.Items {
		s, err := snapshot.Decode("lease "+agentNS+"/"+l.Name, []byte(l.Annotations[kube.AnnotationSnapshot]))
		if err != nil {
			return req, nil, err
		}
		snaps = append(snaps, s)
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Node < snaps[j].Node })
	return req, snaps, nil
}

func writeRecordStatus(out io.Writer, req kube.RecordingRequest, snaps []snapshot.Snapshot, now time.Time) error {
	state := "recording"
	switch {
	case !req.Stopped.IsZero():
		state = "stopped " + req.Stopped.UTC().Format(time.RFC3339)
	case !req.Active(now):
		state = "ended " + req.Deadline.UTC().Format(time.RFC3339)
	case !req.Deadline.IsZero():
		state = "recording until " + req.Deadline.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(out, "%s: %s in namespace %s, selector %s: %s\n", req.Name, req.Target, req.Namespace, req.Selector, state)
	if len(snaps) == 0 {
		fmt.Fprintln(out, "no node has written a snapshot yet (are the agents running, and does the selector match a pod?)")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tPOD\tCONTAINER\tSYSCALLS\tCALLS\tWRITTEN")
	for _, s := range snaps {
		written := s.Written.UTC().Format(time.RFC3339)
		if s.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\tnot recording: %s\n", s.Node, written, s.Error)
			continue
		}
		if len(s.Containers) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t0\t0\t%s\tno matching pod on this node\n", s.Node, written)
		}
		for _, c := range s.Containers {
			var calls uint64
			for _, sc := range c.Syscalls {
				calls += sc.Count
			}
			fmt.Fprintf(tw, "%s\t%s/%s\t%s\t%d\t%d\t%s\n", s.Node, c.Namespace, c.Pod, c.Container, len(c.Syscalls), calls, written)
		}
		if s.Dropped > 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\t%d container(s) left out of the snapshot by its size bound\n", s.Node, written, s.Dropped)
		}
	}
	return tw.Flush()
}

// collectProfiles writes DIR/<container>.json for every container name recorded.
func collectProfiles(app *App, snaps []snapshot.Snapshot, dir, runtime string) error {
	for _, s := range snaps {
		if s.Error != "" {
			fmt.Fprintf(app.ErrOut, "node %s records nothing: %s; its replicas are missing from the profiles\n", s.Node, s.Error)
		}
		if s.Dropped > 0 {
			fmt.Fprintf(app.ErrOut, "node %s: %d container(s) were left out of its snapshot by the size bound; the profiles lack them\n", s.Node, s.Dropped)
		}
	}
	collected, err := snapshot.Collect(snaps, generate.Options{Runtime: runtime})
	if err != nil {
		return FailError(fmt.Errorf("k8s record collect: %w", err))
	}
	if len(collected) == 0 {
		return FailError(fmt.Errorf("k8s record collect: no container recorded yet"))
	}
	for _, c := range collected {
		if err := kube.ValidProfileName(c.Container + ".json"); err != nil {
			return FailError(fmt.Errorf("k8s record collect: container name from a snapshot: %w", err))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return UsageError(fmt.Errorf("output directory %s: %w", dir, err))
	}
	for _, c := range collected {
		path := filepath.Join(dir, c.Container+".json")
		if err := profile.WriteFile(path, c.Profile); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		fmt.Fprintf(app.ErrOut, "wrote %s: %d syscalls allowed\n", path, c.Report.Allowed)
	}
	return nil
}
