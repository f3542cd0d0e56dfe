package monitor

import (
	"testing"
)

func TestParseCgroup(t *testing.T) {
	id := "4f9d1c0e6b2a8f7e5d3c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c"
	uid := "1b3e5f7a-9c2d-4e6f-8a0b-c2d4e6f8a0b2"
	uidU := "1b3e5f7a_9c2d_4e6f_8a0b_c2d4e6f8a0b2"
	tests := []struct {
		name, data string
		id, pod    string
		ok         bool
	}{
		{"cgroupfs v2", "0::/kubepods/besteffort/pod" + uid + "/" + id + "\n", id, uid, true},
		{"cgroupfs v1 hybrid", "12:pids:/kubepods/burstable/pod" + uid + "/" + id + "\n11:cpu,cpuacct:/kubepods/burstable/pod" + uid + "/" + id + "\n0::/\n", id, uid, true},
		{"guaranteed", "0::/kubepods/pod" + uid + "/" + id + "\n", id, uid, true},
		{"systemd containerd", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/cri-containerd-" + id + ".scope\n", id, uid, true},
		{"systemd crio", "0::/kubepods.slice/kubepods-pod" + uidU + ".slice/crio-" + id + ".scope\n", id, uid, true},
		{"docker", "0::/system.slice/docker-" + id + ".scope\n", id, "", true},
		{"nested test cgroup", "0::/seccompctl-test/kubepods/besteffort/pod" + uid + "/" + id + "\n", id, uid, true},
		{"host process", "0::/user.slice/user-0.slice/session-1.scope\n12:pids:/user.slice\n", "", "", false},
		{"short hex", "0::/kubepods/podx/abcdef\n", "", "", false},
		{"upper-case hex is not an ID", "0::/kubepods/" + "4F9D1C0E6B2A8F7E5D3C1B0A9F8E7D6C5B4A39281706F5E4D3C2B1A09F8E7D6C" + "\n", "", "", false},
		{"garbage", "no colons here\n::\n", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, ok := ParseCgroup([]byte(tt.data))
			if ok != tt.ok || info.ContainerID != tt.id || info.PodUID != tt.pod {
				t.Errorf("got %+v %v, want id %q pod %q ok %v", info, ok, tt.id, tt.pod, tt.ok)
			}
		})
	}
}

func FuzzParseCgroup(f *testing.F) {
	f.Add([]byte("0::/kubepods/besteffort/pod1b3e5f7a-9c2d-4e6f-8a0b-c2d4e6f8a0b2/4f9d1c0e6b2a8f7e5d3c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c\n"))
	f.Add([]byte("12:pids:/x\n0::/"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, ok := ParseCgroup(data)
		if ok && len(info.ContainerID) != 64 {
			t.Fatalf("accepted ID %q", info.ContainerID)
		}
	})
}

func TestSeccompFromInfo(t *testing.T) {
	tests := []struct {
		info      map[string]string
		typ, path string
	}{
		{map[string]string{"info": `{"config":{"linux":{"security_context":{"seccomp":{"profile_type":2,"localhost_ref":"/var/lib/kubelet/seccomp/profiles/web.json"}}}}}`}, "Localhost", "/var/lib/kubelet/seccomp/profiles/web.json"},
		{map[string]string{"info": `{"config":{"linux":{"security_context":{"seccomp":{}}}}}`}, "RuntimeDefault", ""},
		{map[string]string{"info": `{"config":{"linux":{"security_context":{"seccomp":{"profile_type":1}}}}}`}, "Unconfined", ""},
		{map[string]string{"info": `{"config":{"linux":{"security_context":{"seccomp_profile_path":"localhost//x/y.json"}}}}`}, "Localhost", "/x/y.json"},
		{map[string]string{"info": `not json`}, "", ""},
		{nil, "", ""},
	}
	for _, tt := range tests {
		typ, path := seccompFromInfo(tt.info)
		if typ != tt.typ || path != tt.path {
			t.Errorf("%v: got %q %q, want %q %q", tt.info, typ, path, tt.typ, tt.path)
		}
	}
}
