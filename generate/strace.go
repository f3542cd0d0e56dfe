package generate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// straceLine is what one line of strace output says.
type straceLine struct {
	kind straceKind
	pid  int
	name string // the syscall, for kindCall and kindResumed
	// ret is the return value text after " = ", "" when the line has none.
	ret string
	// arg0 is the first argument's text, kept for execve's path.
	arg0 string
	// mode is the personality a kindPersonality line switches pid to: "32", "x32", "64".
	mode string
	// calls is the count of a -c summary row.
	calls uint64
}

type straceKind int

const (
	kindNone        straceKind = iota // not strace output
	kindCall                          // a syscall (complete or <unfinished ...>)
	kindResumed                       // <... name resumed>: the rest of an earlier call
	kindInfo                          // signals, exits, "Process N attached", headers
	kindPersonality                   // [ Process PID N runs in 32 bit mode. ]
	kindSummary                       // a row of a -c table
	kindSummaryMode                   // "System call usage summary for 32 bit mode:"
)

var errUnknownSyscall = errors.New("unknown syscall name")

// parseStraceLine reads one line of strace output: -f with "PID " or "[pid PID] "
// prefixes or none, timestamps of -t, -tt, -ttt and -r, -i instruction pointers, -T
// durations, and the rows of -c / -C summary tables.
func parseStraceLine(line string) (straceLine, error) {
	var l straceLine
	s := strings.TrimRight(line, "\r\n")
	if sum, ok, err := parseSummaryRow(s); ok || err != nil {
		return sum, err
	}
	t := strings.TrimLeft(s, " ")
	switch {
	case strings.HasPrefix(t, "System call usage summary for "):
		l.kind = kindSummaryMode
		switch {
		case strings.Contains(t, "x32"):
			l.mode = "x32"
		case strings.Contains(t, "32 bit"):
			l.mode = "32"
		default:
			l.mode = "64"
		}
		return l, nil
	case strings.HasPrefix(t, "% time") || strings.HasPrefix(t, "------") || strings.HasPrefix(t, "strace: "):
		l.kind = kindInfo
		return l, nil
	}

	// "[pid 1234] " or "1234 " (strace -f -o FILE).
	if rest, ok := strings.CutPrefix(t, "[pid"); ok {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return l, nil
		}
		pid, err := strconv.Atoi(strings.TrimSpace(rest[:end]))
		if err != nil {
			return l, nil
		}
		l.pid, t = pid, strings.TrimLeft(rest[end+1:], " ")
	} else if n := leadingDigits(t); n > 0 && n < len(t) && t[n] == ' ' && !strings.Contains(t[:n], ".") {
		pid, _ := strconv.Atoi(t[:n])
		l.pid, t = pid, strings.TrimLeft(t[n:], " ")
	}
	t = skipTimestamp(t)
	// -i: "[00007f0e1c2d3e4f] ".
	if strings.HasPrefix(t, "[") && !strings.HasPrefix(t, "[ Process") {
		if end := strings.IndexByte(t, ']'); end > 0 && isHex(t[1:end]) {
			t = strings.TrimLeft(t[end+1:], " ")
		}
	}

	switch {
	case strings.HasPrefix(t, "[ Process PID"):
		// "[ Process PID=1234 runs in 32 bit mode. ]" (strace 6) or "PID 1234".
		l.kind = kindPersonality
		f := strings.FieldsFunc(t, func(r rune) bool { return r == ' ' || r == '=' })
		for i, w := range f {
			if w == "PID" && i+1 < len(f) {
				l.pid, _ = strconv.Atoi(f[i+1])
			}
		}
		switch {
		case strings.Contains(t, "x32 mode"):
			l.mode = "x32"
		case strings.Contains(t, "32 bit mode"):
			l.mode = "32"
		default:
			l.mode = "64"
		}
		return l, nil
	case strings.HasPrefix(t, "--- ") || strings.HasPrefix(t, "+++ ") || strings.HasPrefix(t, "strace: ") || strings.HasPrefix(t, " > "):
		l.kind = kindInfo
		return l, nil
	case strings.HasPrefix(t, "<... "):
		name, rest, ok := strings.Cut(t[len("<... "):], " resumed>")
		if !ok {
			return l, nil
		}
		l.kind, l.name, l.ret = kindResumed, name, returnValue(rest)
		return l, nil
	}

	open := strings.IndexByte(t, '(')
	if open <= 0 || !isSyscallName(t[:open]) {
		return l, nil
	}
	l.kind, l.name = kindCall, t[:open]
	args := t[open+1:]
	if strings.HasPrefix(args, "\"") {
		if end := strings.Index(args[1:], "\""); end >= 0 {
			l.arg0 = args[1 : 1+end]
		}
	}
	l.ret = returnValue(args)
	return l, nil
}

// returnValue returns the result after the " = " that follows the closing parenthesis
// (strace pads with spaces before it), "" for an unfinished call.
func returnValue(s string) string {
	if strings.HasSuffix(s, "<unfinished ...>") {
		return ""
	}
	i := strings.LastIndex(s, " = ")
	if i < 0 || !strings.HasSuffix(strings.TrimRight(s[:i], " "), ")") {
		return ""
	}
	r := s[i+len(" = "):]
	if sp := strings.IndexByte(r, ' '); sp >= 0 {
		r = r[:sp]
	}
	return r
}

// syscallName resolves a strace name: a known name, or syscall_0xNNN for a number strace
// could not name, looked up on arch.
func syscallName(arch syscalls.Arch, name string) (string, error) {
	if hexNr, ok := strings.CutPrefix(name, "syscall_0x"); ok {
		nr, err := strconv.ParseUint(hexNr, 16, 32)
		if err != nil {
			return "", fmt.Errorf("%w %q", errUnknownSyscall, name)
		}
		if n, ok := syscalls.Name(arch, int(nr)); ok {
			return n, nil
		}
		return fmt.Sprintf("syscall_%d", nr), nil
	}
	if !syscalls.Known(name) {
		return "", fmt.Errorf("%w %q", errUnknownSyscall, name)
	}
	return name, nil
}

// parseSummaryRow reads a row of a strace -c table:
//
//	% time     seconds  usecs/call     calls    errors syscall
//	 25.00    0.000010           1         6           mmap
//	100.00    0.000040           1        30         2 total
//
// ok is false for other lines. The "total" row is a summary line, not a syscall (the
// script in the article turned it into a profile that allows only "total").
func parseSummaryRow(s string) (straceLine, bool, error) {
	f := strings.Fields(s)
	if len(f) != 5 && len(f) != 6 {
		return straceLine{}, false, nil
	}
	for _, num := range f[:len(f)-1] {
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			return straceLine{}, false, nil
		}
	}
	if !strings.Contains(f[0], ".") || !strings.Contains(f[1], ".") {
		return straceLine{}, false, nil
	}
	name := f[len(f)-1]
	if name == "total" {
		return straceLine{kind: kindInfo}, true, nil
	}
	calls, err := strconv.ParseUint(f[3], 10, 64)
	if err != nil {
		return straceLine{}, true, fmt.Errorf("calls column %q: %w", f[3], err)
	}
	if !isSyscallName(name) {
		return straceLine{}, true, fmt.Errorf("%w %q", errUnknownSyscall, name)
	}
	return straceLine{kind: kindSummary, name: name, calls: calls}, true, nil
}

// skipTimestamp drops a -t (10:00:00), -tt (10:00:00.123456), -ttt (1700000000.123456)
// or -r (0.000123) stamp.
func skipTimestamp(t string) string {
	sp := strings.IndexByte(t, ' ')
	if sp <= 0 {
		return t
	}
	w := t[:sp]
	isStamp := true
	digits := 0
	for _, c := range w {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ':' || c == '.':
		default:
			isStamp = false
		}
	}
	if !isStamp || digits == 0 || !strings.ContainsAny(w, ":.") {
		return t
	}
	return strings.TrimLeft(t[sp:], " ")
}

func leadingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isSyscallName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s[0] < '0' || s[0] > '9'
}
