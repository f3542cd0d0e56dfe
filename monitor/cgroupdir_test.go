package monitor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testID  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testUID = "5f3c1d2e-aaaa-bbbb-cccc-0123456789ab"
)

func TestSplitContainerID(t *testing.T) {
	for _, tc := range []struct{ in, runtime, err string }{
		{"containerd://" + testID, "containerd", ""},
		{"cri-o://" + testID, "cri-o", ""},
		{testID, "", "want <runtime>://<id>"},
		{"containerd://abc", "", "64 lowercase hex"},
		{"containerd://" + strings.ToUpper(testID), "", "64 lowercase hex"},
		{"containerd://x-" + testID, "", "64 lowercase hex"},
	} {
		rt, id, err := SplitContainerID(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || rt != tc.runtime || id != testID {
			t.Errorf("%q: %q %q %v", tc.in, rt, id, err)
		}
	}
}

// TestContainerCgroupDir lays out the directories each driver and runtime creates and
// finds the container's, never a sibling's or CRI-O's conmon scope.
func TestContainerCgroupDir(t *testing.T) {
	uidS := strings.ReplaceAll(testUID, "-", "_")
	other := strings.Repeat("f", 64)
	for _, tc := range []struct {
		name, statusID string
		dirs           []string // created below root; the first is the container's
	}{
		{"cgroupfs containerd burstable", "containerd://" + testID, []string{
			"kubepods/burstable/pod" + testUID + "/" + testID,
			"kubepods/burstable/pod" + testUID + "/" + other,
		}},
		{"cgroupfs containerd guaranteed", "containerd://" + testID, []string{
			"kubepods/pod" + testUID + "/" + testID,
		}},
		{"systemd containerd besteffort", "containerd://" + testID, []string{
			"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidS + ".slice/cri-containerd-" + testID + ".scope",
		}},
		{"systemd cri-o guaranteed with conmon", "cri-o://" + testID, []string{
			"kubepods.slice/kubepods-pod" + uidS + ".slice/crio-" + testID + ".scope",
			"kubepods.slice/kubepods-pod" + uidS + ".slice/crio-conmon-" + testID + ".scope",
		}},
		{"nested node container, found by search", "containerd://" + testID, []string{
			"system.slice/docker-node.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod" + uidS + ".slice/cri-containerd-" + testID + ".scope",
			"system.slice/docker-node.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod" + uidS + ".slice/crio-conmon-" + testID + ".scope",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range tc.dirs {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ContainerCgroupDir(root, tc.statusID, testUID)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, tc.dirs[0]); got != want {
				t.Errorf("got %s\nwant %s", got, want)
			}
		})
	}
}

func TestContainerCgroupDirMissing(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "kubepods", "burstable", "pod"+testUID, strings.Repeat("e", 64)), 0o755)
	_, err := ContainerCgroupDir(root, "containerd://"+testID, testUID)
	if !errors.Is(err, ErrNoCgroup) || !strings.Contains(err.Error(), testUID) {
		t.Errorf("error %v: want ErrNoCgroup naming the pod", err)
	}
	// CRI-O's conmon scope carries the container's ID but is not the container.
	os.MkdirAll(filepath.Join(root, "system.slice", "node.scope", "kubelet-kubepods.slice", "crio-conmon-"+testID+".scope"), 0o755)
	if got, err := ContainerCgroupDir(root, "cri-o://"+testID, testUID); !errors.Is(err, ErrNoCgroup) {
		t.Errorf("only a conmon scope: got %q, %v; want ErrNoCgroup", got, err)
	}
	if _, err := ContainerCgroupDir(root, "containerd://nothex", testUID); err == nil || errors.Is(err, ErrNoCgroup) {
		t.Errorf("a malformed ID gave %v; want a parse error", err)
	}
}

func ExampleCgroupDirCandidates() {
	for _, c := range CgroupDirCandidates("containerd", "ID", "1-2")[:4] {
		fmt.Println(c)
	}
	// Output:
	// kubepods/pod1-2/ID
	// kubepods/pod1-2/cri-containerd-ID
	// kubepods.slice/kubepods-pod1_2.slice/cri-containerd-ID.scope
	// kubepods/burstable/pod1-2/ID
}

func TestPodCgroupDirCandidates(t *testing.T) {
	uidS := strings.ReplaceAll(testUID, "-", "_")
	for _, tc := range []struct {
		qos, first string
	}{
		{"Guaranteed", "kubepods/pod" + testUID},
		{"", "kubepods/pod" + testUID},
		{"Burstable", "kubepods/burstable/pod" + testUID},
		{"BestEffort", "kubepods/besteffort/pod" + testUID},
	} {
		got := PodCgroupDirCandidates(testUID, tc.qos)
		if len(got) != 6 || got[0] != tc.first {
			t.Errorf("%q: %q; want 6 candidates starting with %s", tc.qos, got, tc.first)
		}
		// Every class under both drivers, whatever the status says.
		for _, want := range []string{
			"kubepods/pod" + testUID,
			"kubepods/burstable/pod" + testUID,
			"kubepods/besteffort/pod" + testUID,
			"kubepods.slice/kubepods-pod" + uidS + ".slice",
			"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidS + ".slice",
			"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidS + ".slice",
		} {
			found := false
			for _, g := range got {
				found = found || g == want
			}
			if !found {
				t.Errorf("%q: %s missing from %q", tc.qos, want, got)
			}
		}
	}
	// The container directories CgroupDirCandidates lists are below a pod candidate.
	for _, c := range CgroupDirCandidates("containerd", testID, testUID) {
		found := false
		for _, p := range PodCgroupDirCandidates(testUID, "") {
			found = found || filepath.Dir(c) == p
		}
		if !found {
			t.Errorf("container candidate %s is under no pod candidate", c)
		}
	}
}

func TestContainerIDOfCgroup(t *testing.T) {
	for _, tc := range []struct {
		rel, id string
	}{
		{testID, testID},
		{"cri-containerd-" + testID + ".scope", testID},
		{"crio-" + testID + ".scope", testID},
		{"crio-" + testID + ".scope/container", testID},
		{"docker-" + testID + ".scope", testID},
		{"crio-conmon-" + testID + ".scope", ""},
		{"", ""},
		{"init.scope", ""},
		{"abc", ""},
	} {
		id, ok := ContainerIDOfCgroup(tc.rel)
		if id != tc.id || ok != (tc.id != "") {
			t.Errorf("%q: %q %v, want %q", tc.rel, id, ok, tc.id)
		}
	}
}
