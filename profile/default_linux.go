package profile

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/moby/profiles/seccomp"
)

// RuntimeDefaultSource names where RuntimeDefault comes from.
const RuntimeDefaultSource = "github.com/moby/profiles/seccomp DefaultProfile"

var runtimeDefault = sync.OnceValues(func() (*Profile, error) {
	data, err := json.Marshal(seccomp.DefaultProfile())
	if err != nil {
		return nil, err
	}
	return Parse("runtime-default", data)
})

// RuntimeDefault returns the runtime's default profile (moby's, which containerd's
// RuntimeDefault matches), taken from the github.com/moby/profiles/seccomp module,
// unresolved: its includes/excludes still depend on capabilities, arch and kernel. Each
// call returns a fresh copy the caller may change.
func RuntimeDefault() *Profile {
	p, err := runtimeDefault()
	if err != nil {
		// The upstream profile is fixed at build time and a test loads it; this is a
		// broken dependency, not bad input.
		panic(fmt.Sprintf("profile: loading %s: %v", RuntimeDefaultSource, err))
	}
	return p.Clone()
}
