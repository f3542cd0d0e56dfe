package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/profile"
)

type k8sPatchOptions struct {
	app            *App
	file           string
	profileFile    string
	localhost      string
	runtimeDefault bool
	unconfined     bool
	container      string
	dir            string
	inPlace        bool
}

func newCmdK8sPatch(app *App) *cobra.Command {
	opts := &k8sPatchOptions{app: app}
	cmd := &cobra.Command{
		Use:   "patch -f FILE (--profile PROFILE | --localhost PATH | --runtime-default | --unconfined) [--container NAME]",
		Short: "Set securityContext.seccompProfile on the workloads of a manifest",
		Long: `Set securityContext.seccompProfile on every Pod, Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController, Job, CronJob and PodTemplate in a multi-document YAML
manifest (and in the items of a List), at pod level or, with --container, on the containers
and init containers of that name. Everything else stays as it was, comments included: the
change is a text edit, checked by decoding the result. Documents written in flow style
({...}) are re-encoded, which keeps their content and comments but not their layout.

--profile FILE points at the profile the agent installs from a ConfigMap made with
'k8s configmap FILE': localhostProfile is <dir>/<file name> relative to the kubelet's seccomp
directory. --localhost takes that relative path as is (e.g. operator/NS/NAME.json for SPO).

Warnings go to stderr: a container whose own seccompProfile overrides the pod-level one,
deprecated seccomp annotations, a workload without the named container.

Exit codes: 0 written; 2 bad flags, unreadable YAML, no workload or no such container.`,
		Example: `  ` + app.Name + ` k8s patch -f deploy.yaml --profile profiles/web.json | kubectl apply -f -
  ` + app.Name + ` k8s patch -f app.yaml --runtime-default --container sidecar --in-place
  helm template web ./chart | ` + app.Name + ` k8s patch -f - --localhost profiles/web.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runK8sPatch(opts) },
	}
	f := cmd.Flags()
	f.StringVarP(&opts.file, "filename", "f", "", "the manifest to patch (- for stdin)")
	f.StringVar(&opts.profileFile, "profile", "", "the profile file the agent installs (localhostProfile <dir>/<file name>)")
	f.StringVar(&opts.localhost, "localhost", "", "localhostProfile path relative to <kubelet root>/seccomp")
	f.BoolVar(&opts.runtimeDefault, "runtime-default", false, "use the container runtime's default profile")
	f.BoolVar(&opts.unconfined, "unconfined", false, "run without seccomp (not recommended)")
	f.StringVarP(&opts.container, "container", "c", "", "patch only containers of this name (default: the pod level)")
	f.StringVar(&opts.dir, "dir", kube.DefaultDir, "the agent's directory under <kubelet root>/seccomp, for --profile")
	f.BoolVarP(&opts.inPlace, "in-place", "i", false, "rewrite FILE (atomically) instead of printing")
	return cmd
}

func runK8sPatch(opts *k8sPatchOptions) error {
	if opts.file == "" {
		return UsageError(errors.New("patch needs -f FILE (or -f - for stdin)"))
	}
	if opts.inPlace && opts.file == "-" {
		return UsageError(errors.New("--in-place needs a file, not stdin"))
	}
	po := kube.PatchOptions{Container: opts.container}
	n := 0
	if opts.profileFile != "" {
		n++
		if err := kube.ValidDir(opts.dir); err != nil {
			return UsageError(err)
		}
		if _, err := os.Stat(opts.profileFile); err == nil {
			if _, err := loadProfiles(opts.app, opts.profileFile); err != nil {
				return UsageError(err)
			}
		}
		key := kube.ProfileKey(opts.profileFile)
		if err := kube.ValidProfileName(key); err != nil {
			return UsageError(err)
		}
		po.Type, po.LocalhostProfile = kube.TypeLocalhost, kube.LocalhostProfile(opts.dir, key)
	}
	if opts.localhost != "" {
		n++
		po.Type, po.LocalhostProfile = kube.TypeLocalhost, opts.localhost
	}
	if opts.runtimeDefault {
		n++
		po.Type = kube.TypeRuntimeDefault
	}
	if opts.unconfined {
		n++
		po.Type = kube.TypeUnconfined
	}
	if n != 1 {
		return UsageError(errors.New("give exactly one of --profile, --localhost, --runtime-default and --unconfined"))
	}
	in, err := readProfileInput(opts.app, opts.file)
	if err != nil {
		return UsageError(err)
	}
	name := opts.file
	if name == "-" {
		name = "<stdin>"
	}
	res, err := kube.Patch(in, po)
	if err != nil {
		return UsageError(fmt.Errorf("%s: %w", name, err))
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(opts.app.ErrOut, "warning: %s: %s\n", name, w)
	}
	if opts.inPlace {
		perm := os.FileMode(0o644)
		if fi, err := os.Stat(opts.file); err == nil {
			perm = fi.Mode().Perm()
		}
		if err := profile.WriteFileAtomic(opts.file, res.Data, perm); err != nil {
			return err
		}
		fmt.Fprintf(opts.app.ErrOut, "%s: patched %s\n", opts.file, strings.Join(nonNil(res.Targets), ", "))
		return nil
	}
	_, err = opts.app.Out.Write(res.Data)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
