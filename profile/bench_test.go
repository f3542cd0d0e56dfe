package profile

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/moby/profiles/seccomp"
)

// BenchmarkParse compares our positioned, validating loader with what runtimes do:
// encoding/json into moby's Seccomp type, which checks nothing and records no positions.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/reference/docker-default-20.10.24.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("profile.Parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Parse("p.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-moby", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var s seccomp.Seccomp
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	p, err := Load("testdata/reference/docker-default-20.10.24.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
