package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Version is set at build time with -ldflags "-X github.com/seccompctl/seccompctl/internal/cli.Version=v1.2.3".
var Version = ""

type versionInfo struct {
	Version       string `json:"version"`
	GoVersion     string `json:"goVersion"`
	Platform      string `json:"platform"`
	SyscallTables string `json:"syscallTables"`
	// TableArches are the architectures with a syscall table.
	TableArches []string `json:"tableArches"`
	// RuntimeDefault names the module the runtime default profile comes from.
	RuntimeDefault string `json:"runtimeDefault"`
	// Semantics is the meaning given to profiles: whose rules the compiler, lint,
	// diff and explain follow (docs/compiler.md).
	Semantics string `json:"semantics"`
	// RuntimeLists are the measured lists of what each OCI runtime calls after
	// installing the filter (docs/runtime-syscalls.md).
	RuntimeLists []runtimeList `json:"runtimeLists"`
}

type runtimeList struct {
	Runtime    string `json:"runtime"`
	Version    string `json:"version"`
	Arch       string `json:"arch"`
	NoNewPrivs bool   `json:"noNewPrivs"`
	Runs       int    `json:"runs"`
}

// semanticsModel says whose meaning of a profile seccompctl implements; docs/compiler.md
// lists the deliberate differences.
const semanticsModel = "runc 1.1 through libseccomp 2.5 (runc's -ENOSYS stub, libseccomp's socketcall/ipc rewriting and rule order)"

func newVersionInfo() versionInfo {
	info := versionInfo{
		Version:        buildVersion(),
		GoVersion:      runtime.Version(),
		Platform:       runtime.GOOS + "/" + runtime.GOARCH,
		SyscallTables:  syscalls.TablesSource,
		RuntimeDefault: profile.RuntimeDefaultSource,
		Semantics:      semanticsModel,
		RuntimeLists:   []runtimeList{},
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/moby/profiles/seccomp" {
				info.RuntimeDefault += " " + d.Version
			}
		}
	}
	for _, a := range syscalls.TableArches() {
		info.TableArches = append(info.TableArches, a.Name())
	}
	for _, rt := range ociruntime.Runtimes() {
		for _, nnp := range []bool{false, true} {
			// The lists are measured on x86_64; other architectures derive from them.
			r, err := ociruntime.Lookup(rt, syscalls.X86_64, nnp)
			if err != nil {
				continue
			}
			info.RuntimeLists = append(info.RuntimeLists, runtimeList{Runtime: r.Runtime, Version: r.Version, Arch: r.Arch.Name(), NoNewPrivs: nnp, Runs: r.Runs})
		}
	}
	return info
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
			info := newVersionInfo()
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
