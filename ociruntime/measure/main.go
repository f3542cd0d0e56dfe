// Command measure records which syscalls an OCI runtime makes between installing a
// container's seccomp filter and exec'ing the container's process, and writes the lists
// that package ociruntime embeds.
//
// It needs root, strace, the runtime and busybox-static (Debian: apt-get install -y runc
// crun busybox-static strace). For each runtime, each no_new_privs setting and each user
// variant it runs a busybox container `runs` times under `strace -f` with a profile that
// allows everything, and keeps, for every thread that installed the filter (and threads
// it cloned afterwards), the syscalls up to and including the successful execve of the
// workload. It then checks the result: a container whose profile allows only those
// syscalls plus what the workload needs must start, and (with -ablate) it reports which
// single removal stops the container from starting.
//
//	sudo go run ./ociruntime/measure -runtime runc,crun -runs 10 -out ociruntime/measured
//
// docs/runtime-syscalls.md describes the method and the results.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seccompctl/seccompctl/ociruntime/internal/bundle"
)

type options struct {
	runtimes []string
	runs     int
	out      string
	verify   int
	ablate   bool
	busybox  string
	keep     bool
	minimal  string
	features bool
}

func main() {
	var o options
	var runtimes string
	flag.StringVar(&runtimes, "runtime", "runc,crun", "comma-separated runtimes to measure")
	flag.IntVar(&o.runs, "runs", 10, "traced runs per variant")
	flag.StringVar(&o.out, "out", "ociruntime/measured", "directory for the lists (empty: print only)")
	flag.IntVar(&o.verify, "verify", 5, "untraced runs that must start under the measured list")
	flag.BoolVar(&o.ablate, "ablate", false, "also remove each syscall in turn and report whether the container still starts")
	flag.StringVar(&o.busybox, "busybox", "/bin/busybox", "a static busybox for the container's rootfs")
	flag.StringVar(&o.minimal, "minimal", "", "a profile (OCI seccomp JSON) expected NOT to start, e.g. the article's minimal profile")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory with the traces")
	flag.BoolVar(&o.features, "features", false, "only check which actions and flags each runtime accepts; writes <out>/features.txt")
	flag.Parse()
	o.runtimes = strings.Split(runtimes, ",")
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

// variant is one container configuration the runtime is measured with.
type variant struct {
	name       string
	noNewPrivs bool
	uid, gid   uint32
	extraGids  []uint32
}

func variants() []variant {
	var out []variant
	for _, nnp := range []bool{true, false} {
		out = append(out,
			variant{name: "root", noNewPrivs: nnp},
			variant{name: "user1000", noNewPrivs: nnp, uid: 1000, gid: 1000, extraGids: []uint32{1000, 2000}},
		)
	}
	return out
}

func run(o options) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root (runtimes create namespaces and cgroups)")
	}
	for _, bin := range append([]string{"strace"}, o.runtimes...) {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found: apt-get install -y runc crun busybox-static strace", bin)
		}
	}
	work, err := os.MkdirTemp("", "ociruntime-measure-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(work)
	} else {
		fmt.Fprintln(os.Stderr, "work directory:", work)
	}
	bundle := filepath.Join(work, "bundle")
	if err := makeRootfs(filepath.Join(bundle, "rootfs"), o.busybox); err != nil {
		return err
	}
	kernel, _ := exec.Command("uname", "-r").Output()
	if o.features {
		return measureFeatures(o, work, bundle)
	}
	for _, rt := range o.runtimes {
		version := runtimeVersion(rt)
		fmt.Printf("## %s %s (kernel %s)\n\n", rt, version, strings.TrimSpace(string(kernel)))
		for _, nnp := range []bool{true, false} {
			seen := map[string]int{}
			workload := map[string]bool{}
			total := 0
			for _, v := range variants() {
				if v.noNewPrivs != nnp {
					continue
				}
				for i := 0; i < o.runs; i++ {
					res, err := traceOnce(rt, work, bundle, v, i)
					if err != nil {
						return fmt.Errorf("%s %s run %d: %w", rt, v.name, i, err)
					}
					total++
					for name := range res.runtime {
						seen[name]++
					}
					for name := range res.workload {
						workload[name] = true
					}
				}
			}
			names := sortedKeys(seen)
			fmt.Printf("no_new_privs=%v: %d syscalls over %d traced runs: %s\n", nnp, len(names), total, strings.Join(names, " "))
			if o.out != "" {
				if err := writeList(o.out, rt, version, nnp, seen, total, strings.TrimSpace(string(kernel))); err != nil {
					return err
				}
			}
			allow := union(names, sortedKeys(workload))
			ok, msg := startsUnder(rt, work, bundle, nnp, allow, o.verify)
			fmt.Printf("  runtime list + workload (%d syscalls), %d untraced runs: starts=%v %s\n", len(allow), o.verify, ok, msg)
			if !ok {
				return fmt.Errorf("%s no_new_privs=%v: the container does not start under the measured list: %s", rt, nnp, msg)
			}
			if o.minimal != "" {
				ok, msg := startsUnderFile(rt, work, bundle, nnp, o.minimal)
				fmt.Printf("  %s: starts=%v %s\n", filepath.Base(o.minimal), ok, msg)
			}
			if o.ablate {
				fmt.Printf("\n  | removed | starts | error |\n  |---|---|---|\n")
				for _, name := range names {
					without := slices.DeleteFunc(slices.Clone(allow), func(s string) bool { return s == name })
					ok, msg := startsUnder(rt, work, bundle, nnp, without, 3)
					fmt.Printf("  | %s | %v | %s |\n", name, ok, msg)
				}
			}
			fmt.Println()
		}
	}
	return nil
}

func makeRootfs(rootfs, busybox string) error {
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		return err
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("reading busybox (apt-get install -y busybox-static): %w", err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), data, 0o755); err != nil {
		return err
	}
	for _, applet := range []string{"sh", "true"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			return err
		}
	}
	return nil
}

func runtimeVersion(rt string) string {
	out, err := exec.Command(rt, "--version").Output()
	if err != nil {
		return "unknown"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(first, rt+" version"), "version"))
}

// seccompSection is the OCI linux.seccomp object, as runc and crun read it.
type seccompSection struct {
	DefaultAction string        `json:"defaultAction"`
	Architectures []string      `json:"architectures,omitempty"`
	Syscalls      []syscallRule `json:"syscalls,omitempty"`
}

type syscallRule struct {
	Names  []string `json:"names"`
	Action string   `json:"action"`
}

// writeConfig writes the bundle's config.json: the same container `runc spec` describes,
// with the variant's user and no_new_privs, Kubernetes' default capabilities, and seccomp.
func writeConfig(dir string, v variant, seccomp json.RawMessage) error {
	caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
		"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
		"CAP_KILL", "CAP_AUDIT_WRITE"}
	user := map[string]any{"uid": v.uid, "gid": v.gid}
	if len(v.extraGids) > 0 {
		user["additionalGids"] = v.extraGids
	}
	capSet := map[string]any{"bounding": caps, "effective": caps, "permitted": caps}
	if v.uid != 0 {
		capSet = map[string]any{"bounding": caps}
	}
	process := map[string]any{
		"terminal":        false,
		"user":            user,
		"args":            []string{"/bin/true"},
		"env":             []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		"cwd":             "/",
		"capabilities":    capSet,
		"rlimits":         []map[string]any{{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}},
		"noNewPrivileges": v.noNewPrivs,
	}
	return bundle.WriteConfig(dir, "rootfs", "measure", process, seccomp)
}

// allowAll is the profile used while tracing: a filter is installed exactly as with a
// real profile, but nothing the runtime does is refused.
func allowAll() json.RawMessage {
	data, _ := json.Marshal(seccompSection{
		DefaultAction: "SCMP_ACT_ALLOW",
		Architectures: []string{"SCMP_ARCH_X86_64"},
		Syscalls:      []syscallRule{{Names: []string{"acct"}, Action: "SCMP_ACT_ERRNO"}},
	})
	return data
}

func allowOnly(names []string) json.RawMessage {
	data, _ := json.Marshal(seccompSection{
		DefaultAction: "SCMP_ACT_ERRNO",
		Architectures: []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"},
		Syscalls:      []syscallRule{{Names: names, Action: "SCMP_ACT_ALLOW"}},
	})
	return data
}

var idSeq int

// runtimeCmd runs the runtime on the bundle. crun 1.8.1 refuses cgroup v1+v2 hybrid
// hosts; like kernel.md describes, it runs in a private mount namespace with the v2
// hierarchy unmounted there.
func runtimeCmd(rt, work, bundle string, prefix []string) *exec.Cmd {
	idSeq++
	id := fmt.Sprintf("measure-%d-%d", os.Getpid(), idSeq)
	state := filepath.Join(work, "state-"+rt)
	args := append(slices.Clone(prefix), rt, "--root", state, "run", "--bundle", bundle, id)
	if rt == "crun" && isMountpoint("/sys/fs/cgroup/unified") {
		script := "umount -l /sys/fs/cgroup/unified && exec \"$@\""
		args = append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = bundle
	return cmd
}

func isMountpoint(path string) bool {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}

type traceResult struct {
	runtime  map[string]bool // after the filter, up to and including the workload's execve
	workload map[string]bool // after the workload's execve
}

func traceOnce(rt, work, bundle string, v variant, i int) (traceResult, error) {
	if err := writeConfig(bundle, v, allowAll()); err != nil {
		return traceResult{}, err
	}
	tracePath := filepath.Join(work, fmt.Sprintf("%s-%s-nnp%v-%d.strace", rt, v.name, v.noNewPrivs, i))
	cmd := runtimeCmd(rt, work, bundle, []string{"strace", "-f", "-qq", "-o", tracePath})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return traceResult{}, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	f, err := os.Open(tracePath)
	if err != nil {
		return traceResult{}, err
	}
	defer f.Close()
	res, err := parseTrace(f)
	if err != nil {
		return res, fmt.Errorf("%s: %w", tracePath, err)
	}
	return res, nil
}

var (
	callRe    = regexp.MustCompile(`^([a-z_0-9]+)\(`)
	resumedRe = regexp.MustCompile(`^<\.\.\. ([a-z_0-9]+) resumed>`)
	retRe     = regexp.MustCompile(`\) += (-?\d+|\?)`)
)

// parseTrace reads `strace -f -qq` output. A thread is filtered from the moment it
// installs a filter (seccomp(SECCOMP_SET_MODE_FILTER, ..., {len=...}) or
// prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ...)); threads it clones afterwards are
// filtered too. Their calls count as the runtime's until their execve succeeds, and as
// the workload's after it.
func parseTrace(r io.Reader) (traceResult, error) {
	res := traceResult{runtime: map[string]bool{}, workload: map[string]bool{}}
	filtered := map[int]bool{}
	execed := map[int]bool{}
	pending := map[int]string{}      // the unfinished call of each thread
	pendingInstall := map[int]bool{} // that call installs a filter
	installed := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		tidStr, rest, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		tid, err := strconv.Atoi(tidStr)
		if err != nil {
			continue
		}
		rest = strings.TrimLeft(rest, " ")
		var name string
		install := false
		if m := resumedRe.FindStringSubmatch(rest); m != nil {
			if pending[tid] != m[1] {
				continue
			}
			name, install = m[1], pendingInstall[tid]
			delete(pending, tid)
			delete(pendingInstall, tid)
		} else if m := callRe.FindStringSubmatch(rest); m != nil {
			name, install = m[1], isInstall(m[1], rest)
			if filtered[tid] {
				if execed[tid] {
					res.workload[name] = true
				} else {
					res.runtime[name] = true
				}
			}
		} else {
			continue // signals, exits
		}
		if strings.HasSuffix(rest, "<unfinished ...>") {
			pending[tid], pendingInstall[tid] = name, install
			continue
		}
		ret, hasRet := result(rest)
		if install && !filtered[tid] && hasRet && ret == 0 {
			filtered[tid] = true
			installed = true
			continue
		}
		if !filtered[tid] || !hasRet {
			continue
		}
		switch name {
		case "clone", "clone3", "fork", "vfork":
			if ret > 0 {
				filtered[ret] = true
			}
		case "execve", "execveat":
			if ret == 0 {
				execed[tid] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return res, err
	}
	if !installed {
		return res, errors.New("no thread installed a seccomp filter")
	}
	if !res.runtime["execve"] && !res.runtime["execveat"] {
		return res, errors.New("the filtered thread never exec'd the workload")
	}
	return res, nil
}

func isInstall(name, rest string) bool {
	switch name {
	case "seccomp":
		return strings.HasPrefix(rest, "seccomp(SECCOMP_SET_MODE_FILTER,") && strings.Contains(rest, "{len=")
	case "prctl":
		return strings.HasPrefix(rest, "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER")
	}
	return false
}

func result(rest string) (int, bool) {
	m := retRe.FindAllStringSubmatch(rest, -1)
	if m == nil {
		return 0, false
	}
	v, err := strconv.Atoi(m[len(m)-1][1])
	if err != nil {
		return 0, false
	}
	return v, true
}

// startsUnder runs the container (untraced) n times under a profile allowing only names.
func startsUnder(rt, work, bundle string, nnp bool, names []string, n int) (bool, string) {
	return startsWith(rt, work, bundle, nnp, allowOnly(names), n)
}

func startsUnderFile(rt, work, bundle string, nnp bool, path string) (bool, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err.Error()
	}
	return startsWith(rt, work, bundle, nnp, data, 1)
}

func startsWith(rt, work, bundle string, nnp bool, seccomp json.RawMessage, n int) (bool, string) {
	v := variant{name: "root", noNewPrivs: nnp}
	if err := writeConfig(bundle, v, seccomp); err != nil {
		return false, err.Error()
	}
	for i := 0; i < n; i++ {
		cmd := runtimeCmd(rt, work, bundle, nil)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			return false, err.Error()
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				return false, oneLine(out.String()) + " (" + err.Error() + ")"
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			return false, "timed out"
		}
	}
	return true, ""
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return strings.ReplaceAll(s, "|", "/")
}

// writeList writes <out>/<runtime>-<arch>-nnp|nonnp.txt: a header saying how it was
// measured, then one syscall a line with the number of runs that made it.
func writeList(out, rt, version string, nnp bool, seen map[string]int, total int, kernel string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	suffix := "nnp"
	if !nnp {
		suffix = "no-nnp"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# runtime: %s\n# version: %s\n# arch: SCMP_ARCH_X86_64\n# no_new_privs: %v\n", rt, version, nnp)
	fmt.Fprintf(&b, "# kernel: %s\n# runs: %d\n", kernel, total)
	fmt.Fprintf(&b, "# method: ociruntime/measure (strace -f; calls of the filtered thread from the filter install to the workload's execve)\n")
	fmt.Fprintf(&b, "# columns: syscall, runs that made it\n")
	for _, name := range sortedKeys(seen) {
		fmt.Fprintf(&b, "%s %d\n", name, seen[name])
	}
	path := filepath.Join(out, fmt.Sprintf("%s-x86_64-%s.txt", rt, suffix))
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	sort.Strings(out)
	return slices.Compact(out)
}
