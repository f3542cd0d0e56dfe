package snapshot

import (
	"fmt"
	"testing"

	"github.com/seccompctl/seccompctl/syscalls"
)

// BenchmarkCollect: 100 replicas of two containers on 10 nodes of two architectures,
// each replica with 200 distinct syscalls: the union, coverage and generation of two
// two-arch profiles, what 'k8s record collect' does after reading the snapshots.
func BenchmarkCollect(b *testing.B) {
	var names []string
	for _, n := range syscalls.AllNames() {
		if !syscalls.Exists(syscalls.X86_64, n) {
			continue
		}
		if syscalls.Exists(syscalls.AArch64, n) {
			names = append(names, n)
		}
		if len(names) == 200 {
			break
		}
	}
	nodes := map[string]Node{}
	var snaps []Snapshot
	for n := range 10 {
		node := fmt.Sprintf("node-%d", n)
		arch := syscalls.X86_64
		if n%2 == 1 {
			arch = syscalls.AArch64
		}
		nodes[node] = Node{Name: node, Arch: arch, RuntimeVersion: "containerd://1.7.24"}
		s := Snapshot{Node: node}
		for p := range 10 {
			for _, c := range []string{"app", "sidecar"} {
				ct := Container{Namespace: "shop", Pod: fmt.Sprintf("web-%d-%d", n, p), Container: c, Arch: arch}
				for i, name := range names {
					ct.Syscalls = append(ct.Syscalls, seen(name, uint64(i+1), 0, i))
				}
				s.Containers = append(s.Containers, ct)
			}
		}
		snaps = append(snaps, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		cs, err := Collect(snaps, Options{Nodes: nodes})
		if err != nil || len(cs) != 2 {
			b.Fatalf("%d profiles, %v", len(cs), err)
		}
	}
}

// BenchmarkEncodeParts: one node's snapshot of 256 containers of 150 syscalls each
// packed into Leases of at most 200 KiB, what the agent does every snapshot interval.
func BenchmarkEncodeParts(b *testing.B) {
	s := bigSnapshot(256, 150)
	b.ReportAllocs()
	for b.Loop() {
		parts, err := EncodeParts(s, 200<<10, 8)
		if err != nil || len(parts) < 2 {
			b.Fatalf("%d parts, %v", len(parts), err)
		}
	}
}
