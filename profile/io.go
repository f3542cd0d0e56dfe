package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/seccompctl/seccompctl/internal/outfile"
)

// Load reads and validates the single profile at path (JSON, YAML or one SPO
// SeccompProfile). Problems come back as an ErrorList of *Error with file:line:col.
func Load(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// LoadAll reads every profile in path: one for a JSON or YAML profile, one per
// SeccompProfile in a multi-document YAML stream or a List.
func LoadAll(path string) ([]*Profile, error) {
	data, err := os.ReadFile(path)
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
