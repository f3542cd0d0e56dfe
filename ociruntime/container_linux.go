package ociruntime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/seccompctl/seccompctl/ociruntime/internal/bundle"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// RunContainer starts a container of the runtime under the profile, runs Args to the
// end and says whether the runtime got the command started. It needs root and the
// runtime's binary.
//
// crun 1.8.1 refuses hosts with cgroup v1 and v2 mounted side by side ("cgroups in
// hybrid mode not supported"); there it runs in a private mount namespace in which the
// v2 hierarchy is unmounted, which changes nothing outside that namespace.
func RunContainer(opts ContainerOptions) (*ContainerResult, error) {
	if !slices.Contains(Runtimes(), opts.Runtime) {
		return nil, fmt.Errorf("%w %q", ErrUnknownRuntime, opts.Runtime)
	}
	if len(opts.Args) == 0 {
		return nil, errors.New("no command")
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("starting containers needs root")
	}
	bin, err := exec.LookPath(opts.Runtime)
	if err != nil {
		return nil, fmt.Errorf("%s is not installed (apt-get install -y %s)", opts.Runtime, opts.Runtime)
	}
	caps := opts.Caps
	if caps == nil {
		caps = profile.DefaultCaps()
	}
	seccomp, err := opts.Profile.ToOCI(profile.ResolveOptions{Caps: caps, Arch: syscalls.Native()})
	if err != nil {
		return nil, fmt.Errorf("resolving the profile: %w", err)
	}
	work, err := os.MkdirTemp("", "seccompctl-container-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	bundle := filepath.Join(work, "bundle")
	rootfs := opts.Rootfs
	if rootfs == "" {
		rootfs = filepath.Join(bundle, "rootfs")
		if err := busyboxRootfs(rootfs, opts.Args[0]); err != nil {
			return nil, err
		}
	} else if rootfs, err = filepath.Abs(rootfs); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		return nil, err
	}
	if err := writeBundleConfig(bundle, rootfs, opts, caps, seccomp); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("seccompctl-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	args := []string{bin, "--root", filepath.Join(work, "state"), "run", "--bundle", bundle, id}
	if opts.Runtime == "crun" && cgroupHybrid() {
		args = append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c",
			`umount -l /sys/fs/cgroup/unified && exec "$@"`, "sh"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = bundle
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	res := &ContainerResult{Runtime: opts.Runtime + " " + shortVersion(runtimeVersion(bin))}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	var waitErr error
	select {
	case waitErr = <-done:
	case <-time.After(timeout):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		exec.Command(bin, "--root", filepath.Join(work, "state"), "delete", "--force", id).Run()
		res.Output = out.String()
		res.Error = fmt.Sprintf("still running after %v (killed)", timeout)
		res.Started = true
		return res, nil
	}
	res.Output = out.String()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	res.ExitCode = ws.ExitStatus()
	if ws.Signaled() {
		res.Signal = ws.Signal().String()
	}
	res.Error = runtimeError(opts.Runtime, res.Output)
	res.Started = res.Error == ""
	if waitErr != nil && res.Error == "" && res.ExitCode == 0 && res.Signal == "" {
		res.Error = waitErr.Error()
	}
	return res, nil
}

// runtimeErrorLine matches the lines runc and crun print when they fail themselves,
// as opposed to output of the container's command.
var runtimeErrorLine = map[string]*regexp.Regexp{
	// With no_new_privs, runc init reports failures after the filter itself, without
	// the level=error prefix.
	"runc": regexp.MustCompile(`level=error msg="(.*)"$|^(runc run failed: .*)$|^((?:exec [^ ]+|ensure /proc/self/fd is on procfs|readdirent /proc/self/fd|open /proc/self/fd|chdir to cwd.*|unable to [a-z ]+|failed to [a-z ]+): .*)$|^(container process is already dead|cannot start an already running container)$`),
	// crun prints "<what>: <strerror>"; the known start-up failures name a step.
	"crun": regexp.MustCompile(`^((?:exec container process|prctl|capset|cannot setres[ug]id|setgroups|open seccomp receiver|seccomp_rule_add_array|read from the init process|errno value specified|unknown seccomp option|invalid seccomp).*)$`),
}

func runtimeError(rt, output string) string {
	re := runtimeErrorLine[rt]
	var last string
	for _, line := range strings.Split(strings.TrimSpace(output), "\n") {
		if m := re.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			for _, g := range m[1:] {
				if g != "" {
					last = g
					break
				}
			}
		}
	}
	return last
}

func runtimeVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "unknown"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	f := strings.Fields(first)
	if len(f) == 0 {
		return "unknown"
	}
	return f[len(f)-1]
}

func shortVersion(v string) string {
	if i := strings.IndexByte(v, '+'); i > 0 {
		return v[:i]
	}
	return v
}

func cgroupHybrid() bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == "/sys/fs/cgroup/unified" {
			return true
		}
	}
	return false
}

// busyboxRootfs makes a root filesystem holding a static busybox and links for the
// common applets and for the command.
func busyboxRootfs(rootfs, argv0 string) error {
	src := "/bin/busybox"
	if _, err := os.Stat(src); err != nil {
		if src, err = exec.LookPath("busybox"); err != nil {
			return errors.New("no busybox for the default rootfs (apt-get install -y busybox-static), or pass --rootfs")
		}
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), data, 0o755); err != nil {
		return err
	}
	applets := []string{"sh", "true", "false", "echo", "cat", "ls", "sleep", "date", "id", "hostname", "env"}
	if strings.HasPrefix(argv0, "/bin/") && path.Base(argv0) != "busybox" {
		applets = append(applets, path.Base(argv0))
	}
	for _, a := range slices.Compact(applets) {
		link := filepath.Join(rootfs, "bin", a)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink("busybox", link); err != nil {
			return err
		}
	}
	return nil
}

// writeBundleConfig writes config.json: the container `runc spec` describes, as root
// with caps, running opts.Args, with the resolved seccomp profile.
func writeBundleConfig(dir, rootfs string, opts ContainerOptions, caps []string, seccomp any) error {
	args := opts.Args
	if !strings.HasPrefix(args[0], "/") {
		args = append([]string{"/bin/" + args[0]}, args[1:]...)
	}
	process := map[string]any{
		"terminal":        false,
		"user":            map[string]any{"uid": 0, "gid": 0},
		"args":            args,
		"env":             []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		"cwd":             "/",
		"capabilities":    map[string]any{"bounding": caps, "effective": caps, "permitted": caps},
		"rlimits":         []map[string]any{{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}},
		"noNewPrivileges": opts.NoNewPrivs,
	}
	return bundle.WriteConfig(dir, rootfs, "seccompctl-test", process, seccomp)
}
