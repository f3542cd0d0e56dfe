package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Errors the store returns for files it will not touch.
var (
	// ErrNotOwned: a file of that name exists and was not installed by the agent.
	ErrNotOwned = errors.New("a file of that name exists and was not installed by seccompctl")
	// ErrNotRegular: the name is a symlink, directory or other non-regular file.
	ErrNotRegular = errors.New("not a regular file (symlinks are never followed)")
)

// recordName is the ownership record kept in the target directory. Hidden names are
// never installed, so it cannot collide with a profile.
const recordName = ".seccompctl-owned.json"

// tempPrefix starts the name of every temporary file the agent creates, so leftovers of
// a crash are recognised as its own and removed.
const tempPrefix = ".seccompctl-tmp-"

// Owned is what the ownership record says about one installed file.
type Owned struct {
	SHA256 string `json:"sha256"`
	// Source is the ConfigMap it came from, "namespace/name".
	Source string `json:"source"`
}

// ownershipRecord is the on-disk ownership record.
type ownershipRecord struct {
	Version int              `json:"version"`
	Files   map[string]Owned `json:"files"`
}

func sum[T string | []byte](data T) string {
	h := sha256.New()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil))
}
