package analyze

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"os"
	"path/filepath"
)

// Bump analyzerVersion whenever what a summary holds or how it is computed changes: the
// key includes it, so old entries are never read again.
const (
	cacheFormat     = 1
	analyzerVersion = "2026.12-5"
)

type cacheEntry struct {
	Format   int
	Analyzer string
	BuildID  string
	Arch     string
	Summary  *summary
}

func cacheKey(e *elfFile) string {
	h := sha256.Sum256([]byte(analyzerVersion + "\x00" + e.arch.String() + "\x00" + e.buildID))
	return filepath.Join(hex.EncodeToString(h[:1]), hex.EncodeToString(h[1:16])+".gob")
}

// cacheGet returns a cached summary, or nil. An entry that does not decode or does not
// match the object is ignored (and rewritten by the caller).
func cacheGet(dir string, e *elfFile) *summary {
	if dir == "" || e.buildID == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, cacheKey(e)))
	if err != nil {
		return nil
	}
	var ce cacheEntry
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&ce); err != nil {
		return nil
	}
	if ce.Format != cacheFormat || ce.Analyzer != analyzerVersion || ce.BuildID != e.buildID || ce.Arch != e.arch.String() || ce.Summary == nil {
		return nil
	}
	return ce.Summary
}

// cachePut writes an entry atomically (temporary file, then rename); failures only cost
// speed, so they are not reported.
func cachePut(dir string, e *elfFile, s *summary) {
	if dir == "" || e.buildID == "" {
		return
	}
	p := filepath.Join(dir, cacheKey(e))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cacheEntry{cacheFormat, analyzerVersion, e.buildID, e.arch.String(), s}); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(buf.Bytes())
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
	}
}
