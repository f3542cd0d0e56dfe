package profile

import (
	"strings"
	"testing"
)

func TestCarryYAMLComments(t *testing.T) {
	orig := `# Profile for the web tier.
defaultAction: SCMP_ACT_ERRNO   # deny by default
syscalls:
  # the basics
  - action: SCMP_ACT_ALLOW
    names: [read, write]  # I/O
  - names:
    - mount
    action: SCMP_ACT_ERRNO # never
    errnoRet: 1
`
	ps, err := ParseAll("web.yaml", []byte(orig))
	if err != nil {
		t.Fatal(err)
	}
	normal, err := MarshalAll(ps)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(normal), "#") {
		t.Fatalf("the normal form already has comments:\n%s", normal)
	}
	got, err := CarryYAMLComments([]byte(orig), normal)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Profile for the web tier.
defaultAction: SCMP_ACT_ERRNO # deny by default
syscalls:
  # the basics
  - names: # I/O
      - read
      - write
    action: SCMP_ACT_ALLOW
  - names:
      - mount
    action: SCMP_ACT_ERRNO # never
    errnoRet: 1
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// The profile read back is the same one.
	back, err := ParseAll("web.yaml", got)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := MarshalAll(back)
	if string(again) != string(normal) {
		t.Errorf("the profile changed:\n%s\nwant:\n%s", again, normal)
	}
	// Idempotent: carrying again gives the same text.
	twice, err := CarryYAMLComments(got, again)
	if err != nil || string(twice) != string(got) {
		t.Errorf("second pass differs (%v):\n%s", err, twice)
	}
	// No comments: the normal form comes back untouched.
	if out, _ := CarryYAMLComments(normal, normal); string(out) != string(normal) {
		t.Errorf("a comment-free file changed")
	}
}
