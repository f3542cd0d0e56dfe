package profile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLoadSizeLimit: a file larger than MaxInputSize is refused with an error naming it
// and the limit, after reading no more than the limit. Without the bound, /dev/zero is
// read until memory runs out.
func TestLoadSizeLimit(t *testing.T) {
	sparse := filepath.Join(t.TempDir(), "huge.json")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: 256 MiB that take no disk space.
	if err := f.Truncate(256 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	paths := []string{sparse}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	loaders := map[string]func(string) error{
		"Load":    func(p string) error { _, err := Load(p); return err },
		"LoadAll": func(p string) error { _, err := LoadAll(p); return err },
	}
	for _, path := range paths {
		for name, load := range loaders {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := load(path)
			runtime.ReadMemStats(&after)
			var big *SizeError
			if !errors.As(err, &big) {
				t.Fatalf("%s(%s) = %v, want a *SizeError", name, path, err)
			}
			want := path + ": larger than the input limit of 16 MiB"
			if err.Error() != want {
				t.Errorf("%s(%s) error %q, want %q", name, path, err, want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 4*MaxInputSize {
				t.Errorf("%s(%s) allocated %d bytes, want at most %d", name, path, got, 4*MaxInputSize)
			}
		}
	}
}

func TestReadInputLimit(t *testing.T) {
	tests := []struct {
		in      string
		limit   int64
		wantErr string
	}{
		{in: "12345", limit: 5},
		{in: "123456", limit: 5, wantErr: "x.json: larger than the input limit of 5 bytes"},
		{in: "", limit: 1},
		{in: strings.Repeat("a", 1<<20+1), limit: 1 << 20, wantErr: "x.json: larger than the input limit of 1 MiB"},
	}
	for _, tt := range tests {
		data, err := ReadInput("x.json", strings.NewReader(tt.in), tt.limit)
		if tt.wantErr == "" {
			if err != nil || string(data) != tt.in {
				t.Errorf("ReadInput(%d bytes, %d) = %d bytes, %v", len(tt.in), tt.limit, len(data), err)
			}
			continue
		}
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("ReadInput(%d bytes, %d) error %v, want %q", len(tt.in), tt.limit, err, tt.wantErr)
		}
	}
}

func TestReadFileDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFile(dir, 0)
	if err == nil || err.Error() != dir+": is a directory, not a profile" {
		t.Errorf("ReadFile(dir) error %v", err)
	}
}
