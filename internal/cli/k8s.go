package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/kube"
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
	cmd.AddCommand(newCmdK8sConfigMap(app), newCmdK8sProfileCR(app), newCmdK8sPatch(app), newCmdK8sInstall(app), newCmdK8sPromote(app), newCmdK8sStatus(app), newCmdK8sRecord(app))
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
