package record_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccompctl/seccompctl/record"
)

// BenchmarkRecordOverhead measures, in one run and interleaved so that the machine's
// noise hits every variant alike, the wall time of a workload run plainly, recorded in
// eBPF mode, recorded in ptrace mode, and under strace -f -o /dev/null. It reports the
// plain time and each variant's relative to it (minimum and median over the rounds);
// the recorders' times include
// their own set-up (cgroup, BPF program, exec helper) and reading the result, as a user
// of 'seccompctl record' pays them.
//
// Rounds default to 3; SECCOMPCTL_BENCH_ROUNDS overrides, SECCOMPCTL_BENCH_VARIANTS
// (e.g. "ebpf,ptrace") limits the variants. Run as root (eBPF mode).
func BenchmarkRecordOverhead(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("eBPF mode needs root")
	}
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("SECCOMPCTL_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	b.Run("dd", func(b *testing.B) {
		benchWorkload(b, rounds, []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=500000"})
	})
	b.Run("gcc", func(b *testing.B) {
		if _, err := exec.LookPath("gcc"); err != nil {
			b.Skip("gcc is not installed")
		}
		src := filepath.Join(b.TempDir(), "prog.c")
		if err := os.WriteFile(src, []byte(cProgram()), 0o644); err != nil {
			b.Fatal(err)
		}
		benchWorkload(b, rounds, []string{"gcc", "-O2", "-o", filepath.Join(b.TempDir(), "prog"), src})
	})
}

// cProgram is a C file with 400 small functions: about two seconds of gcc -O2, which
// runs cc1, as and ld.
func cProgram() string {
	var s strings.Builder
	s.WriteString("#include <stdio.h>\n")
	for i := range 400 {
		fmt.Fprintf(&s, "static int f%d(int x) { int s = 0; for (int j = 0; j < x; j++) s += (j * %d) ^ (s >> 3); return s; }\n", i, i)
	}
	s.WriteString("int main(void) { long t = 0;\n")
	for i := range 400 {
		fmt.Fprintf(&s, "  t += f%d(%d);\n", i, i%17)
	}
	s.WriteString("  printf(\"%ld\\n\", t); return 0; }\n")
	return s.String()
}

func benchWorkload(b *testing.B, rounds int, argv []string) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	variants := []struct {
		name string
		run  func() error
	}{
		{"plain", func() error {
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Stdout, cmd.Stderr = devnull, devnull
			return cmd.Run()
		}},
		{"ebpf", func() error { return recordOnce(record.ModeEBPF, argv, devnull) }},
		{"ptrace", func() error { return recordOnce(record.ModePtrace, argv, devnull) }},
		{"strace", func() error {
			if _, err := exec.LookPath("strace"); err != nil {
				return err
			}
			cmd := exec.Command("strace", append([]string{"-f", "-o", "/dev/null", "--"}, argv...)...)
			cmd.Stdout, cmd.Stderr = devnull, devnull
			return cmd.Run()
		}},
	}
	// SECCOMPCTL_BENCH_VARIANTS=plain,ebpf keeps only some variants.
	if only := os.Getenv("SECCOMPCTL_BENCH_VARIANTS"); only != "" {
		keep := strings.Split(only, ",")
		variants = slices.DeleteFunc(variants, func(v struct {
			name string
			run  func() error
		}) bool {
			return v.name != "plain" && !slices.Contains(keep, v.name)
		})
	}
	times := make(map[string][]time.Duration)
	cpu := make(map[string][]time.Duration)
	b.ResetTimer()
	for range b.N {
		for range rounds {
			for _, v := range variants {
				start, startCPU := time.Now(), cpuTime()
				if err := v.run(); err != nil {
					b.Fatalf("%s: %v", v.name, err)
				}
				times[v.name] = append(times[v.name], time.Since(start))
				cpu[v.name] = append(cpu[v.name], cpuTime()-startCPU)
			}
		}
	}
	b.StopTimer()
	// On a shared machine the fastest run is the least disturbed one: the ratios use
	// minimums; medians are printed alongside.
	plainMin, plainMed := minimum(times["plain"]), median(times["plain"])
	b.ReportMetric(plainMin.Seconds(), "plain-s")
	line := fmt.Sprintf("%s (%d rounds; min, median): plain %.3fs %.3fs", strings.Join(argv, " "), len(times["plain"]), plainMin.Seconds(), plainMed.Seconds())
	for _, v := range variants[1:] {
		mn, md := minimum(times[v.name]), median(times[v.name])
		b.ReportMetric(mn.Seconds()/plainMin.Seconds(), v.name+"-x")
		line += fmt.Sprintf("; %s %.3fs %.3fs (%.2fx, %.2fx)", v.name, mn.Seconds(), md.Seconds(), mn.Seconds()/plainMin.Seconds(), md.Seconds()/plainMed.Seconds())
	}
	// CPU time (ours and every reaped descendant's: the workload, a tracer, strace) is
	// less disturbed by other load than wall time.
	plainCPU := median(cpu["plain"])
	line += fmt.Sprintf("\nCPU time (median): plain %.3fs", plainCPU.Seconds())
	for _, v := range variants[1:] {
		c := median(cpu[v.name])
		b.ReportMetric(c.Seconds()/plainCPU.Seconds(), v.name+"-cpu-x")
		line += fmt.Sprintf("; %s %.3fs (%.2fx)", v.name, c.Seconds(), c.Seconds()/plainCPU.Seconds())
	}
	b.ReportMetric(0, "ns/op")
	b.Log(line)
}

// cpuTime returns the user and system time of this process and its reaped descendants.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	var total time.Duration
	for _, ru := range []syscall.Rusage{self, children} {
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}

func recordOnce(mode record.Mode, argv []string, out *os.File) error {
	res, err := record.Command(context.Background(), argv, record.Options{Mode: mode, Stdout: out, Stderr: out})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("exit status %d", res.ExitCode)
	}
	return nil
}

func minimum(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return slices.Min(ds)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
