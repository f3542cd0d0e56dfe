package probe

import (
	"slices"
	"strings"
	"testing"
)

func TestParseExpectations(t *testing.T) {
	e, err := ParseExpectations("e.yaml", []byte("allow: [read, \"socket(1, 1, 0)\"]\ndeny:\n  - mount\nerrno: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.Allow, []string{"read", "socket(1, 1, 0)"}) || !slices.Equal(e.Deny, []string{"mount"}) || e.Errno != "1" {
		t.Errorf("got %+v", e)
	}
	for _, bad := range []struct{ in, msg string }{
		{"denny: [mount]\n", "denny"},
		{"allow: [\"socket(1,\"]\n", "missing ')'"},
		{"errno: [1]\n", "errno"},
		{"allow: read: x\n", "bad.yaml"},
		// An empty file, or one with empty lists, would pass any profile.
		{"", "expects nothing"},
		{"allow: []\ndeny: []\n", "expects nothing"},
		{"errno: EPERM\n", "expects nothing"},
		// A call cannot be both.
		{"allow: [read, mount]\ndeny: [ mount ]\n", "mount is under both allow and deny"},
		{"allow: [\"socket(1, 1, 0)\"]\ndeny: [\"socket(1,1,0)\"]\n", "socket(1, 1, 0) is under both"},
		// Errors in the file name the file, not the profile tested against it.
		{"deny: [mount]\nerrno: EPREM\n", "unknown errno \"EPREM\""},
	} {
		_, err := ParseExpectations("bad.yaml", []byte(bad.in))
		if err == nil || !strings.Contains(err.Error(), bad.msg) || !strings.HasPrefix(err.Error(), "bad.yaml: ") {
			t.Errorf("%q: error %v, want bad.yaml: ...%s", bad.in, err, bad.msg)
		}
	}
	// The same syscall with different arguments may be both: socket(AF_UNIX) allowed,
	// socket(AF_VSOCK) denied.
	if _, err := ParseExpectations("ok.yaml", []byte("allow: [\"socket(1, 1, 0)\"]\ndeny: [\"socket(40, 1, 0)\"]\n")); err != nil {
		t.Error(err)
	}
}

func TestParseCall(t *testing.T) {
	tests := []struct {
		in   string
		want Call
		ok   bool
	}{
		{"read", Call{Name: "read"}, true},
		{"socket(1, 0x1, 0)", Call{Name: "socket", Args: []uint64{1, 1, 0}}, true},
		{"kill(-1, 0)", Call{Name: "kill", Args: []uint64{^uint64(0), 0}}, true},
		{"getpid()", Call{Name: "getpid", Args: []uint64{}}, true},
		{"x(1,2,3,4,5,6,7)", Call{}, false},
		{"socket(AF_INET)", Call{}, false},
		{"(1)", Call{}, false},
	}
	for _, tt := range tests {
		got, err := ParseCall(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseCall(%q) error %v", tt.in, err)
			continue
		}
		if tt.ok && (got.Name != tt.want.Name || !slices.Equal(got.Args, tt.want.Args)) {
			t.Errorf("ParseCall(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseCall(f *testing.F) {
	for _, s := range []string{"read", "socket(1, 1, 0)", "kill(-1,0x9)", "a(", "b)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCall(s)
		if err == nil && c.Name == "" {
			t.Errorf("ParseCall(%q) accepted an empty name", s)
		}
	})
}

func TestErrnoNumber(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{{"EPERM", 1}, {"1", 1}, {"ENOSYS", 38}, {"EACCES", 13}} {
		if n, ok := ErrnoNumber(tt.in); !ok || n != tt.want {
			t.Errorf("ErrnoNumber(%q) = %d, %v", tt.in, n, ok)
		}
	}
	if _, ok := ErrnoNumber("EWHATEVER"); ok {
		t.Error("unknown errno accepted")
	}
}

func FuzzParseExpectations(f *testing.F) {
	f.Add([]byte("allow: [read]\ndeny: [mount]\nerrno: EPERM\n"))
	f.Add([]byte(`{"allow": ["socket(1, 1, 0)"], "errno": 13}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseExpectations("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, c := range append(e.Allow, e.Deny...) {
			if _, err := ParseCall(c); err != nil {
				t.Errorf("accepted %q that ParseCall rejects: %v", c, err)
			}
		}
	})
}
