package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
)

type k8sConfigMapOptions struct {
	app       *App
	files     []string
	name      string
	namespace string
	outDir    string
	dir       string
	complain  bool
}

func newCmdK8sConfigMap(app *App) *cobra.Command {
	opts := &k8sConfigMapOptions{app: app}
	cmd := &cobra.Command{
		Use:   "configmap PROFILE... [--name NAME] [--namespace NS] [-o DIR]",
		Short: "Put profiles in a ConfigMap the node agent installs from",
		Long: `Put profiles in one ConfigMap labelled ` + kube.LabelProfiles + `=true, which the node agent
watches. Each key is the profile's file name (a .yaml/.yml profile, or an SPO SeccompProfile,
is converted to the JSON the kubelet reads and keyed <name>.json); the agent installs it as
<kubelet root>/seccomp/profiles/<key>.

The API server refuses ConfigMaps over 1 MiB (keys and values together); that limit is
checked here, with the largest profiles named, so split big sets across several ConfigMaps.
Profiles that lint finds errors in are included with a warning: the agent will refuse them
until they are fixed.

With --complain every profile is installed in complain mode: defaultAction becomes
SCMP_ACT_LOG, so what the profile would deny is allowed and written to the audit log, and
every rule is kept. The ConfigMap is labelled ` + kube.LabelComplain + `=true and its
` + kube.AnnotationEnforced + ` annotation keeps each profile's own default action, which
'k8s promote' restores. runc 1.1 refuses SECCOMP_FILTER_FLAG_LOG, so complain mode uses an
SCMP_ACT_LOG default, not SCMP_ACT_ERRNO with FLAG_LOG. Run 'seccompctl monitor' (or the
agent's monitor) to collect what is logged.

Exit codes: 0 written; 2 --complain on a profile whose default already allows; a profile does not load, an unsafe or duplicate key, over 1 MiB.`,
		Example: `  ` + app.Name + ` k8s configmap --name web-profiles web.json api.json | kubectl apply -f -
  ` + app.Name + ` k8s configmap --namespace seccompctl-system -o manifests/ profiles/*.json
  ` + app.Name + ` k8s configmap --complain --name web web.json -o manifests/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return runK8sConfigMap(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.name, "name", "seccomp-profiles", "name of the ConfigMap")
	f.StringVarP(&opts.namespace, "namespace", "n", kube.DefaultNamespace, "namespace of the ConfigMap (the agent's, unless it watches others)")
	f.StringVarP(&opts.outDir, "output-dir", "o", "", "write DIR/<name>.yaml instead of stdout")
	f.StringVar(&opts.dir, "dir", kube.DefaultDir, "the agent's directory under <kubelet root>/seccomp (only for the hint on stderr)")
	f.BoolVar(&opts.complain, "complain", false, "install in complain mode: defaultAction SCMP_ACT_LOG, the enforced default kept in an annotation for 'k8s promote'")
	return cmd
}

func runK8sConfigMap(opts *k8sConfigMapOptions) error {
	var files []kube.ProfileFile
	for _, path := range opts.files {
		pf, err := profileFiles(opts.app, path)
		if err != nil {
			return err
		}
		files = append(files, pf...)
	}
	cmOpts := kube.ConfigMapOptions{Name: opts.name, Namespace: opts.namespace}
	if opts.complain {
		var err error
		if files, cmOpts.Complain, err = complainFiles(files); err != nil {
			return UsageError(err)
		}
		cmOpts.ComplainSince = time.Now()
	}
	for _, f := range files {
		warnLint(opts.app.ErrOut, f)
	}
	cm, err := kube.ConfigMap(cmOpts, files)
	if err != nil {
		return UsageError(err)
	}
	data, err := kube.Marshal(cm)
	if err != nil {
		return err
	}
	return writeManifests(opts.app, opts.outDir, opts.name+".yaml", data)
}

// complainFiles turns every profile into its complain-mode form and returns the
// default action each one enforces, by key.
func complainFiles(files []kube.ProfileFile) ([]kube.ProfileFile, map[string]kube.Enforced, error) {
	enforced := map[string]kube.Enforced{}
	out := make([]kube.ProfileFile, 0, len(files))
	for _, f := range files {
		p, err := profile.Parse(f.Key, f.Data)
		if err != nil {
			return nil, nil, err
		}
		c, e, err := kube.Complain(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Key, err)
		}
		data, err := c.Marshal()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Key, err)
		}
		enforced[f.Key] = e
		out = append(out, kube.ProfileFile{Key: f.Key, Data: data})
	}
	return out, enforced, nil
}

// profileFiles loads the profiles in path and returns them as the JSON the kubelet
// reads, keyed by file name. A JSON profile is kept byte for byte.
func profileFiles(app *App, path string) ([]kube.ProfileFile, error) {
	raw, err := readProfileInput(app, path)
	if err != nil {
		return nil, UsageError(err)
	}
	ps, err := profile.ParseAll(path, raw)
	if err != nil {
		return nil, UsageError(err)
	}
	var out []kube.ProfileFile
	for _, p := range ps {
		if len(ps) == 1 && p.Source != nil && p.Source.Format == profile.FormatJSON {
			out = append(out, kube.ProfileFile{Key: kube.ProfileKey(path), Data: raw})
			continue
		}
		data, err := p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		key := kube.ProfileKey(path)
		if p.Source != nil && p.Source.Format == profile.FormatSPO || len(ps) > 1 {
			key = profile.ResourceName(p.Name()) + ".json"
		}
		out = append(out, kube.ProfileFile{Key: key, Data: data})
	}
	return out, nil
}

// warnLint says which profiles the agent will refuse, with the agent's own check.
func warnLint(w io.Writer, f kube.ProfileFile) {
	p, err := profile.Parse(f.Key, f.Data)
	if err != nil {
		return
	}
	fs, err := lint.Lint(p, lint.Options{})
	if err != nil {
		return
	}
	if n := lint.Count(fs, lint.Error); n > 0 {
		fmt.Fprintf(w, "warning: %s: lint finds %d error(s); the agent will refuse to install it (see 'seccompctl lint %s')\n", f.Key, n, f.Key)
	}
}
