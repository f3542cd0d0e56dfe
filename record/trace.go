package record

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/seccompctl/seccompctl/internal/lines"
	"github.com/seccompctl/seccompctl/syscalls"
)

// TraceVersion is the version of the trace file format WriteTrace writes.
const TraceVersion = 1

// A trace file (record --save-trace) is JSON lines: one header, then one line per kind of
// call with its count. It keeps everything a Recording holds, so generate can rebuild the
// same profile, or merge several runs, later.
//
//	{"seccompctlTrace":1,"mode":"ptrace","command":["sh","-c","ls | wc -l"],"objects":["/usr/bin/ls","/usr/lib/x86_64-linux-gnu/libc.so.6"]}
//	{"arch":"SCMP_ARCH_X86_64","syscall":"openat","count":12,"exe":"/usr/bin/ls"}
//	{"arch":"SCMP_ARCH_X86_64","syscall":"socket","count":1,"exe":"/usr/bin/curl","args":[{"index":0,"mask":4294967295,"value":2}]}
type traceHeader struct {
	Version int      `json:"seccompctlTrace"`
	Mode    string   `json:"mode,omitempty"`
	Command []string `json:"command,omitempty"`
	Objects []string `json:"objects,omitempty"`
	Gaps    []string `json:"objectGaps,omitempty"`
}

type traceLine struct {
	Arch    syscalls.Arch `json:"arch"`
	Syscall string        `json:"syscall"`
	Count   uint64        `json:"count"`
	Exe     string        `json:"exe,omitempty"`
	Args    []ArgValue    `json:"args,omitempty"`
}

// WriteTrace writes r as a trace file, lines sorted so equal recordings give equal files.
func (r *Recording) WriteTrace(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(traceHeader{Version: TraceVersion, Mode: r.Mode, Command: r.Command, Objects: r.Objects, Gaps: r.ObjectGaps}); err != nil {
		return err
	}
	calls := make([]Call, 0, len(r.Calls))
	for c := range r.Calls {
		calls = append(calls, c)
	}
	slices.SortFunc(calls, func(a, b Call) int {
		return cmp.Or(cmp.Compare(a.Arch, b.Arch), strings.Compare(a.Name, b.Name),
			strings.Compare(a.Exe, b.Exe), compareArgSets(a.Args, b.Args))
	})
	for _, c := range calls {
		if err := enc.Encode(traceLine{Arch: c.Arch, Syscall: c.Name, Count: r.Calls[c], Exe: c.Exe, Args: c.Args.Values()}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ErrNotTrace is returned by ReadTrace when the first line is not a trace header.
var ErrNotTrace = errors.New("not a seccompctl trace file")

// IsTrace reports whether data starts like a trace file.
func IsTrace(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	var h traceHeader
	return json.Unmarshal(line, &h) == nil && h.Version > 0
}

// maxTraceLine bounds one trace line; a longer one is reported to bad and skipped.
const maxTraceLine = 1 << 20

// ReadTrace reads a trace file. A line that cannot be read is passed to bad with its
// 1-based number and skipped; only an unreadable stream or a missing header is an error.
func ReadTrace(rd io.Reader, bad func(line int, err error)) (*Recording, error) {
	rec := New("")
	n := 0
	var headerErr error
	report := func(i int, err error) {
		n = i
		if i == 1 {
			headerErr = ErrNotTrace
		} else if bad != nil && headerErr == nil {
			bad(i, err)
		}
	}
	err := lines.Read(rd, maxTraceLine, func(i int, raw []byte) {
		n = i
		text := bytes.TrimSpace(raw)
		if len(text) == 0 || headerErr != nil {
			return
		}
		if n == 1 {
			var h traceHeader
			if err := json.Unmarshal(text, &h); err != nil || h.Version == 0 {
				headerErr = ErrNotTrace
				return
			}
			if h.Version > TraceVersion {
				headerErr = fmt.Errorf("trace format version %d is newer than this seccompctl reads (%d)", h.Version, TraceVersion)
				return
			}
			rec.Mode, rec.Command, rec.Objects, rec.ObjectGaps = h.Mode, h.Command, h.Objects, h.Gaps
			return
		}
		c, count, err := parseTraceLine(text)
		if err != nil {
			report(n, err)
			return
		}
		rec.Add(c, count)
	}, report)
	if headerErr != nil {
		return nil, headerErr
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrNotTrace
	}
	return rec, nil
}

func parseTraceLine(text []byte) (Call, uint64, error) {
	var l traceLine
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return Call{}, 0, err
	}
	switch {
	case !l.Arch.Valid():
		return Call{}, 0, errors.New("missing arch")
	case l.Syscall == "":
		return Call{}, 0, errors.New("missing syscall")
	case l.Count == 0:
		return Call{}, 0, errors.New("missing or zero count")
	case len(l.Args) > MaxArgs:
		return Call{}, 0, fmt.Errorf("%d args, at most %d", len(l.Args), MaxArgs)
	}
	for _, a := range l.Args {
		if a.Index > 5 {
			return Call{}, 0, fmt.Errorf("argument index %d out of range 0-5", a.Index)
		}
	}
	return Call{Arch: l.Arch, Name: l.Syscall, Exe: l.Exe, Args: NewArgSet(l.Args...)}, l.Count, nil
}
