package profile

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/internal/goldenfile"
	"github.com/seccompctl/seccompctl/syscalls"
)

var update = goldenfile.Update

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), got)
}

// inputs are every reference profile and fixture the round-trip tests cover.
func inputs(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/reference/*.json", "testdata/fixtures/*.json", "testdata/fixtures/*.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 9 {
		t.Fatalf("found only %d test inputs", len(files))
	}
	return files
}

// stripSource drops what legitimately differs between two reads of the same profile.
func stripSource(ps []*Profile) []*Profile {
	out := make([]*Profile, len(ps))
	for i, p := range ps {
		c := p.Clone()
		c.Source = nil
		if c.Resource != nil {
			c.Resource.APIVersion = ""
		}
		out[i] = c
	}
	return out
}

// TestRoundTrip: every input loads and validates; writing it in its own format and
// reading it back gives an equal profile; writing is a fixed point and matches the
// golden file.
func TestRoundTrip(t *testing.T) {
	for _, file := range inputs(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ps, err := LoadAll(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if err := p.Validate(); err != nil {
					t.Fatalf("Validate after Load: %v", err)
				}
			}
			format := ps[0].Source.Format
			out, err := MarshalAll(ps)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(out, []byte("\n")) || bytes.HasSuffix(out, []byte("\n\n")) {
				t.Errorf("output does not end in exactly one newline")
			}
			again, err := ParseAll(file, out)
			if err != nil {
				t.Fatalf("reading our own output: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(stripSource(ps), stripSource(again)) {
				t.Errorf("read → write → read changed the profile")
			}
			out2, err := MarshalAll(again)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, out2) {
				t.Errorf("writing is not a fixed point")
			}
			golden(t, filepath.Base(file), out)

			// The other formats carry the same model (SPO only after resolving).
			if format != FormatSPO {
				for _, f := range []Format{FormatJSON, FormatYAML} {
					data, err := ps[0].MarshalAs(f)
					if err != nil {
						t.Fatal(err)
					}
					back, err := Parse("x", data)
					if err != nil {
						t.Fatalf("%s: %v", f, err)
					}
					if !reflect.DeepEqual(stripSource(ps), stripSource([]*Profile{back})) {
						t.Errorf("%s round trip changed the profile", f)
					}
				}
			}
		})
	}
}

// TestSPORoundTrip: a resolved profile written as a SeccompProfile reads back the same.
func TestSPORoundTrip(t *testing.T) {
	for _, file := range inputs(t) {
		ps, err := LoadAll(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			r, err := p.Resolve(ResolveOptions{Arch: syscalls.X86_64, Caps: DefaultCaps(), Kernel: "6.1"})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if err := r.SPOCompatible(); err != nil {
				continue // e.g. defaultErrnoRet ENOSYS
			}
			data, err := MarshalSPO(r)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			back, err := Parse("x.yaml", data)
			if err != nil {
				t.Fatalf("%s: %v\n%s", file, err, data)
			}
			if back.Resource == nil || back.Resource.Name != ResourceName(p.Name()) {
				t.Errorf("%s: resource name %+v", file, back.Resource)
			}
			want := r.Clone()
			for i := range want.Syscalls {
				want.Syscalls[i].Comment = "" // SPO has no comments
				want.Syscalls[i].Errno = ""
			}
			want.DefaultErrnoRet, want.DefaultErrno = nil, ""
			back.Resource = want.Resource
			if !reflect.DeepEqual(stripSource([]*Profile{want}), stripSource([]*Profile{back})) {
				t.Errorf("%s: SPO round trip changed the profile", file)
			}
		}
	}
}

func TestOldDockerName(t *testing.T) {
	p, err := Load("testdata/fixtures/old-docker-name.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Syscalls[2].AllNames(); !reflect.DeepEqual(got, []string{"clone"}) {
		t.Errorf("AllNames = %v", got)
	}
	if p.Syscalls[0].Args != nil {
		t.Errorf(`"args": [] should read as no args, got %#v`, p.Syscalls[0].Args)
	}
	r, err := p.Resolve(ResolveOptions{Arch: syscalls.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	if r.Syscalls[2].Name != "" || !reflect.DeepEqual(r.Syscalls[2].Names, []string{"clone"}) {
		t.Errorf("Resolve should move name into names: %+v", r.Syscalls[2])
	}
	// The position of "name" serves for names[0] after resolving.
	if pos, ok := r.Pos("syscalls[2].names[0]"); !ok || pos != (Position{20, 12}) {
		t.Errorf("position of syscalls[2].names[0] = %v, %v; want 20:12", pos, ok)
	}
}

func TestPositions(t *testing.T) {
	p, err := Load("testdata/reference/seed-conditional.json")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]Position{
		"":                             {1, 1},
		"defaultAction":                {2, 20},
		"architectures":                {3, 20},
		"architectures[0]":             {3, 21},
		"syscalls":                     {4, 15},
		"syscalls[0]":                  {5, 5},
		"syscalls[0].names[0]":         {6, 17},
		"syscalls[0].args[0].op":       {12, 17},
		"syscalls[1].names[1]":         {17, 25},
		"syscalls[1].args[0].valueTwo": {23, 23},
	} {
		got, ok := p.Pos(path)
		if !ok || got != want {
			t.Errorf("Pos(%q) = %v, %v; want %v", path, got, ok, want)
		}
	}
	if _, ok := p.Pos("syscalls[9]"); ok {
		t.Errorf("Pos of a missing path reported ok")
	}
	var nilProfile *Profile
	if _, ok := nilProfile.Pos("defaultAction"); ok {
		t.Errorf("Pos on nil profile reported ok")
	}
}

func TestYAMLPositions(t *testing.T) {
	ps, err := LoadAll("testdata/fixtures/spo-multi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("got %d profiles, want 2", len(ps))
	}
	if ps[0].Name() != "profile-allowed-syscalls" || ps[1].Name() != "profile-old-errno" {
		t.Errorf("names = %q, %q", ps[0].Name(), ps[1].Name())
	}
	if got, _ := ps[0].Pos("syscalls[0].names[2]"); got != (Position{18, 7}) {
		t.Errorf("Pos(syscalls[0].names[2]) = %v, want 18:7", got)
	}
	if got, _ := ps[1].Pos("syscalls[0].errnoRet"); got != (Position{30, 15}) {
		t.Errorf("Pos(syscalls[0].errnoRet) = %v, want 30:15", got)
	}
	if e := ps[1].Syscalls[0].ErrnoRet; e == nil || *e != 38 {
		t.Errorf(`v1alpha1 errnoRet "38" read as %v`, e)
	}
	if ps[1].Resource.BaseProfileName != "runc-v1.0.0" || ps[0].Resource.Namespace != "my-namespace" {
		t.Errorf("resource = %+v / %+v", ps[1].Resource, ps[0].Resource)
	}
	if _, err := Load("testdata/fixtures/spo-multi.yaml"); err == nil || !strings.Contains(err.Error(), "holds 2 profiles") {
		t.Errorf("Load of a 2-document file: %v", err)
	}
}

func TestErrorsAs(t *testing.T) {
	_, err := Parse("app.json", []byte(`{"defaultAction": "SCMP_ACT_ALOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_KIL"}]}`))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("want an ErrorList of 2, got %#v", err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal("errors.As(*Error) failed")
	}
	if e.File != "app.json" || e.Line != 1 || e.Column != 19 || e.Path != "defaultAction" || e.Suggestion != "SCMP_ACT_ALLOW" {
		t.Errorf("first error = %+v", e)
	}
}

func TestUnknownFieldsAllowed(t *testing.T) {
	data := []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "comment": "mine", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_LOG", "excludes": {"cap": ["CAP_SYS_ADMIN"]}}]}`)
	if _, err := Parse("x.json", data); err == nil {
		t.Fatal("unknown fields loaded without error")
	}
	ps, err := Decode("x.json", data, ParseOptions{AllowUnknownFields: true})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, w := range ps[0].Source.Warnings {
		msgs = append(msgs, w.Error())
	}
	want := []string{
		`x.json:1:37: comment: unknown field "comment" ignored`,
		`x.json:1:128: syscalls[0].excludes.cap: unknown field "cap" ignored (did you mean caps?)`,
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestValidateBuiltInCode(t *testing.T) {
	five := uint(5000)
	p := &Profile{
		DefaultAction: ActErrno,
		Architectures: []syscalls.Arch{syscalls.X86_64},
		ArchMap:       []ArchMap{{Arch: syscalls.AArch64}},
		Syscalls: []Rule{
			{Names: []string{"read", "read"}, Action: ActAllow, ErrnoRet: &five},
			{Action: ActErrno, ErrnoRet: &five, Args: []Arg{{Index: 6, Op: OpEqualTo, ValueTwo: 1}}},
		},
	}
	err := p.Validate()
	want := strings.Join([]string{
		"archMap: architectures and archMap are both set; use one of them",
		"syscalls[0].errnoRet: errnoRet is only used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW",
		`syscalls[0].names[1]: "read" is named twice in this rule (also names[0])`,
		"syscalls[1].args[0].index: argument index 6 out of range (0 to 5)",
		"syscalls[1].args[0].valueTwo: valueTwo is only used by SCMP_CMP_MASKED_EQ, not SCMP_CMP_EQ",
		"syscalls[1].errnoRet: errno 5000 out of range (0 to 4095)",
		"syscalls[1].names: rule names no syscalls",
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("Validate:\n%v\nwant:\n%s", err, want)
	}
}

func TestRuntimeDefault(t *testing.T) {
	p := RuntimeDefault()
	if p == nil {
		t.Skip("the runtime default profile exists only on Linux builds")
	}
	if p.DefaultAction != ActErrno || len(p.ArchMap) == 0 || len(p.Syscalls) < 20 {
		t.Errorf("unexpected runtime default: %v, %d arch entries, %d rules", p.DefaultAction, len(p.ArchMap), len(p.Syscalls))
	}
	p.Syscalls = nil
	if q := RuntimeDefault(); len(q.Syscalls) == 0 {
		t.Errorf("RuntimeDefault returned shared state")
	}
}

func TestResourceName(t *testing.T) {
	for in, want := range map[string]string{
		"seed-minimal":  "seed-minimal",
		"My_Profile v2": "my-profile-v2",
		"--":            "profile",
		"a.b":           "a.b",
	} {
		if got := ResourceName(in); got != want {
			t.Errorf("ResourceName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSPOErrnoRetZeroIsUnset(t *testing.T) {
	for _, v := range []string{`0`, `"0"`} {
		p, err := Parse("sp.yaml", []byte("apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: SeccompProfile\nmetadata: {name: a}\nspec:\n  defaultAction: SCMP_ACT_LOG\n  syscalls:\n  - {names: [read], action: SCMP_ACT_ERRNO, errnoRet: "+v+"}\n"))
		if err != nil {
			t.Fatal(err)
		}
		if p.Syscalls[0].ErrnoRet != nil {
			t.Errorf("errnoRet %s read as %d, want unset", v, *p.Syscalls[0].ErrnoRet)
		}
	}
}
