package cli

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/promotion"
)

type k8sPromoteOptions struct {
	app                 *App
	file                string
	logs                []string
	cleanFor            time.Duration
	allowDangerous      bool
	includeUnattributed bool
	out                 string
	key                 string
	name                string
	namespace           string
	apply               bool
	kubeconfig          string
	nameSet             bool
	runtimes            []string
	now                 func() time.Time
}

func newCmdK8sPromote(app *App) *cobra.Command {
	opts := &k8sPromoteOptions{app: app, now: time.Now}
	cmd := &cobra.Command{
		Use:   "promote (PROFILE --from MONITOR_LOG... | KEY --apply) [--clean-for 24h] [--allow-dangerous] [-o FILE]",
		Short: "Turn a complain-mode profile into the enforcing one, adding what was logged",
		Long: `Promote a complain-mode profile (from 'k8s configmap --complain') to enforcement. PROFILE
is the complain-mode ConfigMap manifest (one profile in it) or the profile file itself;
--from names the JSON lines 'seccompctl monitor --format json' wrote while it ran.

Every syscall logged under the profile is added as its own SCMP_ACT_ALLOW rule, commented
with the nodes, pods and containers it was seen in, how often, and when first and last.
The enforced default action comes back: the one recorded in the ConfigMap's
` + kube.AnnotationEnforced + ` annotation, or SCMP_ACT_ERRNO for a profile file. The
result is written as the ConfigMap the agent installs from (same name and namespace,
the complain label removed).

Promotion is refused while the profile has been clean (nothing logged) for less than
--clean-for, counted from the last logged record, or from the ConfigMap's
` + kube.AnnotationComplainSince + ` when nothing was logged; when a logged syscall is
dangerous, unless --allow-dangerous; and when lint finds errors in the result (the agent
would refuse it). Records attributed to another Localhost profile, or not logged by
SCMP_ACT_LOG, are left out; records without a known profile (a process outside a pod)
count only with --include-unattributed.

runc 1.1 refuses SECCOMP_FILTER_FLAG_LOG, so complain mode is an SCMP_ACT_LOG default,
not SCMP_ACT_ERRNO with FLAG_LOG.

With --apply, KEY is the profile's key (web.json) and everything comes from the cluster
(client-go, your kubeconfig): the labelled ConfigMap in -n that holds KEY, and what every
node's agent logged under it (its status Lease, as 'k8s status' reads it; --from reads
logs instead). The promoted profile replaces the complain-mode one in that ConfigMap, the
complain label and annotations go, and the agents install it. The update carries the
resourceVersion read: if the ConfigMap changed meanwhile, nothing is overwritten (exit 1;
run promote again). Once the enforcing profile is installed, each agent drops what it
logged under KEY, so 'k8s status KEY' starts clean. Needs list on ConfigMaps and Leases
and update on ConfigMaps in -n. -o also writes the manifest.

Exit codes: 0 promoted; 1 refused (the reasons on stderr, nothing written) or the
ConfigMap changed concurrently; 2 bad input.`,
		Example: `  ` + app.Name + ` k8s promote manifests/web.yaml --from violations.jsonl --clean-for 24h -o web-enforced.yaml
  kubectl apply -f web-enforced.yaml
  ` + app.Name + ` k8s promote web.json --apply --clean-for 24h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			opts.nameSet = cmd.Flags().Changed("name")
			if opts.apply {
				return runK8sPromoteApply(contextOf(cmd), opts)
			}
			if len(opts.logs) == 0 {
				return UsageError(fmt.Errorf("k8s promote: --from is required (or --apply, to read the logs from the cluster)"))
			}
			return runK8sPromote(opts)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.logs, "from", nil, "monitor JSON-lines log (repeat or comma-separate; - for stdin)")
	f.DurationVar(&opts.cleanFor, "clean-for", 24*time.Hour, "refuse unless nothing was logged for this long (0 skips the check)")
	f.BoolVar(&opts.allowDangerous, "allow-dangerous", false, "add logged syscalls that are on the dangerous list")
	f.BoolVar(&opts.includeUnattributed, "include-unattributed", false, "count records with no known profile (processes outside pods) as this profile's")
	f.StringVarP(&opts.out, "output", "o", "", "write the enforced ConfigMap manifest to FILE instead of stdout")
	f.StringVar(&opts.key, "key", "", "the profile's key (default: the ConfigMap's only key, or the file name)")
	f.StringVar(&opts.name, "name", "seccomp-profiles", "name of the ConfigMap, for a profile file")
	f.StringVarP(&opts.namespace, "namespace", "n", kube.DefaultNamespace, "namespace of the ConfigMap, for a profile file; with --apply, the agent's namespace, where the ConfigMap and the status Leases are")
	f.StringSliceVar(&opts.runtimes, "runtime", nil, "the nodes' runtimes lint checks the promoted profile for, as the agent's --runtime (runc, crun, containerd, cri-o; default: the ConfigMap's "+kube.AnnotationRuntimes+", else all)")
	f.BoolVar(&opts.apply, "apply", false, "read the complain-mode ConfigMap holding KEY and the logged syscalls from the cluster, and update the ConfigMap")
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "with --apply: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	return cmd
}

func runK8sPromote(opts *k8sPromoteOptions) error {
	if err := checkOutputPath("-o", opts.out); err != nil {
		return err
	}
	p, popts, cmOpts, err := loadComplain(opts)
	if err != nil {
		return UsageError(err)
	}
	vs, err := readLogs(opts)
	if err != nil {
		return err
	}
	data, added, err := promote(opts, p, &popts, vs)
	if err != nil {
		return err
	}
	cm, err := kube.ConfigMap(cmOpts, []kube.ProfileFile{{Key: popts.Key, Data: data}})
	if err != nil {
		return UsageError(err)
	}
	manifest, err := kube.Marshal(cm)
	if err != nil {
		return err
	}
	if err := writeOutput(opts.app, opts.out, manifest); err != nil {
		return err
	}
	fmt.Fprintf(opts.app.ErrOut, "promoted %s: %d syscall(s) added, defaultAction %s\n", popts.Key, added, popts.Enforced)
	return nil
}

// readLogs reads the --from files.
func readLogs(opts *k8sPromoteOptions) ([]monitor.Violation, error) {
	var vs []monitor.Violation
	for _, name := range opts.logs {
		raw, err := readProfileInput(opts.app, name)
		if err != nil {
			return nil, UsageError(err)
		}
		got, err := promotion.ReadLog(inputName(name), bytes.NewReader(raw))
		if err != nil {
			return nil, UsageError(err)
		}
		vs = append(vs, got...)
	}
	return vs, nil
}

// promote runs the promotion, prints what it adds and leaves out, and returns the
// promoted profile's JSON and how many syscalls were added; a refusal is exit 1 with
// the reasons on stderr.
func promote(opts *k8sPromoteOptions, p *profile.Profile, popts *promotion.Options, vs []monitor.Violation) ([]byte, int, error) {
	popts.CleanFor, popts.Now = opts.cleanFor, opts.now()
	popts.AllowDangerous, popts.IncludeUnattributed = opts.allowDangerous, opts.includeUnattributed
	if len(opts.runtimes) > 0 {
		popts.Runtimes = opts.runtimes
	} else if len(popts.Runtimes) > 0 {
		fmt.Fprintf(opts.app.ErrOut, "linting for %s, the runtimes the profile was collected for (%s; --runtime overrides)\n", strings.Join(popts.Runtimes, " and "), kube.AnnotationRuntimes)
	}
	res, err := promotion.Promote(p, vs, *popts)
	if err != nil {
		return nil, 0, UsageError(fmt.Errorf("%s: %w", opts.file, err))
	}
	w := opts.app.ErrOut
	// Sorted, so the same logs always give the same stderr.
	for _, why := range slices.Sorted(maps.Keys(res.Skipped)) {
		fmt.Fprintf(w, "left out %d record(s): %s\n", res.Skipped[why], why)
	}
	for _, s := range res.Added {
		fmt.Fprintf(w, "adds %s: logged %d time(s) by %v\n", s.Syscall, s.Count, s.Where)
	}
	if len(res.Refused) > 0 {
		for _, why := range res.Refused {
			fmt.Fprintf(w, "refused: %s\n", why)
		}
		return nil, 0, FailError(errors.New("not promoted: " + popts.Key))
	}
	data, err := res.Profile.Marshal()
	return data, len(res.Added), err
}

// loadComplain reads PROFILE: a complain-mode ConfigMap manifest, or a profile file.
func loadComplain(opts *k8sPromoteOptions) (*profile.Profile, promotion.Options, kube.ConfigMapOptions, error) {
	var popts promotion.Options
	cmOpts := kube.ConfigMapOptions{Name: opts.name, Namespace: opts.namespace}
	raw, err := readProfileInput(opts.app, opts.file)
	if err != nil {
		return nil, popts, cmOpts, err
	}
	name := inputName(opts.file)
	cm, cmErr := kube.ParseConfigMap(name, raw)
	if cmErr != nil {
		p, err := profile.Parse(name, raw)
		if err != nil {
			return nil, popts, cmOpts, err
		}
		popts.Key = opts.key
		if popts.Key == "" {
			popts.Key = kube.ProfileKey(opts.file)
		}
		if err := kube.ValidProfileName(popts.Key); err != nil {
			return nil, popts, cmOpts, fmt.Errorf("%s: %w (name it with --key)", name, err)
		}
		popts.Enforced = kube.Enforced{DefaultAction: profile.ActErrno}
		return p, popts, cmOpts, nil
	}
	return complainFromConfigMap(name, cm, opts.key)
}

// complainFromConfigMap reads the one complain-mode profile of cm (or the one under key).
func complainFromConfigMap(name string, cm *corev1.ConfigMap, key string) (*profile.Profile, promotion.Options, kube.ConfigMapOptions, error) {
	var popts promotion.Options
	cmOpts := kube.ConfigMapOptions{Name: cm.Name, Namespace: cm.Namespace}
	keys := kube.Keys(cm)
	switch {
	case key != "":
		popts.Key = key
		if _, ok := cm.Data[key]; !ok {
			return nil, popts, cmOpts, fmt.Errorf("%s: ConfigMap %s has no key %q (it has: %v)", name, cm.Name, key, keys)
		}
		if len(keys) > 1 {
			return nil, popts, cmOpts, fmt.Errorf("%s: ConfigMap %s holds %d profiles; promote writes one ConfigMap per profile, so put each complain-mode profile in its own ConfigMap", name, cm.Name, len(keys))
		}
	case len(keys) != 1:
		return nil, popts, cmOpts, fmt.Errorf("%s: ConfigMap %s holds %d profiles (%v); promote takes a ConfigMap with one profile", name, cm.Name, len(keys), keys)
	default:
		popts.Key = keys[0]
	}
	p, err := profile.Parse(name+":"+popts.Key, []byte(cm.Data[popts.Key]))
	if err != nil {
		return nil, popts, cmOpts, err
	}
	st, err := kube.ComplainStateOf(cm, popts.Key)
	if err != nil {
		return nil, popts, cmOpts, fmt.Errorf("%s: %w", name, err)
	}
	popts.Enforced = kube.Enforced{DefaultAction: profile.ActErrno}
	if st.Recorded {
		popts.Enforced = st.Enforced
	}
	popts.ComplainSince = st.Since
	if rts := cm.Annotations[kube.AnnotationRuntimes]; rts != "" {
		popts.Runtimes = strings.Split(rts, ",")
	}
	return p, popts, cmOpts, nil
}
