package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"

	"github.com/seccompctl/seccompctl/kube"
)

// Agent installs the profiles of labelled ConfigMaps on one node.
type Agent struct {
	cfg      Config
	log      *slog.Logger
	client   kubernetes.Interface
	store    *Store
	metrics  *metrics
	validate *cachedValidator
	status   *statusReporter
	logged   *LoggedStore
	pods     *recorder // records pods for recording requests; nil without Config.Record

	recorder    record.EventRecorder
	broadcaster record.EventBroadcaster

	lister  corelisters.ConfigMapLister
	trigger chan struct{}

	synced   atomic.Bool // the informer has listed and a first sync has run
	loopSeen atomic.Int64
	mu       sync.Mutex
	last     SyncResult
	reported map[string]Rejection // rejections already told about in an Event
}

// Option adjusts an Agent.
type Option func(*Agent)

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(a *Agent) { a.log = l } }

// WithValidator replaces the lint check (tests use it to count calls).
func WithValidator(v Validator) Option { return func(a *Agent) { a.validate = newCachedValidator(v) } }

// WithRESTConfig uses cfg to reach the API server instead of Config.Kubeconfig.
func WithRESTConfig(cfg *rest.Config) Option {
	return func(a *Agent) {
		if c, err := kubernetes.NewForConfig(cfg); err == nil {
			a.client = c
		}
	}
}

// New checks cfg, opens the target directory (creating it) and connects a client. It
// does not contact the API server yet.
func New(cfg Config, opts ...Option) (*Agent, error) {
	if err := cfg.SetDefaults(); err != nil {
		return nil, err
	}
	a := &Agent{cfg: cfg, log: slog.Default(), metrics: newMetrics(), trigger: make(chan struct{}, 1), reported: map[string]Rejection{}}
	for _, o := range opts {
		o(a)
	}
	if a.validate == nil {
		a.validate = newCachedValidator(LintValidator(cfg.Runtimes, kernelRelease()))
	}
	if a.client == nil {
		rc, err := restConfig(cfg.Kubeconfig)
		if err != nil {
			return nil, err
		}
		rc.UserAgent = "seccompctl-agent/" + cfg.NodeName
		c, err := kubernetes.NewForConfig(rc)
		if err != nil {
			return nil, err
		}
		a.client = c
	}
	// The kubelet creates <root>/seccomp only when it needs it; the agent may come first.
	if err := os.MkdirAll(cfg.SeccompDir(), 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", cfg.SeccompDir(), err)
	}
	st, err := OpenStore(cfg.SeccompDir(), cfg.Dir)
	if err != nil {
		return nil, err
	}
	a.store = st
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", cfg.StateDir, err)
	}
	lg, err := OpenLogged(filepath.Join(cfg.StateDir, LoggedFile), cfg.MaxLogged)
	if err != nil {
		return nil, err
	}
	a.logged = lg
	a.observeLogged()
	if cfg.Record {
		if a.cfg.CgroupRoot == "" {
			mi, err := os.ReadFile("/proc/self/mountinfo")
			if err != nil {
				return nil, fmt.Errorf("finding the cgroup v2 mount: %w", err)
			}
			if a.cfg.CgroupRoot, err = cgroup2Mount(string(mi)); err != nil {
				return nil, err
			}
		}
		if fi, err := os.Stat(a.cfg.CgroupRoot); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("cgroup root %s: not a directory (pass the host's cgroup v2 mount as --cgroup-root)", a.cfg.CgroupRoot)
		}
		// A hybrid host's whole /sys/fs/cgroup may be what is mounted: its v2 part is below.
		if u := hybridCgroupRoot(a.cfg.CgroupRoot); u != a.cfg.CgroupRoot {
			a.log.Info("cgroup root is a hybrid host's cgroup directory: recording below its cgroup v2 part", "given", a.cfg.CgroupRoot, "using", u)
			a.cfg.CgroupRoot = u
		}
		root, max := a.cfg.CgroupRoot, a.cfg.RecordMaxCgroups
		a.pods = newRecorder(a.cfg, a.log, a.client, a.metrics, func() (cgroupSource, string, error) { return newCgroupSource(root, max) })
	}
	a.status = &statusReporter{client: a.client, namespace: cfg.Namespace, node: cfg.NodeName,
		dir: st.Path(), duration: 3 * cfg.ResyncPeriod}
	return a, nil
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		c, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
		}
		return c, nil
	}
	c, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("not running in a pod (%w): pass --kubeconfig", err)
	}
	return c, nil
}

func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// Registry is where the agent's metrics live; the monitor adds its own to it.
func (a *Agent) Registry() *prometheus.Registry { return a.metrics.reg }

// Store is the agent's target directory.
func (a *Agent) Store() *Store { return a.store }

// Last returns the result of the most recent sync.
func (a *Agent) Last() SyncResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

// Ready reports whether the agent has seen the ConfigMaps and synced at least once.
func (a *Agent) Ready() bool { return a.synced.Load() }

// Run watches ConfigMaps and keeps the directory in step until ctx is done. While the
// API server is unreachable the informer keeps its last state and the files stay as
// they are; when it comes back the informer relists and the next sync catches up.
func (a *Agent) Run(ctx context.Context) error {
	defer a.store.Close()
	a.broadcaster = record.NewBroadcaster(record.WithContext(ctx))
	a.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: a.client.CoreV1().Events("")})
	defer a.broadcaster.Shutdown()
	a.recorder = a.broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "seccompctl-agent", Host: a.cfg.NodeName})

	ns := a.cfg.Namespace
	if a.cfg.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	factory := informers.NewSharedInformerFactoryWithOptions(a.client, 0,
		informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = a.cfg.LabelSelector }))
	inf := factory.Core().V1().ConfigMaps()
	a.lister = inf.Lister()
	kick := func(any) { a.kick() }
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    kick,
		UpdateFunc: func(_, _ any) { a.kick() },
		DeleteFunc: kick,
	}); err != nil {
		return err
	}

	var srv *http.Server
	if a.cfg.ListenAddress != "-" {
		ln, err := net.Listen("tcp", a.cfg.ListenAddress)
		if err != nil {
			return fmt.Errorf("listening on %s: %w", a.cfg.ListenAddress, err)
		}
		srv = &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
	}

	if a.cfg.Monitor {
		if err := a.startMonitor(ctx); err != nil {
			return err
		}
	}
	if a.pods != nil {
		// Its last snapshots are written when ctx ends; Run returns after them.
		recorded := make(chan struct{})
		go func() {
			if err := a.pods.run(ctx); err != nil {
				a.log.Error("recording stopped", "err", err)
			}
			close(recorded)
		}()
		defer func() { <-recorded }()
	}
	// The last save runs when ctx ends; Run returns only after it, so a restart reads it.
	saved := make(chan struct{})
	go func() { a.saveLogged(ctx); close(saved) }()
	defer func() { <-saved }()
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	a.log.Info("agent started", "node", a.cfg.NodeName, "dir", a.store.Path(), "namespace", ns, "selector", a.cfg.LabelSelector)
	// Nothing is removed before the first complete list: an empty cache must not read
	// as "every ConfigMap was deleted".
	for !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
		if ctx.Err() != nil {
			return nil
		}
	}
	a.loop(ctx)
	return nil
}

func (a *Agent) kick() {
	select {
	case a.trigger <- struct{}{}:
	default:
	}
}

// loop syncs on every change (coalesced), on every resync tick, and after a failure
// with a growing delay.
func (a *Agent) loop(ctx context.Context) {
	tick := time.NewTicker(a.cfg.ResyncPeriod)
	defer tick.Stop()
	backoff := time.Duration(0)
	var retry <-chan time.Time
	a.kick()
	for {
		a.loopSeen.Store(time.Now().UnixNano())
		select {
		case <-ctx.Done():
			return
		case <-a.trigger:
			// Let a burst of events (a kubectl apply of many ConfigMaps) land first.
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
				return
			}
		case <-tick.C:
		case <-retry:
		}
		retry = nil
		if err := a.SyncOnce(ctx); err != nil {
			backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
			a.log.Warn("sync failed; retrying", "in", backoff, "err", err)
			retry = time.After(backoff)
		} else {
			backoff = 0
		}
	}
}

// SyncOnce plans from the informer's cache and applies the plan to the directory,
// then reports. It returns the first error changing the directory, if any.
func (a *Agent) SyncOnce(ctx context.Context) error {
	start := time.Now()
	cms, err := a.lister.List(labels.Everything())
	if err != nil {
		return err
	}
	sources := make([]*Source, 0, len(cms))
	byID := map[string]*corev1.ConfigMap{}
	for _, cm := range cms {
		s := &Source{Namespace: cm.Namespace, Name: cm.Name, UID: string(cm.UID), Created: cm.CreationTimestamp.Time,
			Data: make(map[string]string, len(cm.Data)+len(cm.BinaryData))}
		for k, v := range cm.Data {
			s.Data[k] = v
		}
		for k, v := range cm.BinaryData {
			s.Data[k] = string(v)
		}
		for k := range s.Data {
			if kube.InComplainMode(cm, k) {
				if s.Complain == nil {
					s.Complain = map[string]bool{}
				}
				s.Complain[k] = true
			}
		}
		sources = append(sources, s)
		byID[s.ID()] = cm
	}
	p := plan(sources, a.validate.validate)
	a.validate.prune()
	res := apply(a.store, p)
	took := time.Since(start)

	a.mu.Lock()
	a.last = res
	a.mu.Unlock()
	a.record(res, byID)
	a.observe(res, len(cms), took)
	a.trackModes(p, res)
	if len(res.Created)+len(res.Updated)+len(res.Removed) > 0 {
		a.log.Info("synced", "created", res.Created, "updated", res.Updated, "removed", res.Removed,
			"unchanged", res.Unchanged, "rejected", len(res.Rejected), "took", took.Round(time.Millisecond).String())
	}
	if err := a.status.update(ctx, res, a.logged.State(), time.Now()); err != nil {
		a.metrics.statusFailures.Inc()
		a.log.Warn("status Lease not updated", "err", err)
	}
	a.synced.Store(true)
	if len(res.Errors) > 0 {
		return errors.Join(res.Errors...)
	}
	return nil
}

// trackModes tells the logged store which profiles are installed in complain mode, so
// the entries of a profile promoted to enforcing are dropped.
func (a *Agent) trackModes(p Plan, res SyncResult) {
	if res.Installed == nil {
		return // the sync failed before it knew what is installed
	}
	installed := map[string]bool{}
	var kept []string
	for name, o := range res.Installed {
		if w, ok := p.Want[name]; ok && o.SHA256 == w.SHA256 {
			installed[name] = w.Complain
		} else {
			// An older version is still there (the new one refused, or its write
			// failed): its mode stays what it was.
			kept = append(kept, name)
		}
	}
	if promoted := a.logged.SetModes(installed, kept); len(promoted) > 0 {
		a.log.Info("profiles now enforcing: their logged syscalls are dropped", "profiles", promoted)
		a.observeLogged()
	}
}

func (a *Agent) observe(res SyncResult, configMaps int, took time.Duration) {
	m := a.metrics
	n := 0
	for _, o := range res.Installed {
		if o.SHA256 != "" {
			n++
		}
	}
	m.installed.Set(float64(n))
	m.configMaps.Set(float64(configMaps))
	counts := map[string]int{}
	for _, r := range res.Rejected {
		counts[r.Reason]++
	}
	for _, reason := range []string{ReasonUnsafeName, ReasonInvalid, ReasonConflict, ReasonNotOwned, ReasonWrite} {
		m.rejected.WithLabelValues(reason).Set(float64(counts[reason]))
	}
	m.fileOps.WithLabelValues("create").Add(float64(len(res.Created)))
	m.fileOps.WithLabelValues("update").Add(float64(len(res.Updated)))
	m.fileOps.WithLabelValues("remove").Add(float64(len(res.Removed)))
	m.syncDuration.Observe(took.Seconds())
	if len(res.Errors) > 0 {
		m.syncs.WithLabelValues("error").Inc()
	} else {
		m.syncs.WithLabelValues("ok").Inc()
		m.lastSync.SetToCurrentTime()
	}
}

// record emits an Event on the ConfigMap for every refusal not reported before, and a
// summary Event for every ConfigMap whose files changed on this node.
func (a *Agent) record(res SyncResult, byID map[string]*corev1.ConfigMap) {
	now := map[string]Rejection{}
	for _, r := range res.Rejected {
		id := r.Source + "\x00" + r.Key
		now[id] = r
		if old, ok := a.reported[id]; ok && old == r {
			continue
		}
		a.metrics.installErrors.WithLabelValues(r.Reason).Inc()
		a.log.Warn("profile refused", "configmap", r.Source, "key", r.Key, "reason", r.Reason, "message", r.Message)
		if cm := byID[r.Source]; cm != nil {
			a.recorder.Eventf(cm, corev1.EventTypeWarning, r.Reason, "node %s: profile %s not installed: %s",
				a.cfg.NodeName, r.Key, truncate(r.Message, 900))
		}
	}
	a.reported = now

	changes := map[string][]string{}
	add := func(verb string, names []string, src func(string) string) {
		for _, n := range names {
			changes[src(n)] = append(changes[src(n)], verb+" "+n)
		}
	}
	owner := func(n string) string { return res.Installed[n].Source }
	add("installed", res.Created, owner)
	add("updated", res.Updated, owner)
	ids := make([]string, 0, len(changes))
	for id := range changes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if cm := byID[id]; cm != nil {
			a.recorder.Eventf(cm, corev1.EventTypeNormal, "ProfilesInstalled", "node %s: %s",
				a.cfg.NodeName, truncate(strings.Join(changes[id], ", "), 900))
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// Handler serves /healthz (the sync loop is alive), /readyz (the ConfigMaps have been
// listed and synced once) and /metrics.
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		seen := a.loopSeen.Load()
		// The loop wakes at least every resync period; three missed wake-ups mean it is
		// stuck (a hung filesystem, a deadlock).
		if seen != 0 && time.Since(time.Unix(0, seen)) > 3*a.cfg.ResyncPeriod+time.Minute {
			http.Error(w, "sync loop stuck since "+time.Unix(0, seen).UTC().Format(time.RFC3339), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !a.Ready() {
			http.Error(w, "not synced yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}
