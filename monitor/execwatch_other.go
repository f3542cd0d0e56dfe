//go:build !linux

package monitor

import (
	"context"
	"errors"
	"fmt"
)

// WatchExecs needs the Linux process events connector; elsewhere it reports
// errors.ErrUnsupported and the Monitor reads /proc alone.
func (m *Monitor) WatchExecs(ctx context.Context) error {
	return fmt.Errorf("watching execs: %w", errors.ErrUnsupported)
}
