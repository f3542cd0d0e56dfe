package generate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/audit"
	"github.com/seccompctl/seccompctl/internal/lines"
	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
)

// ImportOptions control reading logs.
type ImportOptions struct {
	// Arch is the architecture of strace output (strace names calls but does not say the
	// arch, except when a process switches personality). Zero means this machine's.
	Arch syscalls.Arch
	// Keep, if set, selects the SECCOMP records to use (by pid, comm, exe ...).
	Keep func(audit.SeccompRecord) bool
}

// ImportStats says what was read from one input.
type ImportStats struct {
	Name  string `json:"name"`
	Lines int    `json:"lines"`
	// Formats lists the kinds of records found: "trace", "audit", "strace", "strace -c".
	Formats []string `json:"formats"`
	// Used counts the lines that added calls; Ignored those of no known kind (other log
	// messages, strace signal and exit lines) or filtered out; Malformed those of a known
	// kind that could not be read.
	Used      int         `json:"used"`
	Ignored   int         `json:"ignored"`
	Malformed int         `json:"malformed"`
	Examples  []LineError `json:"examples,omitempty"`
}

// LineError is a malformed line.
type LineError struct {
	Line int    `json:"line"`
	Err  string `json:"error"`
}

func (e LineError) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Err) }

const maxExamples = 5

func (s *ImportStats) malformed(line int, err error) {
	s.Malformed++
	if len(s.Examples) < maxExamples {
		s.Examples = append(s.Examples, LineError{Line: line, Err: err.Error()})
	}
}

func (s *ImportStats) format(f string) {
	if !slices.Contains(s.Formats, f) {
		s.Formats = append(s.Formats, f)
		slices.Sort(s.Formats)
	}
}

// maxLineSize bounds one input line; longer lines are counted as malformed and skipped.
const maxLineSize = 4 << 20

// ErrNothingFound is returned by Import when an input held no syscall at all.
var ErrNothingFound = errors.New("no SECCOMP records, strace output or trace lines found")

// Import reads one input: a trace file written by record --save-trace, or text holding
// SECCOMP audit records (audit.log, ausearch, journalctl, dmesg, syslog, /dev/kmsg) and
// strace output (-f or not, any timestamps, -c tables), in any mix. Malformed lines are
// counted in the stats, never fatal.
func Import(name string, r io.Reader, opts ImportOptions) (*record.Recording, *ImportStats, error) {
	stats := &ImportStats{Name: name}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	if record.IsTrace(head) {
		rec, err := record.ReadTrace(br, func(line int, err error) { stats.malformed(line, err) })
		if err != nil {
			return nil, stats, fmt.Errorf("%s: %w", name, err)
		}
		stats.format("trace")
		stats.Used = len(rec.Calls)
		return rec, stats, nil
	}

	arch := opts.Arch
	if arch == syscalls.ArchInvalid {
		arch = syscalls.Native()
	}
	im := &importer{rec: record.New("import"), stats: stats, native: arch, opts: opts,
		modes: map[int]string{}, exes: map[int]string{}, pendingExec: map[int]string{}, seenPIDs: map[int]bool{}}
	n := 0
	// An overlong line (a huge strace string argument) is malformed, not the end.
	err := lines.Read(br, maxLineSize, func(i int, text []byte) {
		n = i
		im.line(i, string(text))
	}, func(i int, err error) {
		n = i
		stats.malformed(i, err)
	})
	stats.Lines = n
	if err != nil {
		return nil, stats, fmt.Errorf("%s: %w", name, err)
	}
	if len(im.rec.Calls) == 0 {
		return im.rec, stats, fmt.Errorf("%s: %w", name, ErrNothingFound)
	}
	return im.rec, stats, nil
}

type importer struct {
	rec    *record.Recording
	stats  *ImportStats
	native syscalls.Arch
	opts   ImportOptions
	// modes and exes follow strace -f's processes: personality switches, and which
	// executable each pid runs (from execve and fork results).
	modes       map[int]string
	exes        map[int]string
	pendingExec map[int]string
	seenPIDs    map[int]bool
	summaryMode string
}

func (im *importer) line(n int, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	r, err := audit.ParseSeccomp(text)
	switch {
	case err == nil:
		im.stats.format("audit")
		if im.opts.Keep != nil && !im.opts.Keep(r) {
			im.stats.Ignored++
			return
		}
		im.rec.Add(record.Call{Arch: r.Arch, Name: record.SyscallName(r.Arch, r.Syscall), Exe: r.Exe}, 1)
		im.stats.Used++
		return
	case !errors.Is(err, audit.ErrNotSeccomp):
		im.stats.malformed(n, err)
		return
	}

	l, err := parseStraceLine(text)
	if err != nil {
		im.stats.malformed(n, err)
		return
	}
	switch l.kind {
	case kindNone, kindInfo:
		im.stats.Ignored++
	case kindPersonality:
		im.modes[l.pid] = l.mode
		if !im.seenPIDs[l.pid] {
			// Lines without a pid prefix (the traced command itself when strace -f
			// writes to stderr) belong to a pid the trace never names.
			im.modes[0] = l.mode
		}
		im.stats.Ignored++
	case kindSummaryMode:
		im.summaryMode = l.mode
		im.stats.Ignored++
	case kindSummary:
		arch := im.archFor(im.summaryMode)
		name, err := syscallName(arch, l.name)
		if err != nil {
			im.stats.malformed(n, err)
			return
		}
		im.stats.format("strace -c")
		im.rec.Add(record.Call{Arch: arch, Name: name}, max(l.calls, 1))
		im.stats.Used++
	case kindResumed:
		im.followProcesses(l)
		im.stats.Ignored++
	case kindCall:
		im.seenPIDs[l.pid] = true
		arch := im.archFor(im.modes[l.pid])
		name, err := syscallName(arch, l.name)
		if err != nil {
			im.stats.malformed(n, err)
			return
		}
		im.stats.format("strace")
		im.rec.Add(record.Call{Arch: arch, Name: name, Exe: im.exes[l.pid]}, 1)
		im.stats.Used++
		im.followProcesses(l)
	}
}

// followProcesses tracks which executable each pid runs: execve's path once it returned
// 0, and the parent's for a child whose id a fork-like call returned.
func (im *importer) followProcesses(l straceLine) {
	switch l.name {
	case "execve":
		switch {
		case l.kind == kindCall && l.ret == "" && l.arg0 != "":
			im.pendingExec[l.pid] = l.arg0 // <unfinished ...>
		case l.kind == kindCall && l.ret == "0" && l.arg0 != "":
			im.exes[l.pid] = l.arg0
		case l.kind == kindResumed && l.ret == "0" && im.pendingExec[l.pid] != "":
			im.exes[l.pid] = im.pendingExec[l.pid]
			delete(im.pendingExec, l.pid)
		}
	case "clone", "clone3", "fork", "vfork":
		var child int
		if _, err := fmt.Sscanf(l.ret, "%d", &child); err == nil && child > 0 {
			if exe, ok := im.exes[l.pid]; ok {
				im.exes[child] = exe
			}
		}
	}
}

// archFor maps a strace personality to an arch on the import's native arch: "32" is
// the compat ABI of 32-bit programs (the first of syscalls.Arch.Compat: x86 on x86_64,
// arm on aarch64, o32 on mips64, ppc on ppc64, s390 on s390x), "x32" the x32 ABI.
func (im *importer) archFor(mode string) syscalls.Arch {
	compat := im.native.Compat()
	switch {
	case mode == "32" && len(compat) > 0:
		return compat[0]
	case mode == "x32" && slices.Contains(compat, syscalls.X32):
		return syscalls.X32
	}
	return im.native
}
