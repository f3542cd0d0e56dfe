package audit

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// TypeSeccomp is the audit record type of a seccomp action (AUDIT_SECCOMP).
const TypeSeccomp = 1326

// SeccompRecord is one SECCOMP audit record: which process made which syscall and what
// the filter answered.
type SeccompRecord struct {
	// Time and Serial come from the audit(SECONDS.MILLIS:SERIAL) stamp; Time is zero
	// when the line had no stamp.
	Time   time.Time `json:"time,omitzero"`
	Serial uint64    `json:"serial,omitempty"`

	PID  int    `json:"pid"`
	UID  uint32 `json:"uid"`
	GID  uint32 `json:"gid"`
	AUID uint32 `json:"auid"`
	Ses  uint32 `json:"ses"`
	Comm string `json:"comm,omitempty"`
	Exe  string `json:"exe,omitempty"`
	// Signal is the signal that killed the process (sig=), 0 if none.
	Signal int `json:"sig,omitempty"`

	// Arch is the syscall's architecture: arch= decoded, with the x32 bit of the number
	// telling x32 from x86_64. AuditArch is arch= as written.
	Arch      syscalls.Arch `json:"arch"`
	AuditArch uint32        `json:"auditArch"`
	// Syscall is the number as the kernel saw it (x32 numbers keep their 0x40000000
	// bit); Name is its name on Arch, "" when the table does not know it.
	Syscall int    `json:"syscall"`
	Name    string `json:"name,omitempty"`
	Compat  bool   `json:"compat,omitempty"`
	IP      uint64 `json:"ip,omitempty"`

	// Code is the filter's full return value; Action and Data are decoded from it
	// (Data is the errno for SCMP_ACT_ERRNO, the value for SCMP_ACT_TRACE).
	Code   uint32         `json:"code"`
	Action profile.Action `json:"action"`
	Data   uint16         `json:"data,omitempty"`
}

// ErrNotSeccomp is returned by ParseSeccomp for a line that holds no SECCOMP record.
// Importers skip such lines; a *ParseError means a SECCOMP record that could not be read.
var ErrNotSeccomp = errors.New("not a SECCOMP audit record")

// ParseError reports a SECCOMP record with a missing or invalid field.
type ParseError struct {
	Field string // the key, e.g. "arch"
	Value string // as written; "" when the field is missing
	Err   error
}

func (e *ParseError) Error() string {
	if e.Value == "" && e.Err == nil {
		return fmt.Sprintf("SECCOMP record without %s=", e.Field)
	}
	return fmt.Sprintf("SECCOMP record field %s=%q: %v", e.Field, e.Value, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// ParseSeccomp reads a SECCOMP record from one line of text in any of the forms the
// record reaches users in:
//
//	audit.log:        type=SECCOMP msg=audit(1795822244.744:2): auid=... code=0x7ffc0000
//	ausearch -i:      type=SECCOMP msg=audit(01/02/2026 10:00:00.744:2) : ... arch=x86_64 syscall=openat ... code=log
//	printk (dmesg, journalctl -k, syslog, /dev/kmsg):
//	                  [  12.345] audit: type=1326 audit(1795822244.744:2): auid=...
//	journald's audit transport:
//	                  Jan 02 10:00:00 host audit[15849]: SECCOMP auid=... code=0x7ffc0000
//	netlink payload:  audit(1795822244.744:2): auid=...
//
// It returns ErrNotSeccomp when the line holds no SECCOMP record and a *ParseError when
// it does but arch= or syscall= cannot be read.
func ParseSeccomp(line string) (SeccompRecord, error) {
	body, ok := seccompBody(line)
	if !ok {
		return SeccompRecord{}, ErrNotSeccomp
	}
	return parsePayload(body)
}

// seccompBody returns what follows the record type in line: the audit(...) stamp, if
// any, and the fields.
func seccompBody(line string) (string, bool) {
	for _, marker := range []string{"type=1326 ", "type=SECCOMP "} {
		if i := strings.Index(line, marker); i >= 0 && (i == 0 || isSpaceOrPunct(line[i-1])) {
			rest := strings.TrimLeft(line[i+len(marker):], " ")
			return strings.TrimPrefix(rest, "msg="), true
		}
	}
	// journald's audit transport: "audit[PID]: SECCOMP auid=...".
	if i := strings.Index(line, ": SECCOMP "); i >= 0 {
		return line[i+len(": SECCOMP "):], true
	}
	// A netlink payload: the type travels in the netlink header, so only the fields are
	// here. Require the seccomp-only field names so other record types don't match.
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "audit(") && strings.Contains(t, " syscall=") && strings.Contains(t, " code=") {
		return t, true
	}
	return "", false
}

func isSpaceOrPunct(c byte) bool {
	return c == ' ' || c == '\t' || c == ';' || c == ':' || c == ']'
}

// parsePayload parses "audit(STAMP): key=value ..." (the stamp is optional).
func parsePayload(s string) (SeccompRecord, error) {
	var r SeccompRecord
	s = strings.TrimRight(s, "\x00\r\n ")
	if strings.HasPrefix(s, "audit(") {
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return r, &ParseError{Field: "msg", Value: s, Err: errors.New("unterminated audit( stamp")}
		}
		r.Time, r.Serial = parseStamp(s[len("audit("):end])
		s = strings.TrimLeft(s[end+1:], " :")
	}
	// auditd's enriched format appends interpreted fields after a GS byte (ARCH=x86_64
	// SYSCALL=openat AUID="unset"); the raw fields before it are authoritative.
	var enriched string
	if i := strings.IndexByte(s, 0x1d); i >= 0 {
		s, enriched = s[:i], s[i+1:]
	}
	f := fields(s)
	var err error
	if r.PID, err = intField(f, "pid"); err != nil {
		return r, err
	}
	for _, u := range []struct {
		key string
		dst *uint32
	}{{"uid", &r.UID}, {"gid", &r.GID}, {"auid", &r.AUID}, {"ses", &r.Ses}} {
		if *u.dst, err = idField(f, u.key); err != nil {
			return r, err
		}
	}
	r.Comm = untrusted(f, "comm")
	r.Exe = untrusted(f, "exe")
	if r.Signal, err = signalField(f); err != nil {
		return r, err
	}
	if v, ok := f["compat"]; ok {
		r.Compat = v.val == "1"
	}
	if v, ok := f["ip"]; ok {
		ip, err := strconv.ParseUint(strings.TrimPrefix(v.val, "0x"), 16, 64)
		if err != nil {
			return r, &ParseError{Field: "ip", Value: v.val, Err: err}
		}
		r.IP = ip
	}
	if err := r.decodeCode(f); err != nil {
		return r, err
	}
	if err := r.decodeSyscall(f, fields(enriched)); err != nil {
		return r, err
	}
	return r, nil
}

type value struct {
	val    string
	quoted bool
}

// fields splits `k=v k="quoted v" ...` into a map; the first occurrence of a key wins.
func fields(s string) map[string]value {
	m := make(map[string]value, 16)
	for s != "" {
		s = strings.TrimLeft(s, " ")
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			break
		}
		key := s[:eq]
		if sp := strings.LastIndexByte(key, ' '); sp >= 0 {
			// A stray word without "=": skip it.
			key = key[sp+1:]
		}
		s = s[eq+1:]
		var v value
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				v, s = value{val: s[1:], quoted: true}, ""
			} else {
				v, s = value{val: s[1 : 1+end], quoted: true}, s[2+end:]
			}
		} else {
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			v, s = value{val: s[:end]}, s[end:]
		}
		if _, dup := m[key]; !dup && key != "" {
			m[key] = v
		}
	}
	return m
}

// untrusted decodes a string field the kernel may hex-encode (comm=, exe=): quoted
// values are literal, unquoted ones are hex unless they are "(null)" or not hex.
func untrusted(f map[string]value, key string) string {
	v, ok := f[key]
	if !ok || v.quoted || v.val == "(null)" {
		return v.val
	}
	if b, err := hex.DecodeString(v.val); err == nil && len(v.val) > 0 {
		return string(b)
	}
	return v.val
}

func intField(f map[string]value, key string) (int, error) {
	v, ok := f[key]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v.val)
	if err != nil {
		return 0, &ParseError{Field: key, Value: v.val, Err: err}
	}
	return n, nil
}

// signalField reads sig=, a number, or "none" or a name (SIGSYS) in ausearch -i output.
func signalField(f map[string]value) (int, error) {
	v, ok := f["sig"]
	if !ok || v.val == "none" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v.val); err == nil {
		return n, nil
	}
	if n, ok := signalNumbers[v.val]; ok {
		return n, nil
	}
	return 0, &ParseError{Field: "sig", Value: v.val, Err: errors.New("unknown signal")}
}

// signalNumbers are the signals a seccomp action can kill with, as ausearch names them.
var signalNumbers = map[string]int{"SIGSYS": 31, "SIGKILL": 9}

// idField reads a uid-like field; ausearch -i prints names and "unset" instead, which
// carry no number and read as unset (4294967295) or 0.
func idField(f map[string]value, key string) (uint32, error) {
	v, ok := f[key]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseUint(v.val, 10, 32)
	if err == nil {
		return uint32(n), nil
	}
	switch {
	case v.val == "unset":
		return ^uint32(0), nil
	case v.val == "root":
		return 0, nil
	case v.val != "" && (v.val[0] < '0' || v.val[0] > '9'):
		// A user or group name from ausearch -i: the number is not in the line.
		return 0, nil
	}
	return 0, &ParseError{Field: key, Value: v.val, Err: err}
}

func parseStamp(s string) (time.Time, uint64) {
	colon := strings.LastIndexByte(s, ':')
	if colon < 0 {
		return time.Time{}, 0
	}
	serial, _ := strconv.ParseUint(s[colon+1:], 10, 64)
	ts := s[:colon]
	if sec, frac, ok := strings.Cut(ts, "."); ok && !strings.ContainsAny(ts, "/ ") {
		secs, err1 := strconv.ParseInt(sec, 10, 64)
		ms, err2 := strconv.ParseInt((frac + "000")[:3], 10, 64)
		if err1 == nil && err2 == nil {
			return time.Unix(secs, ms*int64(time.Millisecond)).UTC(), serial
		}
		return time.Time{}, serial
	}
	// ausearch -i: local time "01/02/2026 10:00:00.744".
	if t, err := time.ParseInLocation("01/02/2006 15:04:05.000", ts, time.Local); err == nil {
		return t, serial
	}
	return time.Time{}, serial
}

func (r *SeccompRecord) decodeCode(f map[string]value) error {
	v, ok := f["code"]
	if !ok {
		return &ParseError{Field: "code"}
	}
	if strings.HasPrefix(v.val, "0x") {
		c, err := strconv.ParseUint(v.val[2:], 16, 32)
		if err != nil {
			return &ParseError{Field: "code", Value: v.val, Err: err}
		}
		r.Code = uint32(c)
		r.Action, r.Data = ActionFromCode(r.Code)
		return nil
	}
	// ausearch -i prints the action's name; the data is lost.
	a, ok := interpretedActions[v.val]
	if !ok {
		return &ParseError{Field: "code", Value: v.val, Err: errors.New("unknown action")}
	}
	r.Action, r.Code = a, a.Kernel()
	return nil
}

var interpretedActions = map[string]profile.Action{
	"kill":         profile.ActKillThread,
	"kill-thread":  profile.ActKillThread,
	"kill-process": profile.ActKillProcess,
	"trap":         profile.ActTrap,
	"errno":        profile.ActErrno,
	"user-notif":   profile.ActNotify,
	"trace":        profile.ActTrace,
	"log":          profile.ActLog,
	"allow":        profile.ActAllow,
}

// ActionFromCode splits a seccomp filter's return value into its action and data.
// SECCOMP_RET_KILL_THREAD (0) decodes as SCMP_ACT_KILL_THREAD.
func ActionFromCode(code uint32) (profile.Action, uint16) {
	data := uint16(code & 0xffff)
	switch code & 0xffff0000 {
	case 0x80000000:
		return profile.ActKillProcess, data
	case 0x00000000:
		return profile.ActKillThread, data
	case 0x00030000:
		return profile.ActTrap, data
	case 0x00050000:
		return profile.ActErrno, data
	case 0x7fc00000:
		return profile.ActNotify, data
	case 0x7ff00000:
		return profile.ActTrace, data
	case 0x7ffc0000:
		return profile.ActLog, data
	case 0x7fff0000:
		return profile.ActAllow, data
	}
	// The kernel treats unknown actions as KILL_PROCESS.
	return profile.ActKillProcess, data
}

func (r *SeccompRecord) decodeSyscall(f, enriched map[string]value) error {
	av, ok := f["arch"]
	if !ok {
		return &ParseError{Field: "arch"}
	}
	sv, ok := f["syscall"]
	if !ok {
		return &ParseError{Field: "syscall"}
	}
	nr, numErr := strconv.Atoi(sv.val)
	if aa, err := strconv.ParseUint(av.val, 16, 32); err == nil && numErr == nil {
		r.AuditArch, r.Syscall = uint32(aa), nr
		arch, ok := syscalls.FromAuditArch(r.AuditArch, nr)
		if !ok {
			return &ParseError{Field: "arch", Value: av.val, Err: errors.New("unknown audit architecture")}
		}
		r.Arch = arch
		r.Name, _ = syscalls.Name(arch, nr)
		if r.Name == "" {
			// auditd resolved it for us when it knows the number and we don't.
			if s, ok := enriched["SYSCALL"]; ok && syscalls.Known(s.val) {
				r.Name = s.val
			}
		}
		return nil
	}
	// ausearch -i: arch=x86_64 syscall=openat.
	arch, err := syscalls.ParseArch(av.val)
	if err != nil {
		return &ParseError{Field: "arch", Value: av.val, Err: err}
	}
	r.Arch, r.AuditArch = arch, arch.AuditArch()
	if numErr == nil {
		r.Syscall = nr
		r.Name, _ = syscalls.Name(arch, nr)
		return nil
	}
	n, ok := syscalls.Number(arch, sv.val)
	if !ok {
		return &ParseError{Field: "syscall", Value: sv.val, Err: fmt.Errorf("no such syscall on %s", arch.Name())}
	}
	r.Syscall, r.Name = n, sv.val
	return nil
}
