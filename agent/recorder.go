package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/snapshot"
)

// cgroupSource is what the agent needs of the eBPF recorder (record.CgroupRecorder):
// watch pod cgroup trees, read every counted cgroup's cumulative counts, forget gone
// ones.
type cgroupSource interface {
	WatchTree(dir string) error
	UnwatchTree(dir string) error
	Counts() ([]cgroupCount, error)
	Forget(id uint64)
	// NotCounted is how many cgroups started while there was no slot to count them.
	NotCounted() uint64
	Close() error
}

// podPollInterval is how often the cgroup directories of matched pods not running yet
// are looked for: a pod's cgroup appears shortly before its first container starts, and
// watching it in time is what records a container from its first exec.
const podPollInterval = 100 * time.Millisecond

// recorder runs the agent's recording requests: one informer on the requests, one pod
// informer per namespace requests name (only this node's pods), one eBPF recorder for
// all. Everything but the informers' handlers runs on the goroutine of run.
//
// The eBPF recorder is attached only while some active request has a pod on this node
// that is not over: attached, its sys_enter program runs for every syscall of every
// task on the node, recorded or not, so an agent with --record and nothing to record
// must cost the node nothing.
type recorder struct {
	cfg     Config
	log     *slog.Logger
	client  kubernetes.Interface
	metrics *metrics

	newSource func() (cgroupSource, string, error)
	src       cgroupSource
	srcErr    string    // why the node records nothing; "" when src works
	srcNote   string    // what a reader must know of how this node counts; "" normally
	srcRetry  time.Time // when a recorder that did not load is tried again
	// notCounted is what closed recorders had no slot for; the open one's adds to it.
	notCounted uint64

	requests corelisters.ConfigMapLister
	kick     chan struct{}

	namespaces map[string]*nsPods
	active     map[string]*recording // by request name
	owners     map[string]metav1.OwnerReference
	trees      map[string]string          // watched directory → pod UID
	counted    map[string]map[uint64]bool // watched directory → the cgroups counted below it
	treeIDs    map[string]uint64          // watched directory → its own cgroup ID
	since      map[string]time.Time       // pod UID → when its tree was first watched
	parts      map[string]int             // request → how many snapshot Leases this node last wrote
	qos        map[string]string          // pod UID → status.qosClass, where its cgroup is looked for first
	lastRead   time.Time
	// static analyzes the recorded containers' executables; nil without
	// Config.RecordStatic.
	static *staticAnalyzer
}

// nsPods is the pod informer of one namespace, started when a request first names it.
type nsPods struct {
	cancel context.CancelFunc
	lister corelisters.PodLister
	synced cache.InformerSynced
	mu     sync.Mutex
	err    error // the last list or watch refusal, nil when the informer works
	next   time.Time
}

func (n *nsPods) setErr(err error) {
	n.mu.Lock()
	n.err = err
	n.mu.Unlock()
}

func (n *nsPods) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

func newRecorder(cfg Config, log *slog.Logger, client kubernetes.Interface, m *metrics, newSource func() (cgroupSource, string, error)) *recorder {
	r := &recorder{cfg: cfg, log: log, client: client, metrics: m, newSource: newSource, kick: make(chan struct{}, 1),
		namespaces: map[string]*nsPods{}, active: map[string]*recording{}, owners: map[string]metav1.OwnerReference{},
		trees: map[string]string{}, counted: map[string]map[uint64]bool{}, treeIDs: map[string]uint64{}, since: map[string]time.Time{}, qos: map[string]string{}, parts: map[string]int{}}
	if cfg.RecordStatic {
		r.static = newStaticAnalyzer(log, cfg.analysisCache(), cfg.SnapshotInterval)
		r.static.analyses = func(result string) { m.staticAnalyses.WithLabelValues(result).Inc() }
	}
	return r
}

func (r *recorder) trigger() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// run records until ctx ends, then writes every active request's snapshot a last time
// (a restarted agent adds to it) and closes the recorder.
func (r *recorder) run(ctx context.Context) error {
	r.metrics.recorderAttached.Set(0)
	defer r.closeSource(time.Now())

	factory := informers.NewSharedInformerFactoryWithOptions(r.client, 0,
		informers.WithNamespace(r.cfg.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = kube.LabelRecording + "=true" }))
	inf := factory.Core().V1().ConfigMaps()
	r.requests = inf.Lister()
	if _, err := inf.Informer().AddEventHandler(r.handler()); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	defer r.stopNamespaces()
	for !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
		if ctx.Err() != nil {
			return nil
		}
	}
	r.log.Info("recording requests watched", "namespace", r.cfg.Namespace, "cgroupRoot", r.cfg.CgroupRoot, "snapshotInterval", r.cfg.SnapshotInterval)
	if r.static != nil {
		// Its own goroutine: an analysis takes seconds, counting and snapshots go on.
		go r.static.run(ctx)
		r.log.Info("recorded containers' executables analyzed", "analysisCache", r.cfg.analysisCache())
	}

	read := time.NewTicker(r.readInterval())
	defer read.Stop()
	write := time.NewTicker(r.cfg.SnapshotInterval)
	defer write.Stop()
	var poll <-chan time.Time
	r.reconcile(ctx, time.Now())
	for {
		if r.pending() {
			poll = time.After(podPollInterval)
		} else {
			poll = nil
		}
		select {
		case <-ctx.Done():
			// ctx is done: the last writes get a context of their own.
			fin, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			r.readCounts(time.Now())
			r.writeAll(fin, time.Now())
			cancel()
			return nil
		case <-r.kick:
		case <-poll:
			// Only the cgroups are looked for: nothing else changed.
			r.syncTrees(time.Now())
			continue
		case <-read.C:
			r.readCounts(time.Now())
			r.offerStatic()
		case <-write.C:
			r.readCounts(time.Now())
			r.offerStatic()
			r.writeAll(ctx, time.Now())
		}
		r.reconcile(ctx, time.Now())
	}
}

// readInterval is how often counts are read: the first and last seen times of a
// syscall are as fine as this.
func (r *recorder) readInterval() time.Duration {
	return min(2*time.Second, r.cfg.SnapshotInterval)
}

func (r *recorder) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { r.trigger() },
		UpdateFunc: func(_, _ any) { r.trigger() },
		DeleteFunc: func(any) { r.trigger() },
	}
}

// pending says whether a matched pod's cgroup has not been found yet.
func (r *recorder) pending() bool {
	if r.src == nil {
		return false
	}
	for _, rec := range r.active {
		for _, p := range rec.pods {
			if !p.deleted && !p.done && p.cgroup == "" {
				return true
			}
		}
	}
	return false
}

// reconcile starts and ends recordings as the requests say, follows their pods, and
// watches the cgroup of every matched pod as soon as it exists.
func (r *recorder) reconcile(ctx context.Context, now time.Time) {
	cms, err := r.requests.List(labels.Everything())
	if err != nil {
		r.log.Warn("listing recording requests", "err", err)
		return
	}
	want := map[string]kube.RecordingRequest{}
	for _, cm := range cms {
		req, err := kube.RecordingFromConfigMap(cm)
		if err != nil {
			r.log.Warn("recording request ignored", "err", err)
			continue
		}
		if req.Active(now) {
			want[req.Name] = req
			r.owners[req.Name] = metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: cm.Name, UID: cm.UID}
		}
	}
	// Ended requests: a last read and a final snapshot, unless the request itself is gone.
	started := false
	var ended []string
	for name := range r.active {
		if _, ok := want[name]; !ok {
			ended = append(ended, name)
		}
	}
	if len(ended) > 0 {
		r.readCounts(now)
		sort.Strings(ended)
		for _, name := range ended {
			if _, err := r.requests.ConfigMaps(r.cfg.Namespace).Get(name); err == nil {
				r.write(ctx, r.active[name], now)
			}
			r.log.Info("recording ended", "request", name)
			delete(r.active, name)
			delete(r.owners, name)
			delete(r.parts, name)
		}
		if r.static != nil {
			r.static.retain(func(namespace, pod string) bool {
				for _, rec := range r.active {
					for _, p := range rec.pods {
						if p.namespace == namespace && p.name == pod {
							return true
						}
					}
				}
				return false
			})
		}
	}
	for name, req := range want {
		rec := r.active[name]
		if rec == nil {
			rec = r.start(ctx, req, now)
			r.active[name] = rec
			started = true
		}
		rec.req = req
	}
	r.syncNamespaces(ctx, now)
	for _, rec := range r.active {
		ns := r.namespaces[rec.req.Namespace]
		if ns == nil || ns.Err() != nil || !ns.synced() {
			continue // pods unknown: nothing is marked deleted
		}
		sel, err := labels.Parse(rec.req.Selector)
		if err != nil {
			continue // Validate parsed it already
		}
		pods, err := ns.lister.Pods(rec.req.Namespace).List(sel)
		if err != nil {
			continue
		}
		matched := pods[:0:0]
		for _, p := range pods {
			if matches(rec.req, sel, p) {
				matched = append(matched, p)
			}
		}
		rec.update(matched)
		for _, p := range matched {
			r.qos[string(p.UID)] = string(p.Status.QOSClass)
		}
	}
	switch {
	case r.needSource():
		r.openSource(now, started)
	case started && r.src == nil:
		// A request that matches nothing here yet still learns whether this node can
		// record: the recorder is loaded once, and closed below.
		r.openSource(now, true)
	}
	r.syncTrees(now)
	if !r.needSource() {
		r.closeSource(now)
	}
	r.metrics.recordingsActive.Set(float64(len(r.active)))
}

// needSource says whether some active request has a pod on this node that is not over:
// one to count, or one whose cgroup is waited for.
func (r *recorder) needSource() bool {
	for _, rec := range r.active {
		for _, p := range rec.pods {
			if !p.deleted && !p.done {
				return true
			}
		}
	}
	return false
}

// openSource loads and attaches the eBPF recorder. Where it does not load, srcErr says
// why in the snapshot of every active request, and it is tried again when a request
// starts (force) or a snapshot interval later.
func (r *recorder) openSource(now time.Time, force bool) {
	if r.src != nil || (!force && r.srcErr != "" && now.Before(r.srcRetry)) {
		return
	}
	src, note, err := r.newSource()
	if note != "" && note != r.srcNote {
		r.log.Warn("recording with less precision", "note", note)
	}
	r.srcNote = note
	if err != nil {
		errText := "the eBPF recorder does not load on this node: " + err.Error()
		if errText != r.srcErr {
			r.log.Warn("recording requests will get an error snapshot", "err", err)
		}
		r.srcErr, r.srcRetry = errText, now.Add(r.cfg.SnapshotInterval)
		return
	}
	r.src, r.srcErr = src, ""
	r.metrics.recorderAttached.Set(1)
	r.log.Info("eBPF recorder attached")
}

// closeSource detaches the recorder after a last read of its counts: what was read stays
// in the recordings, and a recorder opened later counts every cgroup from zero again.
func (r *recorder) closeSource(now time.Time) {
	if r.src == nil {
		return
	}
	r.readCounts(now)
	r.notCounted += r.src.NotCounted()
	if err := r.src.Close(); err != nil {
		r.log.Warn("closing the eBPF recorder", "err", err)
	}
	r.src = nil
	clear(r.trees)
	clear(r.counted)
	clear(r.treeIDs)
	clear(r.since)
	for _, rec := range r.active {
		rec.detached()
	}
	r.metrics.recorderAttached.Set(0)
	r.metrics.recordedPods.Set(0)
	r.metrics.recordedCgroups.Set(0)
	r.log.Info("eBPF recorder detached: no active request has a pod on this node")
}

// start begins recording req. An agent that wrote a snapshot of req before (it
// restarted) adds to it.
func (r *recorder) start(ctx context.Context, req kube.RecordingRequest, now time.Time) *recording {
	rec := newRecording(req, now)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	old, n, err := r.readLeases(ctx, req.Name)
	r.parts[req.Name] = n
	switch {
	case err != nil:
		r.log.Warn("earlier snapshot not read; recording anew", "request", req.Name, "err", err)
	case n > 0 && old.Node == r.cfg.NodeName && old.Request == req.Name:
		rec.resume(old, now)
		r.log.Info("recording resumed", "request", req.Name, "since", old.Written)
		return rec
	}
	r.log.Info("recording started", "request", req.Name, "namespace", req.Namespace, "selector", req.Selector)
	return rec
}

// readLeases reads the parts of this node's snapshot of request an earlier run wrote,
// joined; n is how many Leases there are (0: none).
func (r *recorder) readLeases(ctx context.Context, request string) (s snapshot.Snapshot, n int, err error) {
	leases := r.client.CoordinationV1().Leases(r.cfg.Namespace)
	var parts []snapshot.Snapshot
	for i := range kube.MaxSnapshotParts {
		l, err := leases.Get(ctx, kube.SnapshotPartLeaseName(request, r.cfg.NodeName, i), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue // a part missing after a failed write: the others are read
		}
		if err != nil {
			return snapshot.Snapshot{}, 0, err
		}
		n = i + 1
		p, err := snapshot.Decode("lease "+r.cfg.Namespace+"/"+l.Name, []byte(l.Annotations[kube.AnnotationSnapshot]))
		if err != nil {
			return snapshot.Snapshot{}, n, err
		}
		parts = append(parts, p)
	}
	for _, j := range snapshot.Join(parts) {
		if j.Node == r.cfg.NodeName && j.Request == request {
			return j, n, nil
		}
	}
	return snapshot.Snapshot{}, n, nil
}

// syncNamespaces runs a pod informer for every namespace an active request names and
// stops the others. A namespace whose pods the agent may not list is retried now and
// then; its requests carry the refusal in their snapshots.
func (r *recorder) syncNamespaces(ctx context.Context, now time.Time) {
	need := map[string]bool{}
	for _, rec := range r.active {
		need[rec.req.Namespace] = true
	}
	for ns, n := range r.namespaces {
		if !need[ns] {
			n.cancel()
			delete(r.namespaces, ns)
		}
	}
	for ns := range need {
		n := r.namespaces[ns]
		if n != nil && (n.Err() == nil || now.Before(n.next)) {
			continue
		}
		if n != nil {
			n.cancel()
		}
		r.namespaces[ns] = r.watchPods(ctx, ns, now)
	}
}

// watchPods checks that the agent may list the node's pods in ns, then starts an
// informer on them.
func (r *recorder) watchPods(ctx context.Context, ns string, now time.Time) *nsPods {
	onNode := fields.OneTermEqualSelector("spec.nodeName", r.cfg.NodeName).String()
	n := &nsPods{cancel: func() {}, synced: func() bool { return false }, next: now.Add(r.cfg.SnapshotInterval)}
	check, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err := r.client.CoreV1().Pods(ns).List(check, metav1.ListOptions{FieldSelector: onNode, Limit: 1})
	cancel()
	if err != nil {
		n.setErr(podAccessError(ns, err))
		// Retried every snapshot interval; said once until it changes.
		if old := r.namespaces[ns]; old == nil || old.Err() == nil || old.Err().Error() != n.Err().Error() {
			r.log.Warn("pods not readable; retrying", "namespace", ns, "every", r.cfg.SnapshotInterval, "err", err)
		}
		return n
	}
	ictx, stop := context.WithCancel(ctx)
	f := informers.NewSharedInformerFactoryWithOptions(r.client, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = onNode }))
	inf := f.Core().V1().Pods()
	n.lister, n.synced = inf.Lister(), inf.Informer().HasSynced
	inf.Informer().SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			n.setErr(podAccessError(ns, err))
			r.trigger()
		}
	})
	inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { n.setErr(nil); r.trigger() },
		UpdateFunc: func(_, _ any) { r.trigger() },
		DeleteFunc: func(any) { r.trigger() },
	})
	f.Start(ictx.Done())
	n.cancel = func() { stop(); f.Shutdown() }
	go func() {
		if cache.WaitForCacheSync(ictx.Done(), inf.Informer().HasSynced) {
			r.trigger()
		}
	}()
	return n
}

func podAccessError(ns string, err error) error {
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
		return fmt.Errorf("the agent may not list pods in namespace %s (grant its ServiceAccount get, list and watch on pods there): %w", ns, err)
	}
	return fmt.Errorf("listing pods in namespace %s: %w", ns, err)
}

func (r *recorder) stopNamespaces() {
	for ns, n := range r.namespaces {
		n.cancel()
		delete(r.namespaces, ns)
	}
}

// syncTrees watches the cgroup of every matched pod still there and unwatches the rest,
// after a last read of their counts.
func (r *recorder) syncTrees(now time.Time) {
	if r.src == nil {
		return
	}
	want := map[string]bool{} // pod UIDs
	for _, rec := range r.active {
		for uid, p := range rec.pods {
			if !p.deleted && !p.done {
				want[uid] = true
			}
		}
	}
	var drop []string
	for dir, uid := range r.trees {
		if !want[uid] {
			drop = append(drop, dir)
		}
	}
	if len(drop) > 0 {
		r.readCounts(now)
		for _, dir := range drop {
			if err := r.src.UnwatchTree(dir); err != nil {
				r.log.Warn("unwatching a pod cgroup", "dir", dir, "err", err)
			}
			// Counted cgroups keep their slots until forgotten, running ones too; no
			// longer watched, they are not counted again.
			for id := range r.counted[dir] {
				r.src.Forget(id)
			}
			delete(r.counted, dir)
			delete(r.treeIDs, dir)
			delete(r.since, r.trees[dir])
			delete(r.trees, dir)
		}
	}
	watched := map[string]string{} // pod UID → relative dir
	for dir, uid := range r.trees {
		rel, _ := filepath.Rel(r.cfg.CgroupRoot, dir)
		watched[uid] = rel
	}
	for uid := range want {
		if _, ok := watched[uid]; ok {
			continue
		}
		rel, dir := r.findPodCgroup(uid)
		if dir == "" {
			continue
		}
		if err := r.src.WatchTree(dir); err != nil {
			r.log.Warn("pod cgroup not watched", "dir", dir, "err", err)
			continue
		}
		r.trees[dir] = uid
		r.treeIDs[dir] = cgroupIDOf(dir)
		r.since[uid] = now
		watched[uid] = rel
	}
	for _, rec := range r.active {
		for uid, p := range rec.pods {
			if rel, ok := watched[uid]; ok {
				p.cgroup, p.since = rel, r.since[uid]
			}
		}
	}
	r.metrics.recordedPods.Set(float64(len(r.trees)))
}

// cgroupIDOf is the ID the kernel gives the cgroup at dir: its directory's inode
// number; 0 when it cannot be read.
func cgroupIDOf(dir string) uint64 {
	fi, err := os.Stat(dir)
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

// findPodCgroup looks for the pod's cgroup where the kubelet puts it.
func (r *recorder) findPodCgroup(uid string) (rel, dir string) {
	for _, c := range monitor.PodCgroupDirCandidates(uid, r.qos[uid]) {
		rel := filepath.Join(r.cfg.KubeletCgroupRoot, c)
		dir := filepath.Join(r.cfg.CgroupRoot, rel)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return rel, dir
		}
	}
	return "", ""
}

// readCounts hands every counted cgroup's counts to the recordings of its pod, then
// forgets the cgroups that are gone (their last counts are read).
func (r *recorder) readCounts(now time.Time) {
	if r.src == nil {
		return
	}
	// Reads are seconds apart: finer times would only lengthen every snapshot entry.
	now = now.UTC().Truncate(time.Second)
	cs, err := r.src.Counts()
	if err != nil {
		r.log.Warn("reading the recorder's counts", "err", err)
		return
	}
	live := 0
	for _, c := range cs {
		uid, ok := r.trees[c.Tree]
		c.Unnamed = c.Name == "" && c.ID != r.treeIDs[c.Tree]
		if ok {
			for _, rec := range r.active {
				if _, mine := rec.pods[uid]; mine {
					rec.observe(uid, c, r.since[uid], now)
				}
			}
		}
		if c.Gone {
			r.src.Forget(c.ID)
			delete(r.counted[c.Tree], c.ID)
			continue
		}
		live++
		if ok {
			if r.counted[c.Tree] == nil {
				r.counted[c.Tree] = map[uint64]bool{}
			}
			r.counted[c.Tree][c.ID] = true
		}
	}
	r.lastRead = now
	r.metrics.recordedCgroups.Set(float64(live))
}

// writeAll writes every active request's snapshot.
func (r *recorder) writeAll(ctx context.Context, now time.Time) {
	names := make([]string, 0, len(r.active))
	for n := range r.active {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r.write(ctx, r.active[n], now)
	}
}

// snapshotOf is rec's snapshot as of now, with why the node records nothing.
func (r *recorder) snapshotOf(rec *recording, now time.Time) snapshot.Snapshot {
	errText := r.srcErr
	if n := r.namespaces[rec.req.Namespace]; errText == "" && n != nil {
		if err := n.Err(); err != nil {
			errText = err.Error()
		}
	}
	notCounted := r.notCounted
	if r.src != nil {
		notCounted += r.src.NotCounted()
	}
	s := rec.snapshot(r.cfg.NodeName, now, errText, notCounted)
	if r.static != nil {
		r.static.attach(&s)
	}
	if r.srcNote != "" {
		s.Notes = append(s.Notes, r.srcNote)
	}
	if r.src != nil {
		// A pod whose status says it runs has a cgroup: not finding it means the agent
		// looks in the wrong place, and records nothing of it.
		for _, p := range s.Pods {
			if pr := rec.pods[p.UID]; pr != nil && pr.running && !pr.deleted && pr.cgroup == "" {
				s.Notes = append(s.Notes, fmt.Sprintf("pod %s/%s runs but its cgroup was not found below %s: is --cgroup-root the host's cgroup v2 hierarchy, and --kubelet-cgroup-root the kubelet's --cgroup-root?",
					p.Namespace, p.Name, filepath.Join(r.cfg.CgroupRoot, r.cfg.KubeletCgroupRoot)))
			}
		}
	}
	return s
}

// write puts rec's snapshot into its Lease, creating it the first time.
func (r *recorder) write(ctx context.Context, rec *recording, now time.Time) {
	s := r.snapshotOf(rec, now)
	if err := r.writeLease(ctx, s); err != nil {
		if ctx.Err() != nil {
			return // the agent is stopping: its last write follows with a context of its own
		}
		r.metrics.snapshotWrites.WithLabelValues("error").Inc()
		r.log.Warn("snapshot not written", "request", rec.req.Name, "err", err)
		return
	}
	r.metrics.snapshotWrites.WithLabelValues("ok").Inc()
}

// writeLease writes s into as many Leases as it takes (kube.MaxSnapshotParts at most),
// then deletes the parts an earlier, larger snapshot left.
func (r *recorder) writeLease(ctx context.Context, s snapshot.Snapshot) error {
	parts, err := snapshot.EncodeParts(s, kube.MaxSnapshotBytes, kube.MaxSnapshotParts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i, data := range parts {
		if err := r.writePart(ctx, s, kube.SnapshotPartLeaseName(s.Request, r.cfg.NodeName, i), data); err != nil {
			return err
		}
	}
	leases := r.client.CoordinationV1().Leases(r.cfg.Namespace)
	for i := len(parts); i < r.parts[s.Request]; i++ {
		name := kube.SnapshotPartLeaseName(s.Request, r.cfg.NodeName, i)
		if err := leases.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting lease %s/%s, a part no longer needed: %w", r.cfg.Namespace, name, err)
		}
	}
	r.parts[s.Request] = len(parts)
	return nil
}

// writePart puts one part of s's snapshot into the Lease name, creating it the first
// time.
func (r *recorder) writePart(ctx context.Context, s snapshot.Snapshot, name string, data []byte) error {
	leases := r.client.CoordinationV1().Leases(r.cfg.Namespace)
	holder := "seccompctl-agent/" + r.cfg.NodeName
	renew := metav1.NewMicroTime(s.Written)
	for range 3 {
		l, err := leases.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			l = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: r.cfg.Namespace,
				Labels: map[string]string{kube.LabelSnapshotOf: s.Request, "app.kubernetes.io/part-of": "seccompctl"},
			}}
			if o, ok := r.owners[s.Request]; ok {
				// Deleting the request deletes its snapshots.
				l.OwnerReferences = []metav1.OwnerReference{o}
			}
			l.Annotations = map[string]string{kube.AnnotationSnapshot: string(data)}
			l.Spec = coordinationv1.LeaseSpec{HolderIdentity: &holder, RenewTime: &renew}
			if _, err = leases.Create(ctx, l, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
				continue
			}
			return err
		}
		if err != nil {
			return err
		}
		if l.Annotations == nil {
			l.Annotations = map[string]string{}
		}
		l.Annotations[kube.AnnotationSnapshot] = string(data)
		l.Spec.HolderIdentity, l.Spec.RenewTime = &holder, &renew
		if _, err = leases.Update(ctx, l, metav1.UpdateOptions{}); apierrors.IsConflict(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("lease %s/%s kept changing", r.cfg.Namespace, name)
}

// offerStatic hands the analyzer every running container of the active requests
// whose cgroup is named for it.
func (r *recorder) offerStatic() {
	if r.static == nil {
		return
	}
	var ts []staticTarget
	seen := map[string]bool{}
	for _, rec := range r.active {
		for _, t := range rec.staticTargets() {
			t.dir = filepath.Join(r.cfg.CgroupRoot, t.dir)
			if !seen[t.dir] {
				seen[t.dir] = true
				ts = append(ts, t)
			}
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].dir < ts[j].dir })
	r.static.offer(ts)
}
