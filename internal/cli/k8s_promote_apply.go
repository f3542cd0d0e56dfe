package cli

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/agent"
	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
)

// runK8sPromoteApply promotes the complain-mode profile KEY in the cluster: the
// ConfigMap holding it and the logged syscalls are read from the API server, and the
// ConfigMap is updated in place, only if nobody changed it meanwhile.
func runK8sPromoteApply(ctx context.Context, opts *k8sPromoteOptions) error {
	if err := checkOutputPath("-o", opts.out); err != nil {
		return err
	}
	key := path.Base(opts.file)
	if err := kube.ValidProfileName(key); err != nil {
		return UsageError(fmt.Errorf("k8s promote --apply: %s: %w (name the profile by its key, e.g. web.json)", opts.file, err))
	}
	client, _, err := kubeClient(opts.kubeconfig, "seccompctl-promote")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cur, err := findProfileConfigMap(ctx, client, opts.namespace, key, opts.nameIfSet())
	if err != nil {
		return err
	}
	what := "ConfigMap " + cur.Namespace + "/" + cur.Name
	p, popts, _, err := complainFromConfigMap(what, cur, key)
	if err != nil {
		return UsageError(err)
	}
	var vs []monitor.Violation
	if len(opts.logs) > 0 {
		if vs, err = readLogs(opts); err != nil {
			return err
		}
	} else if vs, err = clusterLogged(ctx, opts, client, key); err != nil {
		return err
	}
	data, added, err := promote(opts, p, &popts, vs)
	if err != nil {
		return err
	}
	next := kube.Enforce(cur, key, data)
	if opts.out != "" {
		manifest, err := kube.Marshal(manifestOf(next))
		if err != nil {
			return err
		}
		if err := writeOutput(opts.app, opts.out, manifest); err != nil {
			return err
		}
	}
	if err := updatePromoted(ctx, client, next); err != nil {
		return err
	}
	fmt.Fprintf(opts.app.Out, "configmap %s/%s updated: %s enforcing, %d syscall(s) added, defaultAction %s\n",
		next.Namespace, next.Name, key, added, popts.Enforced)
	return nil
}

// nameIfSet is --name when given on the command line; its default names a ConfigMap
// for a profile file and must not narrow the search.
func (o *k8sPromoteOptions) nameIfSet() string {
	if o.nameSet {
		return o.name
	}
	return ""
}

// findProfileConfigMap finds the labelled ConfigMap in ns holding key (named name, if
// given). Two holding it is refused: which one the agents install is then not what a
// promotion of the other would change.
func findProfileConfigMap(ctx context.Context, client kubernetes.Interface, ns, key, name string) (*corev1.ConfigMap, error) {
	if name != "" {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, UsageError(fmt.Errorf("ConfigMap %s not found in namespace %s (check -n)", name, ns))
		}
		if err != nil {
			return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", ns, name, err)
		}
		if _, ok := cm.Data[key]; !ok || cm.Labels[kube.LabelProfiles] != "true" {
			return nil, UsageError(fmt.Errorf("ConfigMap %s/%s is not a profiles ConfigMap holding %s", ns, name, key))
		}
		return cm, nil
	}
	list, err := client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelProfiles + "=true"})
	if err != nil {
		return nil, fmt.Errorf("listing the profiles ConfigMaps in namespace %s: %w", ns, err)
	}
	var found []*corev1.ConfigMap
	var names []string
	for i := range list.Items {
		if _, ok := list.Items[i].Data[key]; ok {
			found = append(found, &list.Items[i])
			names = append(names, list.Items[i].Name)
		}
	}
	switch len(found) {
	case 0:
		return nil, UsageError(fmt.Errorf("no ConfigMap labelled %s=true in namespace %s holds %s (check -n and the key)", kube.LabelProfiles, ns, key))
	case 1:
		return found[0], nil
	}
	return nil, UsageError(fmt.Errorf("ConfigMaps %s in namespace %s all hold %s; the agent installs only the oldest's: name one with --name", strings.Join(names, ", "), ns, key))
}

// clusterLogged reads what every node's agent logged under key, as 'k8s status' does.
func clusterLogged(ctx context.Context, opts *k8sPromoteOptions, client kubernetes.Interface, key string) ([]monitor.Violation, error) {
	nodes, err := agent.ReadLogged(ctx, client, opts.namespace)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		fmt.Fprintf(opts.app.ErrOut, "warning: no agent status found in namespace %s: nothing logged is known, so nothing is added\n", opts.namespace)
	}
	states := make([]agent.LoggedState, len(nodes))
	for i, n := range nodes {
		states[i] = n.State
		if n.State.Dropped > 0 {
			fmt.Fprintf(opts.app.ErrOut, "node %s: %d logged entries were not kept (entry cap or status size bound); the promoted profile lacks them\n", n.Node, n.State.Dropped)
		}
	}
	logged, _ := agent.AggregateLogged(states, key)
	vs := make([]monitor.Violation, len(logged))
	for i, l := range logged {
		vs[i] = l.Violation()
	}
	return vs, nil
}

// errChanged is a ConfigMap changed between the read and the update.
var errChanged = errors.New("changed since it was read")

// updatePromoted writes next, which carries the resourceVersion it was read at: a
// concurrent change is refused by the API server and reported, never overwritten.
func updatePromoted(ctx context.Context, client kubernetes.Interface, next *corev1.ConfigMap) error {
	_, err := client.CoreV1().ConfigMaps(next.Namespace).Update(ctx, next, metav1.UpdateOptions{})
	switch {
	case apierrors.IsConflict(err):
		return FailError(fmt.Errorf("ConfigMap %s/%s %w; nothing was overwritten: run promote again to promote what it holds now", next.Namespace, next.Name, errChanged))
	case err != nil:
		return fmt.Errorf("updating ConfigMap %s/%s: %w", next.Namespace, next.Name, err)
	}
	return nil
}

// manifestOf is cm as a manifest to keep: without the server's fields.
func manifestOf(cm *corev1.ConfigMap) *corev1.ConfigMap {
	out := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: cm.Name, Namespace: cm.Namespace, Labels: cm.Labels, Annotations: cm.Annotations},
		Data:       cm.Data, BinaryData: cm.BinaryData,
	}
	return out
}
