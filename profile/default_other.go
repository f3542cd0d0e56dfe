//go:build !linux

package profile

// RuntimeDefaultSource names where RuntimeDefault comes from.
const RuntimeDefaultSource = "github.com/moby/profiles/seccomp DefaultProfile (Linux builds only)"

// RuntimeDefault returns nil: github.com/moby/profiles/seccomp builds its default profile
// only on Linux, so other builds have none and callers must say so.
func RuntimeDefault() *Profile { return nil }
