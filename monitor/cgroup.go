package monitor

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CgroupInfo is what a process's cgroup path says about its container.
type CgroupInfo struct {
	// ContainerID is the runtime's 64-hex-digit container ID, "" outside a container.
	ContainerID string
	// PodUID is the pod's UID when the path names it (kubelet's pod<uid> level).
	PodUID string
	// Path is the cgroup path the ID was found in.
	Path string
}

// ParseCgroup reads the contents of /proc/PID/cgroup (cgroup v1, v2 or both) and finds
// the container the process runs in. It knows the layouts the kubelet and runtimes
// create with either cgroup driver:
//
//	/kubepods/besteffort/pod<uid>/<id>                                  (cgroupfs)
//	/kubepods.slice/kubepods-pod<uid_>.slice/cri-containerd-<id>.scope  (systemd)
//	.../crio-<id>.scope, .../docker-<id>.scope, .../containerd-<id>.scope
func ParseCgroup(data []byte) (CgroupInfo, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if info, ok := parsePath(parts[2]); ok {
			return info, true
		}
	}
	return CgroupInfo{}, false
}

func parsePath(path string) (CgroupInfo, bool) {
	comps := strings.Split(path, "/")
	info := CgroupInfo{Path: path}
	for i := len(comps) - 1; i >= 0; i-- {
		c := comps[i]
		if info.ContainerID == "" {
			if id, ok := containerID(c); ok {
				info.ContainerID = id
				continue
			}
		}
		if info.ContainerID != "" && info.PodUID == "" {
			if uid, ok := podUID(c); ok {
				info.PodUID = uid
				break
			}
		}
	}
	return info, info.ContainerID != ""
}

// containerID recognises "<id>" and "<prefix>-<id>.scope".
func containerID(c string) (string, bool) {
	c = strings.TrimSuffix(c, ".scope")
	if i := strings.LastIndexByte(c, '-'); i >= 0 {
		c = c[i+1:]
	}
	if len(c) != 64 {
		return "", false
	}
	for i := 0; i < len(c); i++ {
		if !(c[i] >= '0' && c[i] <= '9' || c[i] >= 'a' && c[i] <= 'f') {
			return "", false
		}
	}
	return c, true
}

// podUID recognises "pod<uid>" and systemd's "kubepods-<qos>-pod<uid_with_underscores>.slice".
func podUID(c string) (string, bool) {
	c = strings.TrimSuffix(c, ".slice")
	i := strings.LastIndex(c, "pod")
	if i < 0 || (i > 0 && c[i-1] != '-') {
		return "", false
	}
	uid := strings.ReplaceAll(c[i+3:], "_", "-")
	if len(uid) != 36 || strings.Count(uid, "-") != 4 {
		return "", false
	}
	return uid, true
}

var errExited = errors.New("exited before its cgroup was read")

// CgroupOfPID reads /proc/PID/cgroup below procRoot ("/proc" when empty).
func CgroupOfPID(procRoot string, pid int) (CgroupInfo, error) {
	if procRoot == "" {
		procRoot = "/proc"
	}
	data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "cgroup"))
	if errors.Is(err, os.ErrNotExist) {
		return CgroupInfo{}, fmt.Errorf("pid %d %w", pid, errExited)
	}
	if err != nil {
		return CgroupInfo{}, err
	}
	info, ok := ParseCgroup(data)
	if !ok {
		return CgroupInfo{}, fmt.Errorf("pid %d: %w", pid, ErrNotContainer)
	}
	return info, nil
}
