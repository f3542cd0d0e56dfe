package lint_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/lint"
	"github.com/seccompctl/seccompctl/profile"
)

func ExampleLint() {
	p, err := profile.Parse("open.json", []byte(`{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["openat"], "action": "SCMP_ACT_ERRNO",
     "args": [{"index": 1, "value": 1, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]}
  ]
}`))
	if err != nil {
		panic(err)
	}
	fs, err := lint.Lint(p, lint.Options{Runtimes: []string{"runc"}, Disable: []string{"SC5001", "SC5003"}})
	if err != nil {
		panic(err)
	}
	for _, f := range fs {
		fmt.Println(f)
	}
	// Output:
	// open.json:4:16: warning SC2001: runc 1.1.5 calls openat after installing the filter (no_new_privs=false), and the profile allows it only under conditions the runtime's calls may not meet
	// open.json:5:15: error SC3002: argument 1 of openat is filename (a pointer); its flags are argument 2
}
