package analyze

import (
	"context"
	"errors"
)

// Analyze returns the syscalls statically reachable from the given executables (or
// libraries), with the libraries they load.
func Analyze(ctx context.Context, paths []string, opts Options) (*Result, error) {
	return nil, errors.New("static analysis is not available in this build yet")
}
