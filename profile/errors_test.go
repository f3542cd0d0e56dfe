package profile

import (
	"strings"
	"testing"
)

// appJSON is the example of the issue: the typo sits at line 14, column 17.
const appJSON = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {
      "names": ["read"],
      "action": "SCMP_ACT_ALLOW"
    },
    { "names": ["write"], "action": "SCMP_ACT_ALLOW" },
    { "names": ["close"], "action": "SCMP_ACT_ALLOW" },
    {
      "names": [
        "openat"
      ],
      "action": "SCMP_ACT_ALOW"
    }
  ]
}
`

// rule wraps one rule in a minimal profile on a single line, so columns are easy to
// read off: the rule object starts at column 48.
func rule(body string) string {
	return `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [` + body + `]}`
}

// TestMalformed checks the exact message for each kind of bad input.
func TestMalformed(t *testing.T) {
	tests := []struct {
		name, file, in string
		want           []string
	}{
		{"issue example", "app.json", appJSON, []string{
			`app.json:14:17: syscalls[3].action: unknown action "SCMP_ACT_ALOW" (did you mean SCMP_ACT_ALLOW?)`}},
		{"not JSON", "p.json", `{"defaultAction": }`, []string{
			`p.json:1:19: invalid JSON: unexpected character '}', expected a value`}},
		{"truncated JSON", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW"`, []string{
			`p.json:1:35: invalid JSON: unexpected end of input, expected ',' or '}'`}},
		{"trailing comma", "p.json", "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n}", []string{
			`p.json:3:1: invalid JSON: trailing comma before '}'`}},
		{"trailing garbage", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW"} x`, []string{
			`p.json:1:37: invalid JSON: unexpected character 'x' after the top-level value`}},
		{"bad escape", "p.json", `{"defaultAction": "SCMP\qACT"}`, []string{
			`p.json:1:24: invalid JSON: invalid escape \q in string`}},
		{"not YAML", "p.yaml", "defaultAction: [SCMP_ACT_ALLOW\nsyscalls: x\n", []string{
			`p.yaml:1:1: invalid YAML: did not find expected ',' or ']'`}},
		{"plain text", "p.txt", "hello world\n", []string{
			`p.txt:1:1: expected a seccomp profile (a JSON or YAML object), got a string`}},
		{"empty", "p.json", "  \n", []string{
			`p.json: empty document, expected a seccomp profile`}},
		{"array at top", "p.json", `[{"defaultAction": "SCMP_ACT_ALLOW"}]`, []string{
			`p.json:1:1: expected a seccomp profile (a JSON or YAML object), got an array`}},
		{"missing defaultAction", "p.json", `{"syscalls": []}`, []string{
			`p.json:1:1: defaultAction: missing defaultAction`}},
		{"defaultAction wrong type", "p.json", `{"defaultAction": 1}`, []string{
			`p.json:1:19: defaultAction: expected a string, got a number`}},
		{"lower-case action", "p.json", `{"defaultAction": "allow"}`, []string{
			`p.json:1:19: defaultAction: unknown action "allow" (did you mean SCMP_ACT_ALLOW?)`}},
		{"notify as default", "p.json", `{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/l.sock"}`, []string{
			`p.json:1:19: defaultAction: SCMP_ACT_NOTIFY cannot be the default action (runtimes reject it)`}},
		{"unknown top-level field", "p.json", `{"defaultAcion": "SCMP_ACT_ALLOW", "defaultAction": "SCMP_ACT_ALLOW"}`, []string{
			`p.json:1:2: defaultAcion: unknown field "defaultAcion" (did you mean defaultAction?)`}},
		{"duplicate field", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "defaultAction": "SCMP_ACT_LOG"}`, []string{
			`p.json:1:37: defaultAction: duplicate field "defaultAction" (first at line 1)`}},
		{"defaultErrnoRet without ERRNO", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}`, []string{
			`p.json:1:56: defaultErrnoRet: defaultErrnoRet is only used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW`}},
		{"negative defaultErrnoRet", "p.json", `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}`, []string{
			`p.json:1:56: defaultErrnoRet: negative number -1 not allowed`}},
		{"unknown flag", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOGG"]}`, []string{
			`p.json:1:47: flags[0]: unknown flag "SECCOMP_FILTER_FLAG_LOGG" (did you mean SECCOMP_FILTER_FLAG_LOG?)`}},
		{"short flag", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["tsync"]}`, []string{
			`p.json:1:47: flags[0]: unknown flag "tsync" (did you mean SECCOMP_FILTER_FLAG_TSYNC?)`}},
		{"arch spelt as uname", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["x86_64"]}`, []string{
			`p.json:1:55: architectures[0]: unknown architecture "x86_64" (did you mean SCMP_ARCH_X86_64?)`}},
		{"arch typo", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_AARCH46"]}`, []string{
			`p.json:1:55: architectures[0]: unknown architecture "SCMP_ARCH_AARCH46" (did you mean SCMP_ARCH_AARCH64?)`}},
		{"native arch", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_NATIVE"]}`, []string{
			`p.json:1:55: architectures[0]: SCMP_ARCH_NATIVE is not supported: name the architecture (e.g. SCMP_ARCH_X86_64)`}},
		{"architectures with archMap", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}`, []string{
			`p.json:1:87: archMap: architectures and archMap are both set; use one of them`}},
		{"archMap without architecture", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"subArchitectures": ["SCMP_ARCH_X86"]}]}`, []string{
			`p.json:1:49: archMap[0].architecture: missing architecture`}},
		{"syscalls not an array", "p.json", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {"names": ["read"]}}`, []string{
			`p.json:1:49: syscalls: expected an array of rules, got an object`}},
		{"rule not an object", "p.json", rule(`"read"`), []string{
			`p.json:1:50: syscalls[0]: expected an object, got a string`}},
		{"name and names", "p.json", rule(`{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:59: syscalls[0].name: "name" and "names" are both set; put every syscall in "names"`}},
		{"rule without names", "p.json", rule(`{"action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:50: syscalls[0].names: rule names no syscalls`}},
		{"empty names", "p.json", rule(`{"names": [], "action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:60: syscalls[0].names: rule names no syscalls`}},
		{"names is a string", "p.json", rule(`{"names": "read", "action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:60: syscalls[0].names: expected an array of strings, got a string`}},
		{"name is a number", "p.json", rule(`{"names": ["read", 0], "action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:69: syscalls[0].names[1]: expected a string, got a number`}},
		{"empty name", "p.json", rule(`{"names": ["read", ""], "action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:69: syscalls[0].names[1]: empty syscall name`}},
		{"name with spaces", "p.json", rule(`{"names": [" read"], "action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:61: syscalls[0].names[0]: syscall name " read" has surrounding spaces (did you mean read?)`}},
		{"same name twice", "p.json", rule(`{"names": ["read", "write", "read"], "action": "SCMP_ACT_ALLOW"}`), []string{
			`p.json:1:78: syscalls[0].names[2]: "read" is named twice in this rule (also names[0])`}},
		{"missing action", "p.json", rule(`{"names": ["read"]}`), []string{
			`p.json:1:50: syscalls[0].action: missing action`}},
		{"unknown rule field", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "exclude": {"caps": ["CAP_SYS_ADMIN"]}}`), []string{
			`p.json:1:98: syscalls[0].exclude: unknown field "exclude" (did you mean excludes?)`}},
		{"errnoRet on ALLOW", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}`), []string{
			`p.json:1:110: syscalls[0].errnoRet: errnoRet is only used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW`}},
		{"errno too large", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4096}`), []string{
			`p.json:1:110: syscalls[0].errnoRet: errno 4096 out of range (0 to 4095)`}},
		{"trace data too large", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_TRACE", "errnoRet": 65536}`), []string{
			`p.json:1:110: syscalls[0].errnoRet: trace message 65536 out of range (0 to 65535)`}},
		{"errnoRet string", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": "1"}`), []string{
			`p.json:1:110: syscalls[0].errnoRet: expected a non-negative integer, got a string`}},
		{"errno name disagrees", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2, "errno": "EPERM"}`), []string{
			`p.json:1:122: syscalls[0].errno: EPERM is 1, but errnoRet says 2`}},
		{"args not an array", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": {"index": 0}}`), []string{
			`p.json:1:106: syscalls[0].args: expected an array of argument conditions, got an object`}},
		{"arg index 6", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}`), []string{
			`p.json:1:117: syscalls[0].args[0].index: argument index 6 out of range (0 to 5)`}},
		{"arg without op", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1}]}`), []string{
			`p.json:1:107: syscalls[0].args[0].op: missing op`}},
		{"arg without index", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"value": 1, "op": "SCMP_CMP_EQ"}]}`), []string{
			`p.json:1:107: syscalls[0].args[0].index: missing index`}},
		{"unknown op", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_MASKED_EQUAL"}]}`), []string{
			`p.json:1:138: syscalls[0].args[0].op: unknown operator "SCMP_CMP_MASKED_EQUAL" (did you mean SCMP_CMP_MASKED_EQ?)`}},
		{"valueTwo without MASKED_EQ", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_EQ"}]}`), []string{
			`p.json:1:144: syscalls[0].args[0].valueTwo: valueTwo is only used by SCMP_CMP_MASKED_EQ, not SCMP_CMP_EQ`}},
		{"negative value", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}`), []string{
			`p.json:1:129: syscalls[0].args[0].value: negative number -1 not allowed`}},
		{"overflowing value", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}`), []string{
			`p.json:1:129: syscalls[0].args[0].value: 18446744073709551616 overflows a 64-bit unsigned integer`}},
		{"fractional value", "p.json", rule(`{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1.5, "op": "SCMP_CMP_EQ"}]}`), []string{
			`p.json:1:129: syscalls[0].args[0].value: 1.5 is not an integer`}},
		{"unknown capability", "p.json", rule(`{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["SYS_ADMIN"]}}`), []string{
			`p.json:1:121: syscalls[0].includes.caps[0]: unknown capability "SYS_ADMIN" (did you mean CAP_SYS_ADMIN?)`}},
		{"filter arch spelt as SCMP", "p.json", rule(`{"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["SCMP_ARCH_X86_64"]}}`), []string{
			`p.json:1:128: syscalls[0].includes.arches[0]: unknown architecture "SCMP_ARCH_X86_64" (filters use moby's names: amd64, arm64, x86, ...) (did you mean amd64?)`}},
		{"minKernel with patch level", "p.json", rule(`{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8.1"}}`), []string{
			`p.json:1:126: syscalls[0].includes.minKernel: invalid kernel version "4.8.1" (want "<major>.<minor>", e.g. "5.8")`}},
		{"minKernel 0.0", "p.json", rule(`{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "0.0"}}`), []string{
			`p.json:1:126: syscalls[0].excludes.minKernel: invalid kernel version "0.0" (0.0)`}},
		{"nested too deeply", "p.json", strings.Repeat("[", 100), []string{
			`p.json:1:65: invalid JSON: nested too deeply (more than 64 levels)`}},
		{"every problem at once", "app.json", "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"architectures\": [\"amd64\"],\n  \"syscalls\": [\n    {\"names\": [\"read\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1},\n    {\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALOW\"}\n  ]\n}\n", []string{
			`app.json:3:21: architectures[0]: unknown architecture "amd64" (did you mean SCMP_ARCH_X86_64?)`,
			`app.json:5:24: syscalls[0].names[1]: "read" is named twice in this rule (also names[0])`,
			`app.json:5:73: syscalls[0].errnoRet: errnoRet is only used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW`,
			`app.json:6:36: syscalls[1].action: unknown action "SCMP_ACT_ALOW" (did you mean SCMP_ACT_ALLOW?)`}},
		{"YAML wrong type", "p.yaml", "defaultAction: SCMP_ACT_ERRNO\nsyscalls:\n  - names: read\n    action: SCMP_ACT_ALLOW\n", []string{
			`p.yaml:3:12: syscalls[0].names: expected an array of strings, got a string`}},
		{"YAML unknown action", "p.yaml", "defaultAction: SCMP_ACT_ERRNO\nsyscalls:\n  - names: [read]\n    action: SCMP_ACT_ALLWO\n", []string{
			`p.yaml:4:13: syscalls[0].action: unknown action "SCMP_ACT_ALLWO" (did you mean SCMP_ACT_ALLOW?)`}},
		{"SPO apiVersion", "sp.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v2\nkind: SeccompProfile\nmetadata: {name: x}\nspec: {defaultAction: SCMP_ACT_LOG}\n", []string{
			`sp.yaml:1:13: apiVersion: unsupported apiVersion "security-profiles-operator.x-k8s.io/v2" (want security-profiles-operator.x-k8s.io/v1alpha1, v1beta1 or v1) (did you mean security-profiles-operator.x-k8s.io/v1?)`}},
		{"SPO wrong kind", "sp.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n", []string{
			`sp.yaml:1:13: apiVersion: unsupported apiVersion "v1" (want security-profiles-operator.x-k8s.io/v1alpha1, v1beta1 or v1) (did you mean security-profiles-operator.x-k8s.io/v1beta1?)`,
			`sp.yaml:2:7: kind: kind "Pod" is not a SeccompProfile`,
			`sp.yaml:4:7: spec.defaultAction: missing defaultAction`}},
		{"SPO field from the Docker format", "sp.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: x\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [read]\n    action: SCMP_ACT_ALLOW\n    includes: {caps: [CAP_SYS_ADMIN]}\n", []string{
			`sp.yaml:10:5: spec.syscalls[0].includes: unknown field "includes"`}},
		{"SPO without name", "sp.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  labels: {app: web}\nspec: {defaultAction: SCMP_ACT_LOG}\n", []string{
			`sp.yaml:4:3: metadata.name: missing metadata.name`}},
		{"SPO without spec", "sp.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\n", []string{
			`sp.yaml:1:1: spec: missing spec`}},
		{"SPO second document broken", "sp.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: a}\nspec: {defaultAction: SCMP_ACT_LOG}\n---\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: b}\nspec:\n  defaultAction: SCMP_ACT_LOG\n  syscalls:\n  - {names: [read], action: SCMP_ACT_ALLOW, args: [{index: 9, op: SCMP_CMP_EQ}]}\n", []string{
			`sp.yaml:12:60: spec.syscalls[0].args[0].index: argument index 9 out of range (0 to 5)`}},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := ParseAll(tt.file, []byte(tt.in))
			if err == nil {
				t.Fatalf("loaded %d profiles without error", len(ps))
			}
			want := strings.Join(tt.want, "\n")
			if got := err.Error(); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
