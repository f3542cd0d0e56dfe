package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/snapshot"
)

type k8sRecordReadOptions struct {
	app            *App
	kubeconfig     string
	agentNamespace string
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
	// A node's snapshot too large for one Lease is in several: one snapshot per node.
	return req, snapshot.Join(snaps), nil
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
	if len(req.Containers) > 0 {
		fmt.Fprintf(out, "containers: %s\n", strings.Join(req.Containers, ", "))
	}
	if len(snaps) == 0 {
		fmt.Fprintln(out, "no node has written a snapshot yet (are the agents running with --record?)")
		return nil
	}
	matched, recording := 0, 0
	for _, s := range snaps {
		matched += len(s.Pods)
		if s.Error == "" {
			recording++
		}
	}
	if matched == 0 {
		fmt.Fprintf(out, "the selector matches no pod on any of the %d node(s) that wrote a snapshot: check -n and the selector (kubectl get pods -n %s -l '%s')\n", len(snaps), req.Namespace, req.Selector)
	}
	if recording == 0 {
		fmt.Fprintln(out, "no node records this request: see each node's reason below")
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tPOD\tCONTAINER\tSYSCALLS\tCALLS\tWRITTEN\t")
	for _, s := range snaps {
		written := s.Written.UTC().Format(time.RFC3339)
		if s.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\tnot recording: %s\n", s.Node, written, s.Error)
			continue
		}
		if len(s.Pods) == 0 && len(s.Containers) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t0\t0\t%s\tno matching pod on this node\n", s.Node, written)
		}
		recorded := map[string]bool{}
		for _, c := range s.Containers {
			recorded[c.Namespace+"/"+c.Pod] = true
			var calls uint64
			for _, sc := range c.Syscalls {
				calls += sc.Count
			}
			note := ""
			if !c.Since.IsZero() {
				note = "running before the recording: counted from " + c.Since.UTC().Format(time.RFC3339)
			} else if c.AllTasks {
				note = "every task of the cgroup counted: the runtime's set-up may be included"
			}
			if st := staticNote(c.Static); st != "" {
				note = strings.TrimPrefix(note+"; "+st, "; ")
			}
			fmt.Fprintf(tw, "%s\t%s/%s\t%s\t%d\t%d\t%s\t%s\n", s.Node, c.Namespace, c.Pod, c.Container, len(c.Syscalls), calls, written, note)
		}
		for _, p := range s.Pods {
			if recorded[p.Namespace+"/"+p.Name] {
				continue
			}
			why := "matched, nothing recorded yet"
			switch {
			case p.Deleted:
				why = "deleted before anything was recorded"
			case p.Cgroup == "":
				why = "matched, not running yet (no cgroup)"
			}
			fmt.Fprintf(tw, "%s\t%s/%s\t-\t0\t0\t%s\t%s\n", s.Node, p.Namespace, p.Name, written, why)
		}
		for _, u := range s.Unresolved {
			why := "unresolved cgroup " + u.Cgroup + ": no container of the pod's status; not in any profile"
			switch {
			case u.Unnamed:
				why = "unresolved: cgroup(s) removed before they could be named (a container that ran for a moment, such as an init container?); not in any profile"
			case u.Cgroup == "":
				why = "unresolved: the pod's own cgroup; not in any profile"
			}
			fmt.Fprintf(tw, "%s\t%s/%s\t?\t%d\t%d\t%s\t%s\n", s.Node, u.Namespace, u.Pod, u.Syscalls, u.Calls, written, why)
		}
		if s.UnresolvedDropped > 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\t%d unresolved cgroup(s) left out of the snapshot by its size bound\n", s.Node, written, s.UnresolvedDropped)
		}
		if s.Dropped > 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\t%d container(s) left out of the snapshot by its size bound\n", s.Node, written, s.Dropped)
		}
		if s.NotCounted > 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\t%d cgroup(s) not counted: the recorder had no free slot; what ran in them is missing\n", s.Node, written, s.NotCounted)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range snaps {
		for _, n := range s.Notes {
			fmt.Fprintf(out, "%s: %s\n", s.Node, n)
		}
	}
	return nil
}

// staticNote says what the agent's static analysis found of a container so far.
func staticNote(s *snapshot.Static) string {
	if s == nil {
		return ""
	}
	note := fmt.Sprintf("static: %d executable(s) analyzed in %d look(s)", len(s.Executables), s.Looks)
	if n := len(s.Errors) + s.ErrorsDropped; n > 0 {
		note += fmt.Sprintf(", %d error(s): %s", n, s.Errors[0])
	}
	return note
}
