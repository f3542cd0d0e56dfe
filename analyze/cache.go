package analyze

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/gob"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
)

// Bump analyzerVersion whenever what a summary holds or how it is computed changes: the
// key includes it, so old entries are never read again. The key also holds the identity
// of the running executable (selfIdentity), so a build that changes the analyzer and
// forgets the bump still never reads another build's entries.
const (
	cacheFormat     = 2
	analyzerVersion = "2026.12-5"
)

type cacheEntry struct {
	Format   int
	Analyzer string
	Binary   string // selfIdentity of the executable that wrote the entry
	BuildID  string
	Arch     string
	Summary  *summary
}

// selfIdentity names the code of the running executable: its Go build ID (which changes
// whenever any package linked into it does), or, for a binary built without one, the VCS
// revision of a clean checkout it was built from. "" when neither is known: the cache is
// then not used at all, since nothing tells this analyzer's entries from another's.
// A variable so that tests can act as another build.
var selfIdentity = sync.OnceValue(readSelfIdentity)

func readSelfIdentity() string {
	if exe, err := os.Executable(); err == nil {
		if id := goBuildID(exe); id != "" {
			return "go:" + id
		}
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	// A modified tree's revision does not name its code: two different builds would
	// share it.
	if rev == "" || modified != "false" {
		return ""
	}
	return "vcs:" + rev
}

// goBuildID reads the Go build ID from the ELF note the Go linker writes
// (.note.go.buildid: name "Go", type 4, the ID as text); "" when there is none.
func goBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil || s.Type != elf.SHT_NOTE || s.Size > 4096 {
		return ""
	}
	b, err := s.Data()
	if err != nil || len(b) < 16 {
		return ""
	}
	bo := f.ByteOrder
	namesz, descsz, typ := bo.Uint32(b), bo.Uint32(b[4:]), bo.Uint32(b[8:])
	const goBuildIDTag = 4
	if namesz != 4 || typ != goBuildIDTag || string(b[12:16]) != "Go\x00\x00" {
		return ""
	}
	if uint64(descsz) > uint64(len(b)-16) {
		return ""
	}
	return string(b[16 : 16+descsz])
}

func cacheKey(self string, e *elfFile) string {
	h := sha256.Sum256([]byte(analyzerVersion + "\x00" + self + "\x00" + e.arch.String() + "\x00" + e.buildID))
	return filepath.Join(hex.EncodeToString(h[:1]), hex.EncodeToString(h[1:16])+".gob")
}

// cacheGet returns a cached summary, or nil. An entry that does not decode or does not
// match the object and this analyzer is ignored (and rewritten by the caller).
func cacheGet(dir string, e *elfFile) *summary {
	self := selfIdentity()
	if dir == "" || e.buildID == "" || self == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, cacheKey(self, e)))
	if err != nil {
		return nil
	}
	var ce cacheEntry
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&ce); err != nil {
		return nil
	}
	if ce.Format != cacheFormat || ce.Analyzer != analyzerVersion || ce.Binary != self || ce.BuildID != e.buildID || ce.Arch != e.arch.String() || ce.Summary == nil {
		return nil
	}
	return ce.Summary
}

// cachePut writes an entry atomically (temporary file, then rename); failures only cost
// speed, so they are not reported.
func cachePut(dir string, e *elfFile, s *summary) {
	self := selfIdentity()
	if dir == "" || e.buildID == "" || self == "" {
		return
	}
	p := filepath.Join(dir, cacheKey(self, e))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cacheEntry{cacheFormat, analyzerVersion, self, e.buildID, e.arch.String(), s}); err != nil {
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
