package main

import (
	"os"
	"strings"
	"testing"

	"slices"
)

func TestParseTrace(t *testing.T) {
	f, err := os.Open("testdata/runc-excerpt.strace")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parseTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	// The filter install itself, calls before it and calls of unfiltered threads
	// (nanosleep, sched_yield, unlinkat) do not count; a thread cloned after the install
	// (gettid) does; the failed execve does not end the runtime's part.
	wantRuntime := []string{"clone", "close", "execve", "fstatfs", "gettid", "openat", "rt_sigreturn"}
	if got := sortedKeys(res.runtime); !slices.Equal(got, wantRuntime) {
		t.Errorf("runtime = %v, want %v", got, wantRuntime)
	}
	wantWorkload := []string{"arch_prctl", "exit_group"}
	if got := sortedKeys(res.workload); !slices.Equal(got, wantWorkload) {
		t.Errorf("workload = %v, want %v", got, wantWorkload)
	}
}

func TestParseTraceWithoutFilter(t *testing.T) {
	_, err := parseTrace(strings.NewReader("1 close(3) = 0\n1 execve(\"/bin/true\", [], 0x0) = 0\n"))
	if err == nil || !strings.Contains(err.Error(), "no thread installed") {
		t.Fatalf("err = %v, want no filter installed", err)
	}
}

func FuzzParseTrace(f *testing.F) {
	data, _ := os.ReadFile("testdata/runc-excerpt.strace")
	f.Add(string(data))
	f.Add("1 prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, {len=1} <unfinished ...>\n1 <... prctl resumed>) = 0\n")
	f.Fuzz(func(t *testing.T, s string) {
		parseTrace(strings.NewReader(s)) // must not panic
	})
}
