// Package bundle writes the config.json of the OCI bundles the runtime tests and the
// measurement tool start: the container `runc spec` describes, with a given process,
// root and seccomp section.
package bundle

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// WriteConfig writes bundle/config.json for a container running process (the OCI
// "process" object) on a read-only rootfs, with the seccomp section as given.
func WriteConfig(bundle, rootfs, hostname string, process map[string]any, seccomp any) error {
	cfg := map[string]any{
		"ociVersion": "1.0.2-dev",
		"process":    process,
		"root":       map[string]any{"path": rootfs, "readonly": true},
		"hostname":   hostname,
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": []string{"nosuid", "noexec", "nodev"}},
			{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		"linux": map[string]any{
			"resources":     map[string]any{"devices": []map[string]any{{"allow": false, "access": "rwm"}}},
			"namespaces":    []map[string]string{{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}},
			"maskedPaths":   []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"},
			"readonlyPaths": []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
			"seccomp":       seccomp,
		},
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644)
}
