package monitor

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/filter"
	"github.com/seccompctl/seccompctl/profile"
)

// helperProfile denies mkdir with EPERM and logs the denial (SECCOMP_FILTER_FLAG_LOG).
const helperProfile = `{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}`

const helperEnv = "SECCOMPCTL_MONITOR_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helper(dir))
	}
	os.Exit(m.Run())
}

// helper runs in the child: it installs the profile on its thread, makes the denied
// mkdir, reports the errno, then waits for stdin to close so the test can read its
// cgroup while it lives.
func helper(dir string) int {
	p, err := profile.Parse("helper.json", []byte(helperProfile))
	if err != nil {
		fmt.Println(err)
		return 2
	}
	f, err := filter.Compile(p, filter.Options{})
	if err != nil {
		fmt.Println(err)
		return 2
	}
	runtime.LockOSThread()
	if _, err := f.Install(filter.InstallOptions{NoNewPrivs: true}); err != nil {
		fmt.Println(err)
		return 2
	}
	err = unix.Mkdirat(unix.AT_FDCWD, filepath.Join(dir, "denied"), 0o755)
	fmt.Printf("mkdirat: %v\n", err)
	bufio.NewReader(os.Stdin).ReadString('\n')
	if !errors.Is(err, unix.EPERM) {
		return 3
	}
	return 0
}

// fakeRuntime answers ContainerStatus for one container, over real gRPC on a unix
// socket, as containerd does.
type fakeRuntime struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	id, profile string
}

func (f *fakeRuntime) ContainerStatus(ctx context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	if req.ContainerId != f.id {
		return nil, fmt.Errorf("container %q: not found", req.ContainerId)
	}
	return &runtimeapi.ContainerStatusResponse{
		Status: &runtimeapi.ContainerStatus{
			Id:       f.id,
			Metadata: &runtimeapi.ContainerMetadata{Name: "app"},
			Labels: map[string]string{
				labelPodName: "web-7d9f", labelPodNamespace: "shop", labelContainer: "app",
				labelPodUID: "1b3e5f7a-9c2d-4e6f-8a0b-c2d4e6f8a0b2",
			},
		},
		Info: map[string]string{"info": fmt.Sprintf(
			`{"config":{"linux":{"security_context":{"seccomp":{"profile_type":2,"localhost_ref":%q}}}}}`, f.profile)},
	}, nil
}

func cgroup2Mount(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		// ... mount-point ... - fstype source options
		pre, post, ok := strings.Cut(line, " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		f := strings.Fields(pre)
		if len(f) >= 5 {
			return f[4]
		}
	}
	t.Skip("no cgroup v2 hierarchy mounted")
	return ""
}

// TestRootKernelMonitorAttributesDenial runs a process under a profile that denies and
// logs mkdir, in a cgroup laid out as the kubelet lays out a container's, and checks
// that the audit record read from the netlink socket is attributed to that container's
// pod through the CRI.
func TestRootKernelMonitorAttributesDenial(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups, the audit multicast group")
	}
	mnt := cgroup2Mount(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	records, err := audit.Listen(ctx)
	if errors.Is(err, unix.EPERM) || (err != nil && strings.Contains(err.Error(), "CAP_AUDIT_READ")) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}

	idb := make([]byte, 32)
	rand.Read(idb)
	id := hex.EncodeToString(idb)
	top := filepath.Join(mnt, fmt.Sprintf("seccompctl-monitor-test-%d", os.Getpid()))
	leaf := filepath.Join(top, "kubepods", "besteffort", "pod1b3e5f7a-9c2d-4e6f-8a0b-c2d4e6f8a0b2", id)
	if err := os.MkdirAll(leaf, 0o755); err != nil {
		t.Skipf("cannot create cgroups under %s: %v", mnt, err)
	}
	defer func() {
		for d := leaf; strings.HasPrefix(d, top); d = filepath.Dir(d) {
			os.Remove(d)
		}
	}()
	cg, err := os.Open(leaf)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()

	tmp := t.TempDir()
	profilePath := filepath.Join(tmp, "kubelet", "seccomp", "profiles", "web.json")
	os.MkdirAll(filepath.Dir(profilePath), 0o755)
	os.WriteFile(profilePath, []byte(helperProfile), 0o644)
	sock := filepath.Join(tmp, "cri.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, &fakeRuntime{id: id, profile: profilePath})
	go srv.Serve(ln)
	defer srv.Stop()
	res, err := NewCRIResolver(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !strings.Contains(line, "operation not permitted") {
		t.Fatalf("helper: %q", line)
	}

	m := &Monitor{Resolver: res, Node: "node-1"}
	var v Violation
	for v.PID != cmd.Process.Pid {
		select {
		case r, ok := <-records:
			if !ok {
				t.Fatal("audit stream ended")
			}
			if r.PID == cmd.Process.Pid {
				v = m.Attribute(ctx, r)
			}
		case <-ctx.Done():
			t.Fatal("no SECCOMP record from the helper within a minute")
		}
	}
	want := Container{ID: id, Namespace: "shop", Pod: "web-7d9f", Name: "app",
		PodUID: "1b3e5f7a-9c2d-4e6f-8a0b-c2d4e6f8a0b2", Profile: profilePath, ProfileType: "Localhost"}
	if v.Container != want {
		t.Errorf("attributed to %+v, want %+v (error %q)", v.Container, want, v.Error)
	}
	if v.Syscall != "mkdirat" && v.Syscall != "mkdir" || v.Action != "SCMP_ACT_ERRNO" || v.Node != "node-1" {
		t.Errorf("violation %+v", v)
	}

	var s Suggester
	s.Add(v)
	sgs := s.Suggestions(profile.Load)
	if len(sgs) != 1 || sgs[0].LocalhostProfile != "profiles/web.json" || sgs[0].Rule == nil || sgs[0].Rule.Names[0] != v.Syscall {
		t.Errorf("suggestions %+v", sgs)
	}
}
