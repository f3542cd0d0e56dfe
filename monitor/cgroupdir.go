package monitor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoCgroup is wrapped when a container's cgroup directory is not (or no longer)
// there: the container has not started yet, or has gone.
var ErrNoCgroup = errors.New("container cgroup not found")

// SplitContainerID splits a pod status containerID ("containerd://<id>",
// "cri-o://<id>", "docker://<id>") into the runtime scheme and the 64-hex-digit ID.
func SplitContainerID(s string) (runtime, id string, err error) {
	runtime, id, ok := strings.Cut(s, "://")
	if !ok || runtime == "" {
		return "", "", fmt.Errorf("container ID %q: want <runtime>://<id>", s)
	}
	if got, ok := containerID(id); !ok || got != id {
		return "", "", fmt.Errorf("container ID %q: want 64 lowercase hex digits after %s://", s, runtime)
	}
	return runtime, id, nil
}

// scopePrefix is what a runtime puts before the ID in a container's cgroup name.
func scopePrefix(runtime string) []string {
	switch runtime {
	case "containerd":
		return []string{"cri-containerd"}
	case "cri-o":
		return []string{"crio"}
	case "docker":
		return []string{"docker"}
	}
	return []string{"cri-containerd", "crio", "docker"}
}

// CgroupDirCandidates lists, relative to the cgroup v2 mount, where the kubelet and the
// runtime put the container id of the pod podUID, under the cgroupfs driver
// (kubepods/<qos>/pod<uid>/<id>) and the systemd driver
// (kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/<prefix>-<id>.scope),
// for each QoS class (Guaranteed pods sit directly under kubepods).
func CgroupDirCandidates(runtime, id, podUID string) []string {
	var out []string
	uidSystemd := strings.ReplaceAll(podUID, "-", "_")
	for _, qos := range []string{"", "burstable", "besteffort"} {
		// cgroupfs
		podDir := filepath.Join("kubepods", qos, "pod"+podUID)
		out = append(out, filepath.Join(podDir, id))
		for _, p := range scopePrefix(runtime) {
			out = append(out, filepath.Join(podDir, p+"-"+id))
		}
		// systemd
		slice, podSlice := "kubepods.slice", "kubepods-pod"+uidSystemd+".slice"
		if qos != "" {
			slice = filepath.Join(slice, "kubepods-"+qos+".slice")
			podSlice = "kubepods-" + qos + "-pod" + uidSystemd + ".slice"
		}
		for _, p := range scopePrefix(runtime) {
			out = append(out, filepath.Join(slice, podSlice, p+"-"+id+".scope"))
		}
	}
	return out
}

// ContainerCgroupDir finds the cgroup directory of the container statusID (a pod status
// containerID) of pod podUID below root, the cgroup v2 mount. The usual places are
// tried first; then the tree under root's kubepods directories is searched for a
// directory named after the ID (a kubelet with a --cgroup-root, or nested under a node
// container), skipping CRI-O's conmon scope, which carries the same ID but holds the
// monitor process, not the container's.
func ContainerCgroupDir(root, statusID, podUID string) (string, error) {
	runtime, id, err := SplitContainerID(statusID)
	if err != nil {
		return "", err
	}
	for _, rel := range CgroupDirCandidates(runtime, id, podUID) {
		dir := filepath.Join(root, rel)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir, nil
		}
	}
	var found string
	stop := errors.New("found")
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // a cgroup that vanished while walking
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && !strings.Contains(p[len(root):], "kubepods") && !strings.HasPrefix(name, "kubepods") {
			// Only kubelet-managed subtrees hold pods; do not walk the whole host.
			if strings.Count(p[len(root):], "/") >= 4 {
				return fs.SkipDir
			}
		}
		if strings.Contains(name, "conmon") {
			return fs.SkipDir
		}
		if got, ok := containerID(name); ok && got == id {
			found = p
			return stop
		}
		return nil
	})
	if found != "" {
		return found, nil
	}
	if walkErr != nil && walkErr != stop {
		return "", fmt.Errorf("searching %s for container %s: %w", root, id, walkErr)
	}
	return "", fmt.Errorf("%w: %s of pod %s under %s", ErrNoCgroup, statusID, podUID, root)
}

// PodCgroupDirCandidates lists, relative to the cgroup v2 mount, where the kubelet puts
// the cgroup of pod podUID: under the cgroupfs driver kubepods[/<qos>]/pod<uid>, under
// the systemd driver kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid_>.slice.
// qos is the pod's status.qosClass (Guaranteed, Burstable, BestEffort); its places come
// first, and every other class follows, since a pod's status may not carry one yet.
func PodCgroupDirCandidates(podUID, qos string) []string {
	classes := []string{"", "burstable", "besteffort"}
	switch qos {
	case "Burstable":
		classes = []string{"burstable", "", "besteffort"}
	case "BestEffort":
		classes = []string{"besteffort", "", "burstable"}
	}
	uidSystemd := strings.ReplaceAll(podUID, "-", "_")
	var out []string
	for _, qos := range classes {
		out = append(out, filepath.Join("kubepods", qos, "pod"+podUID))
		if qos == "" {
			out = append(out, filepath.Join("kubepods.slice", "kubepods-pod"+uidSystemd+".slice"))
		} else {
			out = append(out, filepath.Join("kubepods.slice", "kubepods-"+qos+".slice", "kubepods-"+qos+"-pod"+uidSystemd+".slice"))
		}
	}
	return out
}

// ContainerIDOfCgroup finds the container ID in a cgroup path below a pod's cgroup
// (rel, as "<id>", "cri-containerd-<id>.scope", "crio-<id>.scope/container"): the first
// component that names one. CRI-O's conmon scope carries the container's ID but holds
// the monitor process, so it names none; nor does the pod's own cgroup ("").
func ContainerIDOfCgroup(rel string) (string, bool) {
	for _, c := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.Contains(c, "conmon") {
			return "", false
		}
		if id, ok := containerID(c); ok {
			return id, true
		}
	}
	return "", false
}
