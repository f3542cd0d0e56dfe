package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// feature is one profile construct whose support differs between runtimes.
type feature struct {
	name    string
	seccomp map[string]any
}

func features() []feature {
	rule := func(extra map[string]any) map[string]any {
		r := map[string]any{"names": []string{"acct"}, "action": "SCMP_ACT_ERRNO"}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	var out []feature
	for _, a := range []string{"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
		"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"} {
		out = append(out, feature{"action " + a, map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls":      []any{rule(map[string]any{"action": a})},
		}})
	}
	for _, a := range []string{"SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"} {
		out = append(out, feature{"defaultAction " + a, map[string]any{
			"defaultAction": a,
			"syscalls":      []any{rule(map[string]any{"action": "SCMP_ACT_ALLOW"})},
		}})
	}
	for _, f := range []string{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		"SECCOMP_FILTER_FLAG_NEW_LISTENER", "SECCOMP_FILTER_FLAG_TSYNC_ESRCH", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"} {
		out = append(out, feature{"flag " + f, map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"flags":         []string{f},
			"syscalls":      []any{rule(nil)},
		}})
	}
	out = append(out,
		feature{"defaultErrnoRet with defaultAction SCMP_ACT_ALLOW", map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 38,
			"syscalls": []any{rule(nil)},
		}},
		feature{"argument index 6", map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls":      []any{rule(map[string]any{"args": []any{map[string]any{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}}})},
		}},
		feature{"same syscall, two unconditional rules with different actions", map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls":      []any{rule(nil), rule(map[string]any{"action": "SCMP_ACT_KILL_PROCESS"})},
		}},
		feature{"same syscall, same conditions, different actions", map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": []any{
				rule(map[string]any{"args": []any{map[string]any{"index": 0, "value": 0, "op": "SCMP_CMP_NE"}}}),
				rule(map[string]any{"action": "SCMP_ACT_KILL_PROCESS", "args": []any{map[string]any{"index": 0, "value": 0, "op": "SCMP_CMP_NE"}}}),
			},
		}},
		feature{"unknown syscall name", map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls":      []any{map[string]any{"names": []string{"no_such_syscall"}, "action": "SCMP_ACT_ERRNO"}},
		}},
	)
	return out
}

// measureFeatures starts a container under a profile using each feature and writes
// <out>/features.txt: "feature<TAB>runtime<TAB>ok|rejected<TAB>message".
func measureFeatures(o options, work, bundle string) error {
	var b strings.Builder
	b.WriteString("# Which profile constructs each runtime accepts: a busybox container was started under a\n")
	b.WriteString("# profile using the construct (ociruntime/measure -features). Columns, tab-separated:\n")
	b.WriteString("# runtime, version, construct, ok|rejected, what the runtime said.\n")
	for _, rt := range o.runtimes {
		version := runtimeVersion(rt)
		for _, f := range features() {
			data, err := json.Marshal(f.seccomp)
			if err != nil {
				return err
			}
			ok, msg := startsWith(rt, work, bundle, true, data, 1)
			status := "ok"
			if !ok {
				status = "rejected"
			}
			msg = strings.TrimSpace(strings.TrimPrefix(msg, `time="`))
			if i := strings.Index(msg, `msg="`); i >= 0 {
				msg = msg[i+5:]
			}
			msg = strings.Replace(msg, `" (exit status`, ` (exit status`, 1)
			fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", rt, version, f.name, status, msg)
			fmt.Printf("%s %s: %s %s\n", rt, f.name, status, msg)
		}
	}
	if o.out == "" {
		return nil
	}
	return os.WriteFile(filepath.Join(o.out, "features.txt"), []byte(b.String()), 0o644)
}
