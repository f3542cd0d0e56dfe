package audit

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/syscalls"
)

// The raw record the kernel of the test machine wrote for a getppid answered with
// SCMP_ACT_LOG (captured from dmesg), and the same record in every form it reaches users.
const rawFields = `auid=4294967295 uid=0 gid=0 ses=4294967295 pid=24872 comm="python3" exe="/usr/bin/python3.11" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7f1fa518b4f7 code=0x7ffc0000`

func TestParseSeccompForms(t *testing.T) {
	want := SeccompRecord{
		Time: time.Unix(1795824431, 983e6).UTC(), Serial: 2,
		PID: 24872, UID: 0, GID: 0, AUID: 4294967295, Ses: 4294967295,
		Comm: "python3", Exe: "/usr/bin/python3.11",
		Arch: syscalls.X86_64, AuditArch: 0xc000003e, Syscall: 110, Name: "getppid",
		IP: 0x7f1fa518b4f7, Code: 0x7ffc0000, Action: profile.ActLog,
	}
	tests := []struct {
		name string
		line string
	}{
		{"netlink payload", "audit(1795824431.983:2): " + rawFields},
		{"dmesg", "[  566.852610] audit: type=1326 audit(1795824431.983:2): " + rawFields},
		{"dmesg -T", "[Sat Nov 28 00:07:11 2026] audit: type=1326 audit(1795824431.983:2): " + rawFields},
		{"kmsg", "5,348,566852610,-;audit: type=1326 audit(1795824431.983:2): " + rawFields},
		{"journalctl -k", "Nov 28 00:07:11 node01 kernel: audit: type=1326 audit(1795824431.983:2): " + rawFields},
		{"syslog", "Nov 28 00:07:11 node01 kernel: [  566.852610] audit: type=1326 audit(1795824431.983:2): " + rawFields},
		{"syslog rfc3339", "2026-11-28T00:07:11.983521+00:00 node01 kernel: [  566.852610] audit: type=1326 audit(1795824431.983:2): " + rawFields},
		{"audit.log", "type=SECCOMP msg=audit(1795824431.983:2): " + rawFields},
		{"audit.log enriched", "type=SECCOMP msg=audit(1795824431.983:2): " + rawFields + "\x1dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=getppid"},
		{"trailing newline", "audit(1795824431.983:2): " + rawFields + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSeccomp(tt.line)
			if err != nil {
				t.Fatalf("ParseSeccomp: %v", err)
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseSeccompJournaldAuditTransport(t *testing.T) {
	// journald's audit transport drops the stamp and the type number.
	got, err := ParseSeccomp("Nov 28 00:07:11 node01 audit[24872]: SECCOMP " + rawFields)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "getppid" || got.PID != 24872 || got.Action != profile.ActLog || !got.Time.IsZero() {
		t.Errorf("got %+v", got)
	}
}

func TestParseSeccompFields(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		check func(t *testing.T, r SeccompRecord)
	}{
		{
			name: "errno with data",
			line: `audit(1795824431.983:3): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=24872 comm="python3" exe="/usr/bin/python3.11" sig=0 arch=c000003e syscall=121 compat=0 ip=0x7f1fa518b717 code=0x50000`,
			check: func(t *testing.T, r SeccompRecord) {
				if r.Action != profile.ActErrno || r.Data != 0 || r.Name != "getpgid" {
					t.Errorf("got %v data %d name %q", r.Action, r.Data, r.Name)
				}
			},
		},
		{
			name: "errno EPERM, kill process and compat i386",
			line: `type=1326 audit(1.5:9): pid=7 comm="a.out" exe="/x" sig=31 arch=40000003 syscall=11 compat=1 ip=0xf7f0 code=0x80000000`,
			check: func(t *testing.T, r SeccompRecord) {
				if r.Arch != syscalls.X86 || r.Name != "execve" || !r.Compat || r.Signal != 31 || r.Action != profile.ActKillProcess {
					t.Errorf("got %+v", r)
				}
				if r.Time != time.Unix(1, 500e6).UTC() || r.Serial != 9 {
					t.Errorf("stamp %v %d", r.Time, r.Serial)
				}
			},
		},
		{
			name: "x32 number",
			line: `audit(1.000:1): pid=7 arch=c000003e syscall=1073742081 compat=0 code=0x7ffc0000`,
			check: func(t *testing.T, r SeccompRecord) {
				if r.Arch != syscalls.X32 || r.Name != "openat" {
					t.Errorf("got arch %v name %q", r.Arch, r.Name)
				}
			},
		},
		{
			name: "hex-encoded comm",
			line: `audit(1.000:1): pid=7 comm=6D7920617070 exe=(null) arch=c000003e syscall=0 code=0x7ffc0000`,
			check: func(t *testing.T, r SeccompRecord) {
				if r.Comm != "my app" || r.Exe != "(null)" || r.Name != "read" {
					t.Errorf("comm %q exe %q name %q", r.Comm, r.Exe, r.Name)
				}
			},
		},
		{
			name: "errno data",
			line: `audit(1.000:1): pid=7 arch=c00000b7 syscall=56 code=0x50026`,
			check: func(t *testing.T, r SeccompRecord) {
				if r.Arch != syscalls.AArch64 || r.Name != "openat" || r.Action != profile.ActErrno || r.Data != 38 {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "ausearch -i",
			line: `type=SECCOMP msg=audit(11/28/2026 00:07:11.983:2) : auid=unset uid=root gid=root ses=unset pid=24872 comm=python3 exe=/usr/bin/python3.11 sig=none arch=x86_64 syscall=getppid compat=0 ip=0x7f1fa518b4f7 code=log`,
			check: func(t *testing.T, r SeccompRecord) {
				if r.Arch != syscalls.X86_64 || r.Syscall != 110 || r.Action != profile.ActLog || r.AUID != ^uint32(0) || r.Comm != "python3" {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "unknown number keeps the number",
			line: `audit(1.000:1): pid=7 arch=c000003e syscall=999 code=0x7ffc0000`,
			check: func(t *testing.T, r SeccompRecord) {
				if r.Name != "" || r.Syscall != 999 {
					t.Errorf("got %+v", r)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseSeccomp(tt.line)
			if err != nil {
				t.Fatalf("ParseSeccomp: %v", err)
			}
			tt.check(t, r)
		})
	}
}

func TestParseSeccompErrors(t *testing.T) {
	notSeccomp := []string{
		"",
		"[    0.144029] audit: type=2000 audit(1794968240.260:1): state=initialized audit_enabled=0 res=1",
		"type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes",
		"Nov 28 00:07:11 node01 kernel: eth0: link up",
		"audit(1.000:1): op=set audit_pid=0",
	}
	for _, line := range notSeccomp {
		if _, err := ParseSeccomp(line); !errors.Is(err, ErrNotSeccomp) {
			t.Errorf("ParseSeccomp(%q) = %v, want ErrNotSeccomp", line, err)
		}
	}
	malformed := map[string]string{
		"type=1326 audit(1.000:1): pid=7 syscall=1 code=0x7ffc0000":               "arch",
		"type=1326 audit(1.000:1): pid=7 arch=c000003e code=0x7ffc0000":           "syscall",
		"type=1326 audit(1.000:1): pid=7 arch=c000003e syscall=1":                 "code",
		"type=1326 audit(1.000:1): pid=7 arch=deadbeef syscall=1 code=0x7ffc0000": "arch",
		"type=1326 audit(1.000:1): pid=x arch=c000003e syscall=1 code=0x7ffc0000": "pid",
		"type=1326 audit(1.000:1): arch=c000003e syscall=1 code=0xzz":             "code",
		"type=1326 audit(1.000:1): arch=x86_64 syscall=nosuchcall code=log":       "syscall",
		"type=1326 audit(1.000:1: arch=c000003e syscall=1 code=0x7ffc0000":        "msg",
	}
	for line, field := range malformed {
		_, err := ParseSeccomp(line)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Field != field {
			t.Errorf("ParseSeccomp(%q) = %v, want a ParseError on %s", line, err, field)
		}
	}
}

func TestActionFromCode(t *testing.T) {
	tests := []struct {
		code   uint32
		action profile.Action
		data   uint16
	}{
		{0x00000000, profile.ActKillThread, 0},
		{0x80000000, profile.ActKillProcess, 0},
		{0x00030005, profile.ActTrap, 5},
		{0x00050001, profile.ActErrno, 1},
		{0x7fc00000, profile.ActNotify, 0},
		{0x7ff0002a, profile.ActTrace, 42},
		{0x7ffc0000, profile.ActLog, 0},
		{0x7fff0000, profile.ActAllow, 0},
		{0x12340000, profile.ActKillProcess, 0},
	}
	for _, tt := range tests {
		a, d := ActionFromCode(tt.code)
		if a != tt.action || d != tt.data {
			t.Errorf("ActionFromCode(%#x) = %v, %d; want %v, %d", tt.code, a, d, tt.action, tt.data)
		}
		// Every decoded action maps back to the kernel's action bits.
		if tt.code&0xffff0000 != 0x12340000 && a.Kernel()|uint32(d) != tt.code {
			t.Errorf("Kernel(%v)|%d = %#x, want %#x", a, d, a.Kernel()|uint32(d), tt.code)
		}
	}
}

func TestDecodeMessage(t *testing.T) {
	payload := "audit(1795824431.983:2): " + rawFields
	// nlmsg_len covers the header and the text, not padded to 4 bytes.
	b := make([]byte, 16, 16+len(payload)+3)
	l := uint32(16 + len(payload))
	binary.NativeEndian.PutUint32(b[0:], l)
	binary.NativeEndian.PutUint16(b[4:], TypeSeccomp)
	b = append(b, payload...)
	b = append(b, 0, 0, 0) // bytes beyond nlmsg_len are not part of the record
	m, ok := decodeMessage(b)
	if !ok || m.Type != TypeSeccomp || m.Data != payload {
		t.Fatalf("decodeMessage = %+v, %v", m, ok)
	}
	r, err := ParseMessage(m)
	if err != nil || r.Name != "getppid" {
		t.Fatalf("ParseMessage = %+v, %v", r, err)
	}
	if _, ok := decodeMessage(b[:10]); ok {
		t.Error("decodeMessage accepted a short datagram")
	}
}
