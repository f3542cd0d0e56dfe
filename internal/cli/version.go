package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Version is set at build time with -ldflags "-X github.com/seccompctl/seccompctl/internal/cli.Version=v1.2.3".
var Version = ""

type versionInfo struct {
	Version       string `json:"version"`
	GoVersion     string `json:"goVersion"`
	Platform      string `json:"platform"`
	SyscallTables string `json:"syscallTables"`
}

func newCmdVersion(app *App) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of seccompctl",
		Example: `  seccompctl version
  seccompctl version --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			info := versionInfo{
				Version:       buildVersion(),
				GoVersion:     runtime.Version(),
				Platform:      runtime.GOOS + "/" + runtime.GOARCH,
				SyscallTables: syscalls.TablesSource,
			}
			if format == "json" {
				return writeJSON(app.Out, info)
			}
			fmt.Fprintf(app.Out, "seccompctl %s (%s, %s, syscall tables from %s)\n",
				info.Version, info.GoVersion, info.Platform, info.SyscallTables)
			return nil
		},
	}
	formatFlag(cmd, &format, "text", "json")
	return cmd
}

func buildVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
