package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
)

func newCmdK8s(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "k8s",
		Short: "Generate Kubernetes manifests: profile ConfigMaps, SPO resources, workload patches, the agent",
		Long: `Generate the Kubernetes side of shipping seccomp profiles. Output is YAML on stdout, or
files in a directory with -o.

The node agent (see '` + app.Name + ` agent') installs every profile of a ConfigMap labelled
` + kube.LabelProfiles + `=true as <kubelet root>/seccomp/profiles/<key> on every node; a pod then
names it with seccompProfile {type: Localhost, localhostProfile: profiles/<key>}.`,
		Example: `  ` + app.Name + ` k8s install | kubectl apply -f -
  ` + app.Name + ` k8s configmap --name web-profiles web.json api.json | kubectl apply -f -
  ` + app.Name + ` k8s patch -f deploy.yaml --profile web.json | kubectl apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdK8sConfigMap(app), newCmdK8sProfileCR(app), newCmdK8sPatch(app), newCmdK8sInstall(app))
	return cmd
}

// writeManifests writes data to stdout, or to dir/name atomically.
func writeManifests(app *App, dir, name string, data []byte) error {
	if dir == "" {
		_, err := app.Out.Write(data)
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return UsageError(fmt.Errorf("output directory %s: %w", dir, err))
	}
	path := filepath.Join(dir, name)
	if err := profile.WriteFileAtomic(path, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(app.ErrOut, "wrote %s\n", path)
	return nil
}

// ---- configmap

type k8sConfigMapOptions struct {
	app       *App
	files     []string
	name      string
	namespace string
	outDir    string
	dir       string
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

Exit codes: 0 written; 2 a profile does not load, an unsafe or duplicate key, over 1 MiB.`,
		Example: `  ` + app.Name + ` k8s configmap --name web-profiles web.json api.json | kubectl apply -f -
  ` + app.Name + ` k8s configmap --namespace seccompctl-system -o manifests/ profiles/*.json`,
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
	for _, f := range files {
		warnLint(opts.app.ErrOut, f)
	}
	cm, err := kube.ConfigMap(kube.ConfigMapOptions{Name: opts.name, Namespace: opts.namespace}, files)
	if err != nil {
		return UsageError(err)
	}
	data, err := kube.Marshal(cm)
	if err != nil {
		return err
	}
	return writeManifests(opts.app, opts.outDir, opts.name+".yaml", data)
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

// ---- profile-cr

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

// ---- patch

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

// ---- install

type k8sInstallOptions struct {
	app    *App
	o      kube.InstallOptions
	outDir string
}

func newCmdK8sInstall(app *App) *cobra.Command {
	opts := &k8sInstallOptions{app: app}
	cmd := &cobra.Command{
		Use:   "install [--image IMAGE] [--kubelet-root DIR] [--monitor] [-o DIR]",
		Short: "Print the node agent's manifests: Namespace, ServiceAccount, RBAC, DaemonSet",
		Long: `Print the manifests that run the node agent on every node: its Namespace, ServiceAccount,
a Role that only reads ConfigMaps and writes Events and per-node status Leases in that
namespace, and a DaemonSet with the kubelet's seccomp directory as its only hostPath, no
capabilities, a read-only root filesystem, the runtime's default seccomp profile, resource
requests and health probes. The same manifests, with the defaults, are the kustomize base in
deploy/base.

--monitor also counts seccomp violations by pod: it adds the host's PID and network
namespaces (audit records reach only the initial network namespace), CAP_AUDIT_READ and the
CRI socket, so it is off unless asked for.`,
		Example: `  ` + app.Name + ` k8s install | kubectl apply -f -
  ` + app.Name + ` k8s install --image registry.example/seccompctl:v1.0.0 --monitor -o deploy/
  ` + app.Name + ` k8s install --runtime runc   # nodes run containerd with runc
  kubectl apply -k deploy/base`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runK8sInstall(opts) },
	}
	f := cmd.Flags()
	f.StringVar(&opts.o.Image, "image", kube.DefaultImage, "the agent's image (its entrypoint is seccompctl)")
	f.StringVar(&opts.o.ImagePullPolicy, "image-pull-policy", "IfNotPresent", "Always, IfNotPresent or Never")
	f.StringVarP(&opts.o.Namespace, "namespace", "n", kube.DefaultNamespace, "the agent's namespace, where it reads profile ConfigMaps")
	f.StringVar(&opts.o.KubeletRoot, "kubelet-root", kube.DefaultKubeletRoot, "the kubelet's --root-dir on the nodes")
	f.StringVar(&opts.o.Dir, "dir", kube.DefaultDir, "directory under <kubelet root>/seccomp the agent installs into")
	f.IntVar(&opts.o.Port, "port", kube.DefaultPort, "port of /healthz, /readyz and /metrics")
	f.BoolVar(&opts.o.Monitor, "monitor", false, "also monitor seccomp violations (needs host PID and network namespaces, CAP_AUDIT_READ, the CRI socket)")
	f.StringVar(&opts.o.CRISocket, "cri-socket", kube.DefaultCRISocket, "the node's CRI socket, with --monitor")
	f.StringSliceVar(&opts.o.Runtimes, "runtime", nil, "the nodes' OCI runtimes, for the agent's lint (runc, crun, containerd, cri-o; default all)")
	cmd.RegisterFlagCompletionFunc("runtime", cobra.FixedCompletions(lint.Runtimes(), cobra.ShellCompDirectiveNoFileComp))
	f.StringVarP(&opts.outDir, "output-dir", "o", "", "write DIR/seccompctl-agent.yaml instead of stdout")
	return cmd
}

func runK8sInstall(opts *k8sInstallOptions) error {
	for _, r := range opts.o.Runtimes {
		if !slices.Contains(lint.Runtimes(), r) {
			return UsageError(fmt.Errorf("--runtime %q: want one of %v", r, lint.Runtimes()))
		}
	}
	objs, err := kube.Install(opts.o)
	if err != nil {
		return UsageError(err)
	}
	data, err := kube.Marshal(objs...)
	if err != nil {
		return err
	}
	return writeManifests(opts.app, opts.outDir, kube.AgentName+".yaml", data)
}
