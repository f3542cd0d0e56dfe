package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/profile"
)

// soakSources is 1,000 distinct profiles of the size of the runtime default (about
// 22 KB) in 50 ConfigMaps of 20.
func soakSources(tb testing.TB) []*Source {
	tb.Helper()
	var out []*Source
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for c := range 50 {
		s := &Source{Namespace: "soak", Name: fmt.Sprintf("cm-%02d", c), Created: t0.Add(time.Duration(c) * time.Second),
			Data: map[string]string{}}
		for k := range 20 {
			p := profile.RuntimeDefault()
			p.Syscalls[0].Comment = fmt.Sprintf("soak %d/%d", c, k)
			b, err := p.Marshal()
			if err != nil {
				tb.Fatal(err)
			}
			s.Data[fmt.Sprintf("p-%02d-%02d.json", c, k)] = string(b)
		}
		out = append(out, s)
	}
	return out
}

// TestSoak1000Profiles installs 1,000 profiles from 50 ConfigMaps into one node's
// directory with the agent's real lint check and store, then syncs again with nothing
// to do. It checks the outcome; the time and memory it logs are recorded in
// docs/benchmarks.md (go test ./agent -run TestSoak1000Profiles -v).
func TestSoak1000Profiles(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped with -short")
	}
	sources := soakSources(t)
	base := t.TempDir()
	st, err := OpenStore(base, "profiles")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v := newCachedValidator(LintValidator(nil, kernelRelease()))

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuTime()
	start := time.Now()
	res := apply(st, plan(sources, v.validate))
	first := time.Since(start)
	firstCPU := cpuTime() - cpu0
	runtime.ReadMemStats(&after)
	if len(res.Created) != 1000 || len(res.Rejected) != 0 || len(res.Errors) != 0 {
		t.Fatalf("created %d, rejected %v, errors %v", len(res.Created), res.Rejected, res.Errors)
	}
	entries, _ := os.ReadDir(filepath.Join(base, "profiles"))
	if len(entries) != 1001 { // and the ownership record
		t.Fatalf("%d entries in the directory", len(entries))
	}

	cpu0 = cpuTime()
	start = time.Now()
	res = apply(st, plan(sources, v.validate))
	resync := time.Since(start)
	resyncCPU := cpuTime() - cpu0
	if res.Unchanged != 1000 || len(res.Created)+len(res.Updated)+len(res.Removed) != 0 {
		t.Fatalf("resync changed files: %+v", res)
	}
	runtime.GC()
	var settled runtime.MemStats
	runtime.ReadMemStats(&settled)
	t.Logf("1000 profiles / 50 ConfigMaps: first sync %v wall, %v CPU (lint, write, fsync, rename); resync with nothing to do %v wall, %v CPU",
		first.Round(time.Millisecond), firstCPU.Round(time.Millisecond), resync.Round(time.Millisecond), resyncCPU.Round(time.Millisecond))
	t.Logf("allocated during the first sync %.1f MiB; live heap after GC %.1f MiB (profiles held in memory: %.1f MiB)",
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), float64(settled.HeapInuse)/(1<<20), float64(totalSize(sources))/(1<<20))
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func totalSize(sources []*Source) int {
	n := 0
	for _, s := range sources {
		for k, v := range s.Data {
			n += len(k) + len(v)
		}
	}
	return n
}

// BenchmarkInstall1000 compares, on the same 1,000 profiles: the agent's first sync
// (lint + atomic write), its sync without lint, and the article's installer (plain
// copies: no check, no fsync, no rename).
func BenchmarkInstall1000(b *testing.B) {
	sources := soakSources(b)
	b.Run("agent", func(b *testing.B) {
		for range b.N {
			st, err := OpenStore(b.TempDir(), "profiles")
			if err != nil {
				b.Fatal(err)
			}
			v := newCachedValidator(LintValidator(nil, kernelRelease()))
			if res := apply(st, plan(sources, v.validate)); len(res.Created) != 1000 {
				b.Fatal(res.Rejected)
			}
			st.Close()
		}
	})
	b.Run("agent-nolint", func(b *testing.B) {
		for range b.N {
			st, err := OpenStore(b.TempDir(), "profiles")
			if err != nil {
				b.Fatal(err)
			}
			if res := apply(st, plan(sources, func(_, _, _ string) error { return nil })); len(res.Created) != 1000 {
				b.Fatal(res.Rejected)
			}
			st.Close()
		}
	})
	b.Run("resync-unchanged", func(b *testing.B) {
		st, err := OpenStore(b.TempDir(), "profiles")
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		v := newCachedValidator(LintValidator(nil, kernelRelease()))
		apply(st, plan(sources, v.validate))
		b.ResetTimer()
		for range b.N {
			if res := apply(st, plan(sources, v.validate)); res.Unchanged != 1000 {
				b.Fatal(res)
			}
		}
	})
	b.Run("plain-copy", func(b *testing.B) {
		for range b.N {
			dir := b.TempDir()
			for _, s := range sources {
				for k, v := range s.Data {
					if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}
