package kube

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Names shared by the manifests and the node agent.
const (
	// LabelProfiles marks a ConfigMap whose keys are seccomp profiles for the agent.
	LabelProfiles = "seccompctl.io/profiles"
	// LabelStatus marks the agent's per-node status ConfigMaps.
	LabelStatus = "seccompctl.io/status"
	// AnnotationRecordedFrom, on a profiles ConfigMap 'k8s record collect --apply'
	// made, names the workload recorded ("shop/deploy/web"): a later collect of another
	// workload whose container has the same name must not replace it.
	AnnotationRecordedFrom = "seccompctl.io/recorded-from"
	// AnnotationRuntimes, on a profiles ConfigMap 'k8s record collect --apply' made,
	// lists the OCI runtimes ("runc", "crun,runc") its profiles were made for: what lint
	// checks them for when 'k8s promote' promotes them.
	AnnotationRuntimes = "seccompctl.io/runtimes"

	DefaultNamespace   = "seccompctl-system"
	DefaultKubeletRoot = "/var/lib/kubelet"
	// DefaultDir is the directory under <kubelet root>/seccomp the agent installs into;
	// pods name a profile as "<dir>/<key>" in localhostProfile.
	DefaultDir = "profiles"

	// MaxConfigMapBytes is the API server's limit on a ConfigMap's data: the sum of
	// the lengths of every key and value in data and binaryData.
	MaxConfigMapBytes = 1 << 20

	// maxNameLen keeps names within what any filesystem and a ConfigMap key accept.
	maxNameLen = 253
)

// ErrUnsafeName is wrapped by ValidProfileName's errors.
var ErrUnsafeName = errors.New("unsafe profile name")

// ValidProfileName checks that name can be a file directly inside the agent's
// directory: one path component, not hidden, no "..", only letters, digits, '-', '_'
// and '.', as ConfigMap keys allow.
func ValidProfileName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrUnsafeName, name, why) }
	switch {
	case name == "":
		return bad("empty")
	case len(name) > maxNameLen:
		return bad(fmt.Sprintf("longer than %d bytes", maxNameLen))
	case strings.HasPrefix(name, "."):
		return bad("hidden files are not installed")
	case strings.Contains(name, ".."):
		return bad(`contains ".."`)
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		case r == '/' || r == '\\':
			return bad("contains a path separator")
		default:
			return bad(fmt.Sprintf("contains %q (allowed: letters, digits, '-', '_', '.')", r))
		}
	}
	return nil
}

// ValidDir checks the agent directory (relative to <kubelet root>/seccomp): one or
// more safe path components.
func ValidDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("%w: empty directory", ErrUnsafeName)
	}
	for _, c := range strings.Split(dir, "/") {
		if err := ValidProfileName(c); err != nil {
			return fmt.Errorf("directory %q: %w", dir, err)
		}
	}
	return nil
}

// ProfileKey is the ConfigMap key (and installed file name) for a profile read from
// file: its base name, with a YAML extension turned into .json because the kubelet
// reads JSON.
func ProfileKey(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".yaml", ".yml"} {
		if strings.HasSuffix(base, ext) {
			return strings.TrimSuffix(base, ext) + ".json"
		}
	}
	return base
}

// LocalhostProfile is the path a pod names in seccompProfile.localhostProfile for the
// profile installed by the agent from key, relative to <kubelet root>/seccomp.
func LocalhostProfile(dir, key string) string {
	return path.Join(dir, key)
}
