package analyze

import (
	"context"
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/syscalls"
)

// TestKernelMade: restart_syscall joins the set once a call the kernel resumes with it
// is reachable, and only then, on both architectures.
func TestKernelMade(t *testing.T) {
	for _, arch := range []syscalls.Arch{syscalls.X86_64, syscalls.AArch64} {
		for _, tc := range []struct {
			reachable []string
			want      bool
		}{
			{[]string{"read", "write"}, false},
			{[]string{"read", "clock_nanosleep"}, true},
			{[]string{"futex"}, true},
			{[]string{"ppoll"}, false}, // ppoll returns -ERESTARTNOHAND: the call itself is repeated
		} {
			w := &walker{acc: newAccumulator(), arch: arch}
			set := map[int]Reachable{}
			w.acc.arches[arch.String()] = set
			for _, name := range tc.reachable {
				nr, ok := syscalls.Number(arch, name)
				if !ok {
					t.Fatalf("%s has no %s", arch.Name(), name)
				}
				set[nr] = Reachable{Name: name, Nr: nr, Chain: []Frame{{Object: "/bin/x", Function: "f_" + name}}}
			}
			w.kernelMade()
			restart, _ := syscalls.Number(arch, "restart_syscall")
			r, got := set[restart]
			if got != tc.want {
				t.Errorf("%s, %v reachable: restart_syscall added %v, want %v", arch.Name(), tc.reachable, got, tc.want)
				continue
			}
			if got && (!strings.Contains(r.Why(), "made by the kernel to resume") || !strings.Contains(r.Why(), "f_")) {
				t.Errorf("%s: restart_syscall's reason %q names neither the kernel nor the call it resumes", arch.Name(), r.Why())
			}
		}
	}
}

// TestKernelMadeInRealProgram: sleep(1) reaches clock_nanosleep through libc, so its
// set holds restart_syscall (a stopped and continued sleep is resumed with it).
func TestKernelMadeInRealProgram(t *testing.T) {
	res, err := Analyze(context.Background(), []string{"/bin/sleep"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ar := range res.Arches {
		for _, r := range ar.Syscalls {
			if r.Name == "restart_syscall" {
				if r.Kernel == "" {
					t.Errorf("restart_syscall without the kernel's reason: %+v", r)
				}
				return
			}
		}
	}
	t.Errorf("restart_syscall missing from /bin/sleep's set")
}
