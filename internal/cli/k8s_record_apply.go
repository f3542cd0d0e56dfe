package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/snapshot"
	"github.com/seccompctl/seccompctl/syscalls"
)

type k8sRecordCollectOptions struct {
	k8sRecordReadOptions
	dir      string
	prefix   string
	runtime  string
	apply    bool
	complain bool
	force    bool
	format   string
	// complete is static, none, or "" for static when any snapshot carries static
	// analysis results.
	complete string
	now      func() time.Time
	// recordedFrom names the recorded workload (AnnotationRecordedFrom).
	recordedFrom string
}

func newCmdK8sRecordCollect(app *App) *cobra.Command {
	opts := &k8sRecordCollectOptions{k8sRecordReadOptions: k8sRecordReadOptions{app: app}, now: time.Now}
	cmd := &cobra.Command{
		Use:   "collect NAME -o DIR [--prefix P] [--apply [--complain] [--force]] [--runtime runc|crun|none] [--complete static|none] [--format text|json]",
		Short: "Write one profile per container name from what the agents recorded, and apply them",
		Long: `Read the snapshots the agents wrote for the recording request NAME and write, per
container name, DIR/<container>.json: the union of what every replica on every node made,
each rule commented with how many replicas made it and when it was first and last seen.
Works while the recording goes on: it reads the latest snapshots.

The Node objects the snapshots name say each node's architecture and container runtime
(status.nodeInfo). The profile lists the architecture of every node a replica ran on
(replicas on amd64 and arm64 nodes give one profile for both, each rule's comment saying
how many replicas of each made it), and allows what the node's OCI runtime calls after
installing the filter: runc under containerd and Docker; under CRI-O, runc before 1.28,
crun from 1.31, and both for 1.28 to 1.30, whose packages may configure either. When a
node's runtime cannot be told (its Node object is gone, an unknown runtime), both are
allowed and stderr says so; a gone node's architecture is the one in its snapshot.
--runtime names the OCI runtime of every node instead. Reading Nodes needs get on Nodes
(cluster-wide); without it the snapshots' architectures are used, with a warning.

A container whose replicas recorded nothing gets no profile (one allowing nothing would
stop it): stderr says so.

--complete static (the default when any snapshot carries static analysis results, which
agents started with --record-static write) also allows what the executables each
container ran can reach, by static analysis, though no replica made it while recording:
each such rule's comment says "reachable in PATH (static analysis); not seen while
recording". Dangerous syscalls they reach are listed on stderr (and in --format json),
never added. Where the analysis is unsure (a replica not analyzed or whose analysis
failed, syscall sites whose number was not read, libraries not found) stderr and
--format json say so, per replica. --complete none writes only what was recorded.

--apply also creates or updates, in the agent's namespace, one ConfigMap per profile
named after it (DIR/web.json → ConfigMap web, key web.json), labelled for the agent,
which installs it on every node as profiles/web.json. --complain applies it in complain
mode (as 'k8s configmap --complain': what the profile would deny is allowed and logged;
'k8s promote --apply' enforces it later); the files in DIR stay the enforcing profiles.
A profile lint finds errors in is not applied (the agent would refuse it) unless
--force; then nothing is applied. An existing ConfigMap of that name without the
agent's label is not overwritten, nor one that holds the profile recorded from another
workload (its ` + kube.AnnotationRecordedFrom + ` annotation): containers of different
workloads often share a name (app), so give each workload's profiles a --prefix
(--prefix web- gives DIR/web-app.json and ConfigMap web-app). An update carries the resourceVersion read, so a
concurrent change is refused, not overwritten. Needs get, create and update on
ConfigMaps in the agent's namespace.

Exit codes: 0 written (and applied); 1 nothing recorded yet, or not applied (lint
errors, a ConfigMap changed concurrently or not the agent's); 2 bad input.`,
		Example: `  ` + app.Name + ` k8s record collect recording-x7k2p -o profiles/
  ` + app.Name + ` k8s record collect recording-x7k2p -o profiles/ --prefix web- --apply --complain
  ` + app.Name + ` k8s record collect recording-x7k2p -o profiles/ --apply --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return opts.run(contextOf(cmd), args[0]) },
	}
	opts.flags(cmd)
	f := cmd.Flags()
	f.StringVarP(&opts.dir, "output", "o", "", "directory to write the profiles into")
	f.StringVar(&opts.prefix, "prefix", "", "put PREFIX before every profile's name: DIR/<prefix><container>.json, ConfigMap <prefix><container>")
	f.StringVar(&opts.runtime, "runtime", "", "the OCI runtime of every node: runc, crun or none (default: from each node's container runtime)")
	f.BoolVar(&opts.apply, "apply", false, "also create or update the profiles' ConfigMaps in the agent's namespace")
	f.BoolVar(&opts.complain, "complain", false, "with --apply: apply the profiles in complain mode (defaultAction SCMP_ACT_LOG)")
	f.BoolVar(&opts.force, "force", false, "with --apply: apply profiles lint finds errors in")
	f.StringVar(&opts.complete, "complete", "", "static: also allow what static analysis of the containers' executables finds they can reach (dangerous syscalls listed, never added); none: only what was recorded (default: static when the agents analyzed, --record-static)")
	cmd.RegisterFlagCompletionFunc("complete", cobra.FixedCompletions([]string{"static", "none"}, cobra.ShellCompDirectiveNoFileComp))
	formatFlag(cmd, &opts.format, "text", "json")
	return cmd
}

// collectResult is what collect wrote and applied; --format json prints it.
type collectResult struct {
	Files   []collectedFile `json:"files"`
	Empty   []string        `json:"empty,omitempty"`
	Objects []appliedObject `json:"objects,omitempty"`
	Notes   []string        `json:"notes,omitempty"`
}

type collectedFile struct {
	Container string   `json:"container"`
	Path      string   `json:"path"`
	Syscalls  int      `json:"syscalls"`
	Arches    []string `json:"architectures"`
	Runtimes  []string `json:"runtimes,omitempty"`
	// Static is what static completion added and could not vouch for.
	Static *snapshot.StaticReport `json:"static,omitempty"`
}

type appliedObject struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Key       string `json:"key"`
	Action    string `json:"action"` // created, updated, unchanged
	Complain  bool   `json:"complain,omitempty"`
}

func (o *k8sRecordCollectOptions) run(ctx context.Context, name string) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	switch {
	case o.dir == "":
		return UsageError(fmt.Errorf("k8s record collect: -o DIR is required"))
	case (o.complain || o.force) && !o.apply:
		return UsageError(fmt.Errorf("k8s record collect: --complain and --force go with --apply"))
	}
	switch o.runtime {
	case "", "runc", "crun", "none":
	default:
		return UsageError(fmt.Errorf("k8s record collect: --runtime %q: want runc, crun or none", o.runtime))
	}
	switch o.complete {
	case "", "static", "none":
	default:
		return UsageError(fmt.Errorf("k8s record collect: --complete %q: want static or none", o.complete))
	}
	client, _, err := kubeClient(o.kubeconfig, "seccompctl-record")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, snaps, err := readRecording(ctx, client, o.agentNamespace, name)
	if err != nil {
		return err
	}
	o.recordedFrom = req.Namespace + "/" + req.Target
	nodes, warning, err := readNodes(ctx, client, snaps)
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(o.app.ErrOut, "warning: "+warning)
	}
	return o.collect(ctx, client, snaps, nodes)
}

// readNodes reads the Node object of every node a snapshot names. A node that is gone
// is left out (Collect falls back to the snapshot); without permission to read Nodes,
// every node is, with a warning.
func readNodes(ctx context.Context, client kubernetes.Interface, snaps []snapshot.Snapshot) (map[string]snapshot.Node, string, error) {
	nodes := map[string]snapshot.Node{}
	for _, s := range snaps {
		if _, done := nodes[s.Node]; done || s.Error != "" {
			continue
		}
		n, err := client.CoreV1().Nodes().Get(ctx, s.Node, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			continue
		case apierrors.IsForbidden(err):
			return nil, fmt.Sprintf("cannot read Node objects (%v): architectures are taken from the snapshots and every node's OCI runtime is unknown (pass --runtime)", err), nil
		case err != nil:
			return nil, "", fmt.Errorf("reading node %s: %w", s.Node, err)
		}
		nodes[s.Node] = nodeOf(n)
	}
	return nodes, "", nil
}

// nodeOf keeps what collect needs of a Node: an architecture the tables do not know
// is left invalid, so the snapshot's is used.
func nodeOf(n *corev1.Node) snapshot.Node {
	arch, err := syscalls.ParseArch(n.Status.NodeInfo.Architecture)
	if err != nil {
		arch = syscalls.ArchInvalid
	}
	return snapshot.Node{Name: n.Name, Arch: arch, RuntimeVersion: n.Status.NodeInfo.ContainerRuntimeVersion}
}

// collect writes DIR/<container>.json for every container name recorded and, with
// --apply, the ConfigMaps.
func (o *k8sRecordCollectOptions) collect(ctx context.Context, client kubernetes.Interface, snaps []snapshot.Snapshot, nodes map[string]snapshot.Node) error {
	errOut := o.app.ErrOut
	for _, s := range snaps {
		if s.Error != "" {
			fmt.Fprintf(errOut, "node %s records nothing: %s; its replicas are missing from the profiles\n", s.Node, s.Error)
		}
		if s.Dropped > 0 {
			fmt.Fprintf(errOut, "node %s: %d container(s) were left out of its snapshot by the size bound; the profiles lack them\n", s.Node, s.Dropped)
		}
		if s.NotCounted > 0 {
			fmt.Fprintf(errOut, "node %s: %d cgroup(s) started without a recorder slot; what ran in them is missing from the profiles\n", s.Node, s.NotCounted)
		}
		if n := len(s.Unresolved) + s.UnresolvedDropped; n > 0 {
			fmt.Fprintf(errOut, "node %s: %d cgroup(s) in matched pods name no container; their calls are in no profile\n", s.Node, n)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(errOut, "node %s: %s\n", s.Node, n)
		}
	}
	static := o.staticMode(snaps)
	collected, err := snapshot.Collect(snaps, snapshot.Options{Nodes: nodes, Runtime: o.runtime, Static: static})
	if err != nil {
		return FailError(fmt.Errorf("k8s record collect: %w", err))
	}
	var res collectResult
	var profiles []snapshot.Collected
	notes := map[string]bool{}
	for i := range collected {
		c := &collected[i]
		if err := kube.ValidProfileName(o.prefix + c.Container + ".json"); err != nil {
			if o.prefix != "" {
				return UsageError(fmt.Errorf("k8s record collect: --prefix %q: %w", o.prefix, err))
			}
			return FailError(fmt.Errorf("k8s record collect: container name from a snapshot: %w", err))
		}
		for _, n := range c.Notes {
			notes[n] = true
		}
		if c.Empty {
			res.Empty = append(res.Empty, c.Container)
			fmt.Fprintf(errOut, "container %s recorded nothing in any replica: no profile written or applied (one allowing nothing would stop it)\n", c.Container)
			continue
		}
		profiles = append(profiles, *c)
	}
	res.Notes = slices.Sorted(maps.Keys(notes))
	for _, n := range res.Notes {
		fmt.Fprintln(errOut, "note: "+n)
	}
	if len(profiles) == 0 {
		return FailError(fmt.Errorf("k8s record collect: no container recorded a syscall yet"))
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return UsageError(fmt.Errorf("output directory %s: %w", o.dir, err))
	}
	for _, c := range profiles {
		path := filepath.Join(o.dir, o.prefix+c.Container+".json")
		if err := profile.WriteFile(path, c.Profile); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		f := collectedFile{Container: c.Container, Path: path, Syscalls: c.Report.Allowed, Runtimes: c.Runtimes, Static: c.Static}
		for _, a := range c.Arches {
			f.Arches = append(f.Arches, a.Name())
		}
		res.Files = append(res.Files, f)
		fmt.Fprintf(errOut, "wrote %s: %d syscalls allowed on %s\n", path, c.Report.Allowed, strings.Join(f.Arches, ", "))
		printStaticReport(errOut, c.Static)
	}
	var applyErr error
	if o.apply {
		res.Objects, applyErr = o.applyAll(ctx, client, profiles)
	}
	if o.format == "json" {
		if err := writeJSON(o.app.Out, res); err != nil {
			return err
		}
	} else {
		for _, obj := range res.Objects {
			mode := ""
			if obj.Complain {
				mode = " (complain mode)"
			}
			fmt.Fprintf(o.app.Out, "configmap %s/%s %s: %s%s\n", obj.Namespace, obj.Name, obj.Action, obj.Key, mode)
		}
	}
	return applyErr
}

// applyAll builds every profile's ConfigMap and creates or updates them. Lint errors
// in any profile apply nothing (unless --force): a half-applied set is harder to
// reason about than none.
func (o *k8sRecordCollectOptions) applyAll(ctx context.Context, client kubernetes.Interface, profiles []snapshot.Collected) ([]appliedObject, error) {
	var cms []*corev1.ConfigMap
	var refused []string
	for _, c := range profiles {
		key := o.prefix + c.Container + ".json"
		p := c.Profile
		cmOpts := kube.ConfigMapOptions{Name: o.prefix + c.Container, Namespace: o.agentNamespace}
		if o.complain {
			cp, enforced, err := kube.Complain(p)
			if err != nil {
				return nil, FailError(fmt.Errorf("%s: %w", key, err))
			}
			p = cp
			cmOpts.Complain = map[string]kube.Enforced{key: enforced}
			cmOpts.ComplainSince = o.now()
		}
		// Linted for the OCI runtimes of the nodes it runs on: a profile for runc-only
		// nodes lacks what crun needs, and lint for every runtime would say so.
		fs, err := lint.Lint(p, lint.Options{Runtimes: c.Runtimes})
		if err != nil {
			return nil, fmt.Errorf("linting %s: %w", key, err)
		}
		if n := lint.Count(fs, lint.Error); n > 0 {
			why := fmt.Sprintf("%s: lint finds %d error(s), the agent would refuse it: %s", key, n, lintErrors(fs))
			if !o.force {
				refused = append(refused, why)
				continue
			}
			fmt.Fprintf(o.app.ErrOut, "warning: applying anyway (--force): %s\n", why)
		} else if len(c.Runtimes) > 0 {
			// An agent left at its default lints for every runtime lint knows.
			all, err := lint.Lint(p, lint.Options{})
			if err == nil && lint.Count(all, lint.Error) > 0 {
				fmt.Fprintf(o.app.ErrOut, "warning: %s is for nodes running %s; an agent that lints for every runtime (its default) refuses it (%s): install the agent with --runtime %s\n",
					key, strings.Join(c.Runtimes, " and "), lintErrors(all), strings.Join(c.Runtimes, ","))
			}
		}
		data, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		cm, err := kube.ConfigMap(cmOpts, []kube.ProfileFile{{Key: key, Data: data}})
		if err != nil {
			return nil, UsageError(fmt.Errorf("k8s record collect: %w", err))
		}
		if cm.Annotations == nil {
			cm.Annotations = map[string]string{}
		}
		if o.recordedFrom != "" {
			cm.Annotations[kube.AnnotationRecordedFrom] = o.recordedFrom
		}
		if len(c.Runtimes) > 0 {
			cm.Annotations[kube.AnnotationRuntimes] = strings.Join(c.Runtimes, ",")
		}
		cms = append(cms, cm)
	}
	if len(refused) > 0 {
		for _, why := range refused {
			fmt.Fprintln(o.app.ErrOut, "refused: "+why)
		}
		return nil, FailError(errors.New("k8s record collect: nothing applied (fix the profiles, or pass --force); the files are written"))
	}
	var out []appliedObject
	var failed []error
	for _, cm := range cms {
		action, err := applyConfigMap(ctx, client, cm)
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(o.app.ErrOut, "not applied: %v\n", err)
			continue
		}
		out = append(out, appliedObject{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name, Key: kube.Keys(cm)[0],
			Action: action, Complain: cm.Labels[kube.LabelComplain] == "true"})
	}
	if len(failed) > 0 {
		return out, FailError(fmt.Errorf("k8s record collect: %d of %d ConfigMap(s) not applied", len(failed), len(cms)))
	}
	return out, nil
}

// lintErrors lists the error findings of fs, "RULE message; ...".
func lintErrors(fs []lint.Finding) string {
	var msgs []string
	for _, f := range fs {
		if f.Severity >= lint.Error {
			msgs = append(msgs, f.Rule+" "+f.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// errNotOurs is an existing ConfigMap without the agent's label.
var errNotOurs = errors.New("not labelled " + kube.LabelProfiles + "=true")

// applyConfigMap creates want, or updates the ConfigMap of its name to hold exactly
// want's data, labels and complain annotations, keeping other labels and annotations.
// The update carries the resourceVersion read, so a concurrent change makes it fail
// instead of being overwritten.
func applyConfigMap(ctx context.Context, client kubernetes.Interface, want *corev1.ConfigMap) (string, error) {
	api := client.CoreV1().ConfigMaps(want.Namespace)
	cur, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, err := api.Create(ctx, want, metav1.CreateOptions{}); err != nil {
			return "", fmt.Errorf("creating ConfigMap %s/%s: %w", want.Namespace, want.Name, err)
		}
		return "created", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading ConfigMap %s/%s: %w", want.Namespace, want.Name, err)
	}
	if cur.Labels[kube.LabelProfiles] != "true" {
		return "", fmt.Errorf("ConfigMap %s/%s exists and is %w; not overwritten (delete or rename it)", want.Namespace, want.Name, errNotOurs)
	}
	if from, ok := cur.Annotations[kube.AnnotationRecordedFrom]; ok && from != want.Annotations[kube.AnnotationRecordedFrom] {
		return "", fmt.Errorf("ConfigMap %s/%s holds the profile recorded from %s; not overwritten (name this workload's profiles apart with --prefix)", want.Namespace, want.Name, from)
	}
	next := cur.DeepCopy()
	next.Data, next.BinaryData = want.Data, nil
	if next.Labels == nil {
		next.Labels = map[string]string{}
	}
	delete(next.Labels, kube.LabelComplain)
	maps.Copy(next.Labels, want.Labels)
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	delete(next.Annotations, kube.AnnotationEnforced)
	delete(next.Annotations, kube.AnnotationComplainSince)
	delete(next.Annotations, kube.AnnotationRuntimes)
	if cur.Labels[kube.LabelComplain] == "true" && want.Labels[kube.LabelComplain] == "true" && maps.Equal(cur.Data, want.Data) {
		// The same profile still in complain mode: keep when it started, so the clean
		// period counts on.
		if since, ok := cur.Annotations[kube.AnnotationComplainSince]; ok {
			want.Annotations[kube.AnnotationComplainSince] = since
		}
	}
	maps.Copy(next.Annotations, want.Annotations)
	if maps.Equal(next.Data, cur.Data) && len(cur.BinaryData) == 0 && maps.Equal(next.Labels, cur.Labels) && maps.Equal(next.Annotations, cur.Annotations) {
		return "unchanged", nil
	}
	if _, err := api.Update(ctx, next, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsConflict(err) {
			return "", fmt.Errorf("ConfigMap %s/%s changed while it was being updated; not overwritten, run again: %w", want.Namespace, want.Name, err)
		}
		return "", fmt.Errorf("updating ConfigMap %s/%s: %w", want.Namespace, want.Name, err)
	}
	return "updated", nil
}

// staticMode says whether collect completes the profiles with static analysis: with
// --complete static, or by default when some snapshot carries analysis results.
// Asked for, or left to the default, with no results to use, stderr says that nothing
// was analyzed and how to have the agents analyze.
func (o *k8sRecordCollectOptions) staticMode(snaps []snapshot.Snapshot) bool {
	if o.complete == "none" {
		return false
	}
	for _, s := range snaps {
		for _, c := range s.Containers {
			if s.Error == "" && c.Static != nil {
				return true
			}
		}
	}
	fmt.Fprintln(o.app.ErrOut, "static completion: no snapshot carries static analysis results, so nothing was analyzed and the profiles hold only what was recorded: "+
		"install the agent with --record-static ('k8s install --record --record-static', or deploy/overlays/record-static) to have it analyze the executables the containers run (--complete none silences this)")
	return false
}

// printStaticReport tells on stderr what static completion added to one profile,
// what it held back, and where it is unsure.
func printStaticReport(w io.Writer, r *snapshot.StaticReport) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "  static completion: %d executable(s) analyzed", len(r.Executables))
	if len(r.Executables) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(r.Executables, ", "))
	}
	fmt.Fprintf(w, "; added %d syscalls not seen while recording", len(r.Added))
	if len(r.Added) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(r.Added, " "))
	}
	fmt.Fprintln(w)
	if len(r.Withheld) > 0 {
		fmt.Fprintln(w, "  NOT added, dangerous: decide yourself and add a rule if the program needs them:")
		for _, h := range r.Withheld {
			fmt.Fprintf(w, "    %s: %s (%s)\n", h.Name, h.Reason, h.Why)
		}
	}
	for _, a := range r.Analyzed {
		fmt.Fprintf(w, "  analyzed %s\n", a)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  not analyzable: %s\n", n)
	}
	if !r.Unsure {
		return
	}
	fmt.Fprintln(w, "  UNSURE: the profile may still lack calls the program makes on paths not recorded; roll it out in complain mode first:")
	for _, n := range r.NotAnalyzed {
		fmt.Fprintf(w, "    %s\n", n)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "    analysis failed in part: %s\n", e)
	}
	if r.Unresolved > 0 {
		fmt.Fprintf(w, "    %d syscall site(s) whose number static analysis could not read (e.g. %s)\n", r.Unresolved, strings.Join(r.UnresolvedExamples, "; "))
	}
	if r.Missing > 0 {
		fmt.Fprintf(w, "    %d needed librar(ies) not found, their syscalls not added (e.g. %s)\n", r.Missing, strings.Join(r.MissingExamples, "; "))
	}
}
