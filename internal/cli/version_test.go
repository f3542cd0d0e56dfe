package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/ociruntime"
	"github.com/seccompctl/seccompctl/syscalls"
)

// TestVersionJSON: the version names what the build's verdicts rest on, and each
// runtime list is the one lint reads.
func TestVersionJSON(t *testing.T) {
	out, errOut, code := execCLI(t, "", "version", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.SyscallTables != syscalls.TablesSource || !slices.Contains(v.TableArches, "x86_64") || !slices.Contains(v.TableArches, "aarch64") {
		t.Errorf("tables: %q %v", v.SyscallTables, v.TableArches)
	}
	if !strings.Contains(v.Semantics, "libseccomp") || !strings.Contains(v.RuntimeDefault, "moby/profiles") {
		t.Errorf("semantics %q, runtime default %q", v.Semantics, v.RuntimeDefault)
	}
	if len(v.RuntimeLists) != 2*len(ociruntime.Runtimes()) {
		t.Fatalf("%d runtime lists, want one per runtime and no_new_privs setting", len(v.RuntimeLists))
	}
	for _, l := range v.RuntimeLists {
		r, err := ociruntime.Lookup(l.Runtime, syscalls.X86_64, l.NoNewPrivs)
		if err != nil {
			t.Fatal(err)
		}
		if l.Version != r.Version || l.Runs != r.Runs || l.Version == "" || l.Runs == 0 {
			t.Errorf("%+v, the list says %s %d runs", l, r.Version, r.Runs)
		}
	}
}
