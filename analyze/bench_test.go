package analyze

import (
	"context"
	"os"
	"testing"
)

// benchTarget is a dynamically linked server-sized program with its libraries: python3
// (an interpreter with a socket server in its standard library) and libc, libm, libz,
// libexpat, ld.so.
const benchTarget = "/usr/bin/python3"

func BenchmarkAnalyzeCold(b *testing.B) {
	if _, err := os.Stat(benchTarget); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := Analyze(context.Background(), []string{benchTarget}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyzeWarmCache(b *testing.B) {
	if _, err := os.Stat(benchTarget); err != nil {
		b.Skip(err)
	}
	cache := b.TempDir()
	if _, err := Analyze(context.Background(), []string{benchTarget}, Options{CacheDir: cache}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := Analyze(context.Background(), []string{benchTarget}, Options{CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Objects[0].FromCache {
			b.Fatal("not served from the cache")
		}
	}
}
