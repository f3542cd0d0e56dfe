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

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/record"
	"github.com/seccompctl/seccompctl/syscalls"
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

// BenchmarkCgroupRecorderOverhead measures, in one run with the variants interleaved
// round by round, what the many-cgroup recorder costs a syscall-bound loop (dd with
// bs=1: a million syscalls) run
//
//   - plain: in a cgroup of its own, with no program attached;
//   - other: in a cgroup of its own while a CgroupRecorder counts a watched tree;
//   - recorded: in a new cgroup below that tree, counted from its exec;
//   - single and single-other: inside, and outside, the cgroup the single-cgroup
//     recorder (record.Existing, today's `record --cgroup`) counts;
//   - empty-prog: with a sys_enter program that returns at once: the floor any
//     sys_enter program pays, since its mere presence sends every syscall of the
//     machine through the kernel's slow entry path.
//
// Only the loop's own run is timed (wall, and its CPU time from wait4), not the set-up
// of the recorders. It reports each variant relative to plain (minimum and median over
// the rounds; SECCOMPCTL_BENCH_ROUNDS, default 5). Run as root.
func BenchmarkCgroupRecorderOverhead(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("eBPF needs root")
	}
	rounds := 5
	if n, err := strconv.Atoi(os.Getenv("SECCOMPCTL_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	const count = 500000
	argv := []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=" + strconv.Itoa(count)}
	root := cgroupRoot(b)
	base := filepath.Join(root, fmt.Sprintf("seccompctl-bench-%d", os.Getpid()))
	plainCg, tree, singleCg := filepath.Join(base, "plain"), filepath.Join(base, "tree"), filepath.Join(base, "single")
	for _, d := range []string{plainCg, tree, singleCg} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	defer func() {
		entries, _ := os.ReadDir(tree)
		for _, e := range entries {
			os.Remove(filepath.Join(tree, e.Name()))
		}
		for _, d := range []string{plainCg, tree, singleCg, base} {
			os.Remove(d)
		}
	}()

	wall := map[string][]time.Duration{}
	cpu := map[string][]time.Duration{}
	run := func(name, cg string) {
		w, c, err := runInCgroup(argv, cg)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		wall[name] = append(wall[name], w)
		cpu[name] = append(cpu[name], c)
	}
	variants := []string{"plain", "other", "recorded", "single", "single-other", "empty-prog"}
	b.ResetTimer()
	for range b.N {
		for round := range rounds {
			run("plain", plainCg)

			r := watching(b, root, tree)
			run("other", plainCg)
			ctr := filepath.Join(tree, fmt.Sprintf("ctr%d", round))
			if err := os.Mkdir(ctr, 0o755); err != nil {
				b.Fatal(err)
			}
			run("recorded", ctr)
			if err := checkCounted(r, ctr, count, "read", "write"); err != nil {
				b.Fatal(err)
			}
			r.Close()

			stop := startSingle(b, root, singleCg)
			run("single", singleCg)
			run("single-other", plainCg)
			if rec := stop(); rec.Calls[record.Call{Arch: syscalls.Native(), Name: "write"}] < count {
				b.Fatalf("the single-cgroup recorder counted %v", rec.Calls)
			}

			detach := attachEmpty(b)
			run("empty-prog", plainCg)
			detach()
		}
	}
	b.StopTimer()
	plainMin, plainMed := minimum(wall["plain"]), median(wall["plain"])
	plainCPU := median(cpu["plain"])
	line := fmt.Sprintf("%s (%d rounds; wall min, median; CPU median): plain %.3fs %.3fs %.3fs",
		strings.Join(argv, " "), len(wall["plain"]), plainMin.Seconds(), plainMed.Seconds(), plainCPU.Seconds())
	for _, v := range variants[1:] {
		mn, md, c := minimum(wall[v]), median(wall[v]), median(cpu[v])
		b.ReportMetric(mn.Seconds()/plainMin.Seconds(), v+"-x")
		b.ReportMetric(c.Seconds()/plainCPU.Seconds(), v+"-cpu-x")
		line += fmt.Sprintf("\n  %-12s %.3fs %.3fs %.3fs (%.2fx, %.2fx, CPU %.2fx)", v, mn.Seconds(), md.Seconds(), c.Seconds(),
			mn.Seconds()/plainMin.Seconds(), md.Seconds()/plainMed.Seconds(), c.Seconds()/plainCPU.Seconds())
	}
	b.ReportMetric(0, "ns/op")
	b.Log(line)
}

// runInCgroup runs argv inside the cgroup at dir and returns its wall time and its CPU
// time (user and system, from wait4).
func runInCgroup(argv []string, dir string) (time.Duration, time.Duration, error) {
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, err
	}
	defer syscall.Close(fd)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, err
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// checkCounted makes sure the recorded loop was counted, so the benchmark measures a
// recorder that works: each of names at least count times (dd makes count reads and
// count writes).
func checkCounted(r *record.CgroupRecorder, dir string, count uint64, names ...string) error {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return err
	}
	counts, err := r.Counts()
	if err != nil {
		return err
	}
	for _, c := range counts {
		if c.ID == st.Ino {
			for _, name := range names {
				if c.Calls[record.Call{Arch: syscalls.Native(), Name: name}] < count {
					return fmt.Errorf("the recorded loop was counted as %v", c.Calls)
				}
			}
			return nil
		}
	}
	return fmt.Errorf("the recorded loop's cgroup %s was not counted", dir)
}

// startSingle starts the single-cgroup recorder on the cgroup at dir and returns once
// it counts (a /bin/true run in the cgroup shows in its progress); the returned
// function stops it and returns the recording.
func startSingle(b *testing.B, root, dir string) func() *record.Recording {
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		res *record.Result
		err error
	}
	done := make(chan result, 1)
	progress := &record.Progress{}
	go func() {
		res, err := record.Existing(ctx, record.Target{Cgroup: strings.TrimPrefix(dir, root)}, record.Options{Mode: record.ModeEBPF, Progress: progress})
		done <- result{res, err}
	}()
	for deadline := time.Now().Add(time.Minute); progress.Distinct() == 0; {
		select {
		case r := <-done:
			b.Fatalf("the single-cgroup recorder stopped: %v", r.err)
		default:
		}
		if time.Now().After(deadline) {
			b.Fatal("the single-cgroup recorder counted nothing for a minute")
		}
		if _, _, err := runInCgroup([]string{"/bin/true"}, dir); err != nil {
			b.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() *record.Recording {
		cancel()
		r := <-done
		if r.err != nil {
			b.Fatal(r.err)
		}
		return r.res.Recording
	}
}

// attachEmpty attaches a sys_enter program that does nothing; the returned function
// detaches it.
func attachEmpty(b *testing.B) func() {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "sc_bench_empty", Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp, AttachTo: "sys_enter",
		License: "GPL", Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		b.Fatal(err)
	}
	l, err := link.AttachTracing(link.TracingOptions{Program: prog})
	if err != nil {
		prog.Close()
		b.Fatal(err)
	}
	return func() { l.Close(); prog.Close() }
}

// BenchmarkSysEnterCost measures what one syscall (getppid, in a loop in this process)
// costs with no program on sys_enter, with a program that returns at once, while a
// CgroupRecorder counts a tree this process is outside of, and while it counts this
// process's own cgroup. The difference to "none" is what the kernel's slow entry path
// and the recorder's program add to every syscall on the node, or to a counted one.
//
// On a loaded machine those differences drown in noise, so the recorder's variants also
// report the program's own run time per call from the kernel's BPF statistics
// (prog-ns/run: every call on the machine while the loop ran, so in recorder-other the
// path of a task that is not counted, in recorder-counted mostly the counting path; the
// empty program's figure is the statistics' own cost).
func BenchmarkSysEnterCost(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("eBPF needs root")
	}
	root := cgroupRoot(b)
	base := filepath.Join(root, fmt.Sprintf("seccompctl-bench-%d", os.Getpid()))
	tree := filepath.Join(base, "tree")
	self := filepath.Join(tree, "self")
	if err := os.MkdirAll(self, 0o755); err != nil {
		b.Fatal(err)
	}
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		b.Fatal(err)
	}
	var ownDir string
	for _, line := range strings.Split(string(own), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			ownDir = filepath.Join(root, p)
		}
	}
	defer func() {
		moveTo(b, ownDir)
		os.Remove(self)
		os.Remove(tree)
		os.Remove(base)
	}()
	loop := func(b *testing.B) {
		for range b.N {
			syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		}
	}
	b.Run("none", loop)
	b.Run("empty-prog", func(b *testing.B) {
		detach := attachEmpty(b)
		defer detach()
		stats := startProgStats(b, "sc_bench_empty")
		b.ResetTimer()
		loop(b)
		b.StopTimer()
		stats()
	})
	b.Run("recorder-other", func(b *testing.B) {
		r := watching(b, root, tree)
		defer r.Close()
		stats := startProgStats(b, "sc_cg_count")
		b.ResetTimer()
		loop(b)
		b.StopTimer()
		stats()
	})
	b.Run("recorder-counted", func(b *testing.B) {
		// All of this process's threads move: a running cgroup is counted from WatchTree.
		moveTo(b, self)
		defer moveTo(b, ownDir)
		r := watching(b, root, tree)
		defer r.Close()
		stats := startProgStats(b, "sc_cg_count")
		b.ResetTimer()
		loop(b)
		b.StopTimer()
		stats()
		if err := checkCounted(r, self, uint64(b.N), "getppid"); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("recorder-counted-marked", func(b *testing.B) {
		// With ContainerExecs, a cgroup counted from an entry exec looks up the
		// calling thread's mark too.
		moveTo(b, self)
		defer moveTo(b, ownDir)
		r := watchingWith(b, record.CgroupRecorderOptions{Root: root, ContainerExecs: true}, tree)
		defer r.Close()
		var st syscall.Stat_t
		if err := syscall.Stat(self, &st); err != nil {
			b.Fatal(err)
		}
		if err := record.MarkThreadsForBench(r, st.Ino); err != nil {
			b.Fatal(err)
		}
		stats := startProgStats(b, "sc_cg_count")
		b.ResetTimer()
		loop(b)
		b.StopTimer()
		stats()
		if err := checkCounted(r, self, uint64(b.N), "getppid"); err != nil {
			b.Fatal(err)
		}
	})
}

// moveTo moves this process into the cgroup at dir.
func moveTo(b *testing.B, dir string) {
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
		b.Fatal(err)
	}
}

// startProgStats turns the kernel's BPF run-time statistics on; the returned function
// reports the run time per call of the program named name loaded last (ours: others may
// run one too) since then, as prog-ns/run, and turns them off.
func startProgStats(b *testing.B, name string) func() {
	var last ebpf.ProgramID
	for id := range loadedPrograms(b, name) {
		last = max(last, id)
	}
	prog, err := ebpf.NewProgramFromID(last)
	if err != nil {
		b.Fatal(err)
	}
	enabled, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		prog.Close()
		b.Skipf("BPF statistics: %v", err)
	}
	runtime := func() (time.Duration, uint64) {
		st, err := prog.Stats()
		if err != nil {
			b.Fatal(err)
		}
		return st.Runtime, st.RunCount
	}
	rt0, n0 := runtime()
	return func() {
		rt, n := runtime()
		enabled.Close()
		prog.Close()
		if n > n0 {
			b.ReportMetric(float64(rt-rt0)/float64(n-n0), "prog-ns/run")
		}
	}
}

// watching starts a CgroupRecorder on the hierarchy at root, watching tree.
func watching(b *testing.B, root, tree string) *record.CgroupRecorder {
	return watchingWith(b, record.CgroupRecorderOptions{Root: root}, tree)
}

// watchingWith starts a CgroupRecorder with opts, watching tree.
func watchingWith(b *testing.B, opts record.CgroupRecorderOptions, tree string) *record.CgroupRecorder {
	r, err := record.NewCgroupRecorder(opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := r.WatchTree(tree); err != nil {
		r.Close()
		b.Fatal(err)
	}
	return r
}

// BenchmarkCgroupRecorderCounts measures one Counts with 100 counted cgroups (each ran
// /bin/true), what the node agent pays at every snapshot.
func BenchmarkCgroupRecorderCounts(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("eBPF needs root")
	}
	root := cgroupRoot(b)
	tree := filepath.Join(root, fmt.Sprintf("seccompctl-bench-%d", os.Getpid()))
	if err := os.Mkdir(tree, 0o755); err != nil {
		b.Fatal(err)
	}
	const n = 100
	defer func() {
		for i := range n {
			os.Remove(filepath.Join(tree, fmt.Sprintf("ctr%d", i)))
		}
		os.Remove(tree)
	}()
	r := watching(b, root, tree)
	defer r.Close()
	for i := range n {
		dir := filepath.Join(tree, fmt.Sprintf("ctr%d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		if _, _, err := runInCgroup([]string{"/bin/true"}, dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		counts, err := r.Counts()
		if err != nil {
			b.Fatal(err)
		}
		if len(counts) != n {
			b.Fatalf("%d cgroups counted, want %d", len(counts), n)
		}
	}
}
