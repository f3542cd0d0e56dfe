// Package bpffd lists the BPF objects this process holds file descriptors of, as the
// kernel reports them in /proc/self/fdinfo. Tests use it to count their own programs
// and links without seeing those of other processes, such as other packages' tests
// running at the same time.
package bpffd

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
)

// Kinds of descriptor, as /proc/self/fd names their anonymous inodes.
const (
	Program = "anon_inode:bpf-prog"
	Link    = "anon_inode:bpf_link"
)

// ProgramIDs returns the programs whose name starts with prefix that the descriptors
// of the given kind this process holds refer to, with how many descriptors refer to
// each. A descriptor closed while it is read is skipped.
func ProgramIDs(kind, prefix string) (map[ebpf.ProgramID]int, error) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	ids := map[ebpf.ProgramID]int{}
	for _, fd := range fds {
		target, err := os.Readlink("/proc/self/fd/" + fd.Name())
		if err != nil || target != kind {
			continue
		}
		info, err := os.ReadFile("/proc/self/fdinfo/" + fd.Name())
		if err != nil {
			continue
		}
		id, err := progID(string(info))
		if err != nil {
			return nil, fmt.Errorf("/proc/self/fdinfo/%s: %w", fd.Name(), err)
		}
		prog, err := ebpf.NewProgramFromID(id)
		if err != nil {
			continue // freed meanwhile
		}
		pi, err := prog.Info()
		prog.Close()
		if err == nil && strings.HasPrefix(pi.Name, prefix) {
			ids[id]++
		}
	}
	return ids, nil
}

func progID(fdinfo string) (ebpf.ProgramID, error) {
	for _, line := range strings.Split(fdinfo, "\n") {
		v, ok := strings.CutPrefix(line, "prog_id:")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return 0, fmt.Errorf("prog_id %q: %w", v, err)
		}
		return ebpf.ProgramID(n), nil
	}
	return 0, fmt.Errorf("no prog_id line")
}
