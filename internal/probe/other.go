//go:build !linux

package probe

import (
	"strconv"
	"syscall"
	"time"

	"github.com/seccompctl/seccompctl/filter"
)

// ProbeVerb is the hidden helper verb of the probe (Linux only).
const ProbeVerb = "__test-probe"

type kernelRun struct {
	baseline, filtered int64
	state              uint64
	signal             syscall.Signal
	threadKilled       bool
}

const stateDone = 2

func runKernel(*filter.Filter, []int, [][6]uint64) ([]kernelRun, error) { return nil, ErrNotSupported }

func runCommand(*filter.Filter, []string, time.Duration) (*CmdResult, error) {
	return nil, ErrNotSupported
}

// RunProbe is the probe helper (Linux only).
func RunProbe([]string) int { return 125 }

// ErrnoName returns the number of errno n: names need Linux's table.
func ErrnoName(n int) string { return strconv.Itoa(n) }

func signalName(s syscall.Signal) string { return s.String() }
