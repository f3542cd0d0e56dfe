package kube

import (
	"strings"
	"testing"
	"time"
)

func TestInstallGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts InstallOptions
	}{
		{"install.default.yaml", InstallOptions{}},
		{"install.monitor.yaml", InstallOptions{Monitor: true, Image: "localhost/seccompctl:dev", ImagePullPolicy: "Never", KubeletRoot: "/srv/kubelet"}},
		// Both: the capabilities add up, and the snapshot interval is passed on.
		{"install.record.yaml", InstallOptions{Record: true, Monitor: true, CgroupRoot: "/sys/fs/cgroup/unified", SnapshotInterval: 5 * time.Second}},
		// Static analysis: host PID, CAP_SYS_PTRACE, the cache's emptyDir, more memory.
		{"install.record-static.yaml", InstallOptions{Record: true, RecordStatic: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Install(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Marshal(objs...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "testdata/"+tt.name, got)
		})
	}
}

func TestInstallBadOptions(t *testing.T) {
	for _, tt := range []struct {
		opts InstallOptions
		want string
	}{
		{InstallOptions{Record: true, CgroupRoot: "sys/fs/cgroup"}, "must be an absolute path"},
		{InstallOptions{Record: true, SnapshotInterval: -time.Second}, "must not be negative"},
		{InstallOptions{ImagePullPolicy: "Sometimes"}, "want Always"},
		{InstallOptions{RecordStatic: true}, "set Record too"},
	} {
		if _, err := Install(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Install(%+v): error %v, want one containing %q", tt.opts, err, tt.want)
		}
	}
}

// Without Record the agent can read no pod: recording's access is added only when asked.
func TestInstallRecordRBACOnlyWithRecord(t *testing.T) {
	for _, record := range []bool{false, true} {
		objs, err := Install(InstallOptions{Record: record})
		if err != nil {
			t.Fatal(err)
		}
		out, err := Marshal(objs...)
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		if got := strings.Contains(s, "- pods\n"); got != record {
			t.Errorf("record=%v: pods in the RBAC rules: %v", record, got)
		}
		if got := strings.Contains(s, "- BPF\n") && strings.Contains(s, "--cgroup-root=/host/cgroup"); got != record {
			t.Errorf("record=%v: CAP_BPF and --cgroup-root in the DaemonSet: %v", record, got)
		}
		if strings.Contains(s, "SYS_ADMIN") {
			t.Errorf("record=%v: the agent is given CAP_SYS_ADMIN, which recording does not need", record)
		}
	}
}
