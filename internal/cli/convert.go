package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

type convertOptions struct {
	app       *App
	file      string
	from      string
	to        string
	caps      []string
	arch      string
	kernel    string
	output    string
	name      string
	namespace string
	pick      string
	// resolveSet is true when --caps, --arch or --kernel was given.
	resolveSet bool
}

var convertTargets = []string{"docker", "oci", "spo"}

func newCmdConvert(app *App) *cobra.Command {
	opts := &convertOptions{app: app}
	cmd := &cobra.Command{
		Use:   "convert [FILE | --from runtime-default] --to docker|oci|spo",
		Short: "Convert a profile between Docker JSON, OCI runtime-spec and SPO SeccompProfile",
		Long: `Convert a seccomp profile. Input is Docker/moby JSON, the same in YAML, or Security
Profiles Operator SeccompProfile resources; --from runtime-default takes the container
runtime's default profile (moby's, from github.com/moby/profiles/seccomp).

  --to docker  the Docker/moby JSON that kubelet Localhost profiles, runc, crun,
               containerd and CRI-O read. Unchanged unless --caps, --arch or
               --kernel is given, in which case includes/excludes and archMap are
               resolved for that container first.
  --to oci     the "seccomp" section of an OCI runtime config.json, as moby and
               CRI-O hand it to runc: includes/excludes and archMap resolved.
  --to spo     a SeccompProfile resource (resolved too: SPO has no conditions).

Resolution follows moby's rules (see docs/profile-format.md): --caps is the
container's capability set (default: the runtime's default set; "none" for none;
"default,CAP_SYS_ADMIN" to add), --arch its architecture (default: this machine's),
--kernel the node's kernel ("6.1", "6.1.0-18-amd64" or "host"; default: new enough
for every minKernel).

Exit codes: 0 converted; 2 bad flags or a profile that does not load.`,
		Example: `  # Print the runtime's default profile as Docker JSON
  seccompctl convert --from runtime-default --to docker

  # What runc receives for a container with CAP_SYS_ADMIN on an arm64 node
  seccompctl convert profile.json --to oci --arch arm64 --caps default,CAP_SYS_ADMIN --kernel 6.1

  # Turn a profile into a SeccompProfile for the operator
  seccompctl convert profile.json --to spo --name my-app --namespace prod -o my-app.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.file = args[0]
			}
			f := cmd.Flags()
			opts.resolveSet = f.Changed("caps") || f.Changed("arch") || f.Changed("kernel")
			return runConvert(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.from, "from", "", `built-in input instead of FILE: "runtime-default"`)
	f.StringVar(&opts.to, "to", "", "output: docker, oci or spo (required)")
	f.StringSliceVar(&opts.caps, "caps", []string{"default"}, `container capabilities: "default", "none", or names (CAP_SYS_ADMIN or SYS_ADMIN)`)
	f.StringVar(&opts.arch, "arch", "", "container architecture (x86_64, aarch64, SCMP_ARCH_ARM, ...; default: this machine's)")
	f.StringVar(&opts.kernel, "kernel", "", `node kernel ("6.1", a uname -r release, or "host"; default: newest)`)
	f.StringVarP(&opts.output, "output", "o", "", "write to this file (atomically) instead of stdout")
	f.StringVar(&opts.name, "name", "", "SPO: metadata.name (default: the profile's name)")
	f.StringVar(&opts.namespace, "namespace", "", "SPO: metadata.namespace")
	f.StringVar(&opts.pick, "profile", "", "the profile to convert when FILE holds several (by metadata.name)")
	cmd.RegisterFlagCompletionFunc("to", cobra.FixedCompletions(convertTargets, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("from", cobra.FixedCompletions([]string{"runtime-default"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("arch", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, a := range syscalls.Arches() {
			names = append(names, a.Name())
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("caps", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return append([]string{"default", "none"}, profile.Capabilities...), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func runConvert(opts *convertOptions) error {
	switch {
	case opts.to == "":
		return UsageError(errors.New("--to is required (docker, oci or spo)"))
	case !slices.Contains(convertTargets, opts.to):
		return UsageError(fmt.Errorf("unknown --to %q (want docker, oci or spo)", opts.to))
	case opts.from != "" && opts.file != "":
		return UsageError(errors.New("give a FILE or --from, not both"))
	case opts.from != "" && opts.from != "runtime-default":
		return UsageError(fmt.Errorf(`unknown --from %q (want "runtime-default")`, opts.from))
	case opts.from == "" && opts.file == "":
		return UsageError(errors.New(`name a FILE ("-" for stdin) or use --from runtime-default`))
	}
	resolve, err := opts.resolveOptions()
	if err != nil {
		return UsageError(err)
	}
	ps, err := opts.load()
	if err != nil {
		return err
	}

	var out []byte
	switch opts.to {
	case "docker":
		p := ps[0]
		if opts.resolveSet {
			if p, err = p.Resolve(resolve); err != nil {
				return UsageError(err)
			}
		}
		out, err = p.Marshal()
	case "oci":
		s, rerr := ps[0].ToOCI(resolve)
		if rerr != nil {
			return UsageError(rerr)
		}
		var buf bytes.Buffer
		if err = writeJSON(&buf, s); err == nil {
			out = buf.Bytes()
		}
	case "spo":
		var resolved []*profile.Profile
		for _, p := range ps {
			r, rerr := p.Resolve(resolve)
			if rerr != nil {
				return UsageError(rerr)
			}
			opts.setResource(r, len(ps))
			resolved = append(resolved, r)
		}
		out, err = profile.MarshalSPO(resolved...)
	}
	if err != nil {
		return UsageError(err)
	}
	if opts.output == "" {
		_, err = opts.app.Out.Write(out)
		return err
	}
	if err := profile.WriteFileAtomic(opts.output, out, 0o644); err != nil {
		return UsageError(err)
	}
	return nil
}

// load returns the profiles to convert: the runtime default, or FILE's profiles (one
// unless the target is spo, which takes them all).
func (opts *convertOptions) load() ([]*profile.Profile, error) {
	if opts.from == "runtime-default" {
		p := profile.RuntimeDefault()
		if p == nil {
			return nil, UsageError(errors.New("the runtime default profile is only built into Linux binaries"))
		}
		return []*profile.Profile{p}, nil
	}
	data, err := readProfileInput(opts.app, opts.file)
	if err != nil {
		return nil, UsageError(err)
	}
	ps, err := profile.ParseAll(inputName(opts.file), data)
	if err != nil {
		printProfileError(opts.app.ErrOut, err)
		return nil, &ExitError{Code: ExitUsage, Silent: true}
	}
	if opts.pick != "" {
		for _, p := range ps {
			if p.Name() == opts.pick {
				return []*profile.Profile{p}, nil
			}
		}
		return nil, UsageError(fmt.Errorf("%s: no profile named %q (have %s)", inputName(opts.file), opts.pick, profileNames(ps)))
	}
	if len(ps) > 1 && opts.to != "spo" {
		return nil, UsageError(fmt.Errorf("%s holds %d profiles (%s): choose one with --profile NAME", inputName(opts.file), len(ps), profileNames(ps)))
	}
	return ps, nil
}

func profileNames(ps []*profile.Profile) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name()
	}
	return strings.Join(names, ", ")
}

// setResource applies --name and --namespace; --name only makes sense for one profile.
func (opts *convertOptions) setResource(p *profile.Profile, n int) {
	if p.Resource == nil {
		p.Resource = &profile.Resource{}
	} else {
		c := *p.Resource
		p.Resource = &c
	}
	if p.Resource.Name == "" {
		p.Resource.Name = p.Name()
		if opts.from == "runtime-default" {
			p.Resource.Name = "runtime-default"
		}
	}
	if opts.name != "" && n == 1 {
		p.Resource.Name = opts.name
	}
	if opts.namespace != "" {
		p.Resource.Namespace = opts.namespace
	}
}

func (opts *convertOptions) resolveOptions() (profile.ResolveOptions, error) {
	var ro profile.ResolveOptions
	if opts.arch != "" {
		a, err := syscalls.ParseArch(opts.arch)
		if err != nil {
			return ro, fmt.Errorf("--arch: %w", err)
		}
		ro.Arch = a
	}
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			ro.Caps = append(ro.Caps, c)
		}
	}
	for _, c := range opts.caps {
		switch strings.ToLower(strings.TrimSpace(c)) {
		case "default":
			for _, d := range profile.DefaultCaps() {
				add(d)
			}
		case "none", "":
		default:
			n, ok := profile.NormalizeCap(c)
			if !ok {
				return ro, fmt.Errorf("--caps: unknown capability %q", c)
			}
			add(n)
		}
	}
	switch opts.kernel {
	case "":
	case "host":
		rel, err := os.ReadFile("/proc/sys/kernel/osrelease")
		if err != nil {
			return ro, fmt.Errorf("--kernel host: reading the kernel release: %w", err)
		}
		ro.Kernel = strings.TrimSpace(string(rel))
	default:
		if _, err := profile.ParseKernelRelease(opts.kernel); err != nil {
			return ro, fmt.Errorf("--kernel: %w", err)
		}
		ro.Kernel = opts.kernel
	}
	return ro, nil
}
