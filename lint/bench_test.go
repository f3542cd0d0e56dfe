package lint

import (
	"os"
	"testing"

	"github.com/seccompctl/seccompctl/profile"
)

// Linting Docker's default: every rule, without the runtime-default comparison (SC5003,
// which resolves moby's profile too), and, for scale, only loading the file.
func BenchmarkLint(b *testing.B) {
	data, err := os.ReadFile("testdata/profiles/docker-default-20.10.24.json")
	if err != nil {
		b.Fatal(err)
	}
	p, err := profile.Parse("docker-default.json", data)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("all-rules", func(b *testing.B) {
		for b.Loop() {
			if _, err := Lint(p, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("without-SC5003", func(b *testing.B) {
		for b.Loop() {
			if _, err := Lint(p, Options{Disable: []string{"SC5003"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse-only", func(b *testing.B) {
		for b.Loop() {
			if _, err := profile.Parse("docker-default.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
