package kube

import (
	"testing"
)

func TestInstallGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts InstallOptions
	}{
		{"install.default.yaml", InstallOptions{}},
		{"install.monitor.yaml", InstallOptions{Monitor: true, Image: "localhost/seccompctl:dev", ImagePullPolicy: "Never", KubeletRoot: "/srv/kubelet"}},
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
