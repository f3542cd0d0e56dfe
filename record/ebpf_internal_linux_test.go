package record

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/seccompctl/seccompctl/syscalls"
)

// The plain raw tracepoint (kernels without tp_btf) counts the same calls, compat ones
// included.
func TestRawTracepointFallbackAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("eBPF needs root")
	}
	forceRawTracepoint = true
	defer func() { forceRawTracepoint = false }()
	p, err := loadCounter(1, false)
	if err != nil {
		t.Fatal(err)
	}
	if p.prog.Type() != ebpf.RawTracepoint {
		t.Fatalf("loaded a %v program", p.prog.Type())
	}
	p.close()
	for _, argv := range [][]string{{"/bin/sh", "-c", "echo hi >/dev/null"}} {
		res, err := Command(context.Background(), argv, Options{Mode: ModeEBPF})
		if err != nil {
			t.Fatal(err)
		}
		names := res.Recording.Names(syscalls.Native())
		for _, want := range []string{"execve", "write", "exit_group"} {
			if !slices.Contains(names, want) {
				t.Errorf("%s missing: %v", want, names)
			}
		}
	}
}
