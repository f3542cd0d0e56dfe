package probe

import (
	"slices"
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
	for _, bad := range []string{"denny: [mount]\n", "allow: [\"socket(1,\"]\n", "errno: [1]\n", "allow: read: x\n"} {
		if _, err := ParseExpectations("bad.yaml", []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
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
