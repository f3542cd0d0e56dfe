package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/profile"
)

type k8sProfileCROptions struct {
	app       *App
	files     []string
	name      string
	namespace string
	outDir    string
}

func newCmdK8sProfileCR(app *App) *cobra.Command {
	opts := &k8sProfileCROptions{app: app}
	cmd := &cobra.Command{
		Use:   "profile-cr PROFILE... [--namespace NS] [--name NAME] [-o DIR]",
		Short: "Write profiles as Security Profiles Operator SeccompProfile resources",
		Long: `Write each profile as a SeccompProfile resource of the Security Profiles Operator
(` + profile.SPOGroup + `/` + profile.SPOVersion + `), for clusters that run that operator instead of the
seccompctl agent. The resource is named after the profile (--name for a single one); SPO
installs it on the nodes, and pods name it as localhostProfile
operator/<namespace>/<name>.json.

Profiles SPO cannot express (archMap, includes/excludes, a custom defaultErrnoRet) are refused
with the reason.

Exit codes: 0 written; 2 a profile does not load or cannot be expressed.`,
		Example: `  ` + app.Name + ` k8s profile-cr --namespace web web.json | kubectl apply -f -
  ` + app.Name + ` k8s patch -f deploy.yaml --localhost operator/web/web.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return runK8sProfileCR(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.name, "name", "", "resource name (only with one profile; default the profile's name)")
	f.StringVarP(&opts.namespace, "namespace", "n", "", "namespace of the resources (default: none, kubectl's current)")
	f.StringVarP(&opts.outDir, "output-dir", "o", "", "write DIR/<name>.yaml for each profile instead of stdout")
	return cmd
}

func runK8sProfileCR(opts *k8sProfileCROptions) error {
	var ps []*profile.Profile
	for _, path := range opts.files {
		loaded, err := loadProfiles(opts.app, path)
		if err != nil {
			return UsageError(err)
		}
		ps = append(ps, loaded...)
	}
	if opts.name != "" && len(ps) != 1 {
		return UsageError(fmt.Errorf("--name needs exactly one profile, got %d", len(ps)))
	}
	for _, p := range ps {
		res := profile.Resource{}
		if p.Resource != nil {
			res = *p.Resource
		}
		if opts.name != "" {
			res.Name = opts.name
		}
		if res.Name == "" {
			res.Name = p.Name()
		}
		if opts.namespace != "" {
			res.Namespace = opts.namespace
		}
		p.Resource = &res
	}
	if opts.outDir == "" {
		data, err := profile.MarshalSPO(ps...)
		if err != nil {
			return UsageError(err)
		}
		_, err = opts.app.Out.Write(data)
		return err
	}
	for _, p := range ps {
		data, err := profile.MarshalSPO(p)
		if err != nil {
			return UsageError(err)
		}
		if err := writeManifests(opts.app, opts.outDir, profile.ResourceName(p.Name())+".yaml", data); err != nil {
			return err
		}
	}
	return nil
}
