package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/seccompctl/seccompctl/internal/outfile"
)

// MaxInputSize is how much Load and LoadAll read from one file, and the CLI's default
// (--max-input-mib). The largest real profiles are tens of kilobytes; without a bound
// a path such as /dev/zero is read until memory runs out. To load a larger file, read
// it with ReadFile and a larger limit, then call Parse or ParseAll.
const MaxInputSize = 16 << 20

// SizeError is returned when an input holds more than the limit it was read with.
type SizeError struct {
	// Name is the file, or "<stdin>".
	Name string
	// Limit is the bound in bytes.
	Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("%s: larger than the input limit of %s", e.Name, sizeText(e.Limit))
}

// sizeText spells a limit in MiB when it is a whole number of them.
func sizeText(n int64) string {
	if n > 0 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadInput reads r up to limit bytes (MaxInputSize when limit <= 0); name is used
// in errors. More than limit bytes is a *SizeError, found after reading limit+1
// bytes, never more.
func ReadInput(name string, r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = MaxInputSize
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, &SizeError{Name: name, Limit: limit}
	}
	return data, nil
}

// ReadFile reads the file at path up to limit bytes (MaxInputSize when limit <= 0).
// A directory is refused; a larger file is a *SizeError.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		// os errors already name the file.
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a profile", path)
	}
	return ReadInput(path, f, limit)
}

// Load reads and validates the single profile at path (JSON, YAML or one SPO
// SeccompProfile). Problems come back as an ErrorList of *Error with file:line:col.
// It reads at most MaxInputSize bytes.
func Load(path string) (*Profile, error) {
	data, err := ReadFile(path, MaxInputSize)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// LoadAll reads every profile in path: one for a JSON or YAML profile, one per
// SeccompProfile in a multi-document YAML stream or a List. It reads at most
// MaxInputSize bytes.
func LoadAll(path string) ([]*Profile, error) {
	data, err := ReadFile(path, MaxInputSize)
	if err != nil {
		return nil, err
	}
	return ParseAll(path, data)
}

// Parse decodes and validates a profile that must be the only one in data; name is
// used in error messages.
func Parse(name string, data []byte) (*Profile, error) {
	ps, err := ParseAll(name, data)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, ErrorList{{File: name, Msg: fmt.Sprintf("holds %d profiles where one is expected: put each profile in a file of its own", len(ps))}}
	}
	return ps[0], nil
}

// ParseAll decodes and validates every profile in data.
func ParseAll(name string, data []byte) ([]*Profile, error) {
	return Decode(name, data, ParseOptions{})
}

// Marshal encodes p deterministically: 2-space indent, fields in a fixed order, a
// trailing newline.
func (p *Profile) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile writes p to path atomically: a temporary file in the same directory,
// fsync, rename. A failure leaves any existing file untouched.
func WriteFile(path string, p *Profile) error {
	data, err := p.Marshal()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data, 0o644)
}

// WriteFileAtomic writes data to path so that readers see either the old or the new
// content, never a part: a temporary file in the same directory, fsync, rename. An
// existing file keeps its mode and owner; a symbolic link is followed and its target
// written; a character device or FIFO (/dev/null, /dev/stdout) is written through
// rather than replaced; directories, block devices and sockets are refused.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return outfile.Write(path, data, perm)
}
