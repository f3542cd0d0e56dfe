package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/kube"
)

// Annotations of the per-node status Lease.
const (
	AnnotationSummary   = "seccompctl.io/summary"
	AnnotationInstalled = "seccompctl.io/installed"
	AnnotationRejected  = "seccompctl.io/rejected"
	// AnnotationLogged is the node's LoggedState: the syscalls logged under each
	// profile, cut to fit maxAnnotation (the cut entries are added to Dropped).
	AnnotationLogged = "seccompctl.io/logged"
	// maxAnnotation keeps the Lease well under the API server's 256 KiB limit on all
	// annotations together.
	maxAnnotation = 96 << 10
	// maxLoggedAnnotation bounds seccompctl.io/logged: with the two lists at
	// maxAnnotation each, all annotations together stay under the 256 KiB limit.
	maxLoggedAnnotation = 48 << 10
)

// Summary is the status Lease's seccompctl.io/summary annotation.
type Summary struct {
	Node      string    `json:"node"`
	Dir       string    `json:"dir"`
	Installed int       `json:"installed"`
	Rejected  int       `json:"rejected"`
	LastSync  time.Time `json:"lastSync"`
	// Truncated says the installed or rejected list was cut to fit.
	Truncated bool `json:"truncated,omitempty"`
}

// InstalledFile is one entry of the seccompctl.io/installed annotation.
type InstalledFile struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Source string `json:"source"`
}

// LeaseName is the name of the status Lease of node.
func LeaseName(node string) string {
	name := kube.AgentName + "-" + node
	if len(name) <= 253 {
		return name
	}
	h := sha256.Sum256([]byte(node))
	return name[:253-17] + "-" + hex.EncodeToString(h[:8])
}

// statusReporter keeps the node's Lease in the agent's namespace: spec.holderIdentity is
// the node, spec.renewTime the last sync (a heartbeat), and the annotations say what is
// installed and what was refused. A Lease, unlike a ConfigMap, needs no write access to
// the resources that hold profiles.
type statusReporter struct {
	client    kubernetes.Interface
	namespace string
	node      string
	dir       string
	duration  time.Duration
	last      map[string]string
}

func (r *statusReporter) annotations(res SyncResult, logged LoggedState, now time.Time) map[string]string {
	var files []InstalledFile
	for name, o := range res.Installed {
		if o.SHA256 != "" {
			files = append(files, InstalledFile{File: name, SHA256: o.SHA256, Source: o.Source})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].File < files[j].File })
	sum := Summary{Node: r.node, Dir: r.dir, Installed: len(files), Rejected: len(res.Rejected), LastSync: now.UTC().Truncate(time.Second)}
	installed := mustJSON(files)
	for len(installed) > maxAnnotation {
		files = files[:len(files)*3/4]
		installed = mustJSON(files)
		sum.Truncated = true
	}
	rejected := append([]Rejection(nil), res.Rejected...)
	for i := range rejected {
		if len(rejected[i].Message) > 512 {
			rejected[i].Message = rejected[i].Message[:509] + "..."
		}
	}
	rej := mustJSON(rejected)
	for len(rej) > maxAnnotation {
		rejected = rejected[:len(rejected)*3/4]
		rej = mustJSON(rejected)
		sum.Truncated = true
	}
	return map[string]string{
		AnnotationSummary:   mustJSON(sum),
		AnnotationInstalled: installed,
		AnnotationRejected:  rej,
		AnnotationLogged:    loggedAnnotation(logged),
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are marshalled
	}
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// update writes the Lease. It returns an error when the API server could not be
// reached; the next sync tries again.
func (r *statusReporter) update(ctx context.Context, res SyncResult, logged LoggedState, now time.Time) error {
	ann := r.annotations(res, logged, now)
	leases := r.client.CoordinationV1().Leases(r.namespace)
	name := LeaseName(r.node)
	secs := int32(r.duration / time.Second)
	renew := metav1.NewMicroTime(now)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cur, err := leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Namespace:   r.namespace,
				Labels:      map[string]string{kube.LabelStatus: "node", "app.kubernetes.io/name": kube.AgentName},
				Annotations: ann,
			},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &r.node, LeaseDurationSeconds: &secs, RenewTime: &renew},
		}
		_, err = leases.Create(ctx, l, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	for k, v := range ann {
		cur.Annotations[k] = v
	}
	cur.Spec.HolderIdentity = &r.node
	cur.Spec.LeaseDurationSeconds = &secs
	cur.Spec.RenewTime = &renew
	_, err = leases.Update(ctx, cur, metav1.UpdateOptions{})
	return err
}

// loggedAnnotation is st as JSON within maxLoggedAnnotation: the most recently seen entries
// are kept, and the ones cut are counted in Dropped.
func loggedAnnotation(st LoggedState) string {
	entries := slices.Clone(st.Entries)
	if entries == nil {
		entries = []Logged{}
	}
	out := mustJSON(LoggedState{Entries: entries, Dropped: st.Dropped, Complain: st.Complain})
	if len(out) <= maxLoggedAnnotation {
		return out
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Last.After(entries[j].Last) })
	for len(out) > maxLoggedAnnotation {
		if len(entries) == 0 {
			// Only the complain-mode list is left, and it alone is too long: the
			// entries matter more to 'k8s status', so it goes.
			return mustJSON(LoggedState{Entries: entries, Dropped: st.Dropped})
		}
		keep := len(entries) * 3 / 4
		cut := len(entries) - keep
		entries = entries[:keep]
		st.Dropped += cut
		out = mustJSON(LoggedState{Entries: entries, Dropped: st.Dropped, Complain: st.Complain})
	}
	return out
}

// NodeLogged is one node's seccompctl.io/logged annotation.
type NodeLogged struct {
	Node  string
	State LoggedState
	// Renewed is the Lease's renew time: when the agent last wrote it.
	Renewed time.Time
}

// ReadLogged lists the status Leases in namespace and reads each node's logged
// syscalls. A Lease whose annotation does not parse is an error naming it.
func ReadLogged(ctx context.Context, client kubernetes.Interface, namespace string) ([]NodeLogged, error) {
	leases, err := client.CoordinationV1().Leases(namespace).List(ctx, metav1.ListOptions{LabelSelector: kube.LabelStatus + "=node"})
	if err != nil {
		return nil, fmt.Errorf("listing status Leases in %s: %w", namespace, err)
	}
	var out []NodeLogged
	for _, l := range leases.Items {
		n := NodeLogged{Node: l.Name}
		if l.Spec.HolderIdentity != nil {
			n.Node = *l.Spec.HolderIdentity
		}
		if l.Spec.RenewTime != nil {
			n.Renewed = l.Spec.RenewTime.Time
		}
		if raw, ok := l.Annotations[AnnotationLogged]; ok {
			if err := json.Unmarshal([]byte(raw), &n.State); err != nil {
				return nil, fmt.Errorf("Lease %s/%s: annotation %s: %w", namespace, l.Name, AnnotationLogged, err)
			}
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out, nil
}
