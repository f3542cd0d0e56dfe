package filter

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// benchCase is a reference profile compiled as a runtime would on an x86_64 node.
type benchCase struct {
	name, file string
	opts       Options
}

func benchCases() []benchCase {
	caps := profile.DefaultCaps()
	cases := []benchCase{
		{"docker-default/x86_64+x86+x32", "docker-default-20.10.24.json", Options{Native: syscalls.X86_64, Caps: caps}},
		{"docker-default/x86_64", "docker-default-20.10.24.json", Options{Arches: []syscalls.Arch{syscalls.X86_64}, Caps: caps}},
		{"containers-common/x86_64+x86+x32", "containers-common-0.50.1.json", Options{Native: syscalls.X86_64, Caps: caps}},
	}
	for _, seed := range []string{"seed-audit", "seed-conditional", "seed-configmap-minimal", "seed-minimal"} {
		cases = append(cases, benchCase{seed, seed + ".json", Options{Native: syscalls.X86_64, Caps: caps}})
	}
	return cases
}

func (c benchCase) load(t testing.TB) *profile.Profile {
	p, err := profile.Load(filepath.Join("testdata", "profiles", c.file))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// measure runs a program over every x86_64 syscall with zero arguments, as the figures
// in the reference material were taken, and reports the allowed ones: how many, the
// average and maximum instructions executed, and how many the kernel can cache.
func measure(t testing.TB, p bpf.Program) (allowed int, avg float64, maxInsns, cacheable int) {
	vm, err := bpf.NewVM(p, f64order)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range syscalls.Table(syscalls.X86_64) {
		d := bpf.Data{Nr: int32(e.Nr), Arch: syscalls.X86_64.AuditArch()}
		ret, n := vm.Run(&d)
		if ret != bpf.RetAllow {
			continue
		}
		allowed++
		total += n
		maxInsns = max(maxInsns, n)
		if p.ConstAllow(d.Nr, d.Arch) {
			cacheable++
		}
	}
	if allowed > 0 {
		avg = float64(total) / float64(allowed)
	}
	return allowed, avg, maxInsns, cacheable
}

var f64order = (&Filter{}).Order()

// BenchmarkCompile measures compile time and reports each program's length and the
// instructions executed for allowed x86_64 syscalls.
func BenchmarkCompile(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			p := c.load(b)
			var f *Filter
			for b.Loop() {
				var err error
				if f, err = Compile(p, c.opts); err != nil {
					b.Fatal(err)
				}
			}
			_, avg, maxInsns, _ := measure(b, f.Program)
			b.ReportMetric(float64(len(f.Program)), "insns")
			b.ReportMetric(avg, "allowed-avg-insns")
			b.ReportMetric(float64(maxInsns), "allowed-max-insns")
		})
	}
}

// BenchmarkVersusLibseccomp prints, for every reference profile, seccompctl's program
// beside libseccomp's at optimize levels 1 and 2 (without runc's -ENOSYS stub, which
// adds a few instructions to every syscall), all measured in this run with the same
// interpreter: program length, instructions executed for allowed x86_64 syscalls
// (average and maximum), cacheable syscalls and compile time. libseccomp's time
// includes the python bindings' overhead.
func BenchmarkVersusLibseccomp(b *testing.B) {
	requireLibseccomp(b)
	loadLibseccompNames(b)
	var headline time.Duration // Docker's default for x86_64+x86+x32
	var tw strings.Builder
	w := tabwriter.NewWriter(&tw, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "profile\tcompiler\tinstructions\tallowed\tavg\tmax\tcacheable\tcompile\tcompile CPU\t")
	for _, c := range benchCases() {
		p := c.load(b)
		f, err := Compile(p, c.opts)
		if err != nil {
			b.Fatal(err)
		}
		const runs = 200
		cpu := cpuTime()
		times := make([]time.Duration, runs)
		for i := range runs {
			start := time.Now()
			if _, err := Compile(p, c.opts); err != nil {
				b.Fatal(err)
			}
			times[i] = time.Since(start)
		}
		oursCPU := (cpuTime() - cpu) / runs
		slices.Sort(times)
		if headline == 0 {
			headline = times[runs/2]
		}
		allowed, avg, maxInsns, cacheable := measure(b, f.Program)
		fmt.Fprintf(w, "%s\tseccompctl\t%d\t%d\t%.1f\t%d\t%d\t%s\t%s\t\n", c.name, len(f.Program), allowed, avg, maxInsns, cacheable, round(times[runs/2]), round(oursCPU))

		def, _ := semantics.Ret(f.Profile.DefaultAction, f.Profile.DefaultErrnoRet, f.Profile.DefaultErrno, "")
		var jobs []pyJob
		for _, opt := range []int{1, 2} {
			j := pyJob{ID: opt, Def: def, Opt: opt, Rules: runcRules(f.Profile), Repeat: 20}
			for _, a := range f.Arches {
				j.Arches = append(j.Arches, scmpName(a))
			}
			jobs = append(jobs, j)
		}
		for _, opt := range []int{1, 2} {
			res := runPython(b, jobs)[opt]
			if res.Err != "" {
				b.Fatalf("%s: libseccomp: %s", c.name, res.Err)
			}
			raw, _ := base64.StdEncoding.DecodeString(res.BPF)
			lib, err := bpf.Decode(raw, f.Order())
			if err != nil {
				b.Fatal(err)
			}
			allowed, avg, maxInsns, cacheable := measure(b, lib)
			fmt.Fprintf(w, "\tlibseccomp %d\t%d\t%d\t%.1f\t%d\t%d\t%s\t%s\t\n", opt, len(lib), allowed, avg, maxInsns, cacheable, round(time.Duration(res.NS)), round(time.Duration(res.CPU)))
		}
	}
	w.Flush()
	// Printed, not logged: the testing package truncates long benchmark logs.
	fmt.Printf("x86_64 syscalls with zero arguments, allowed = returns SECCOMP_RET_ALLOW;\ncompile = median wall time, compile CPU = mean CPU time of the process:\n%s", tw.String())
	for b.Loop() {
	}
	// The figures above are the result; the headline compile time stands for ns/op.
	b.ReportMetric(float64(headline), "ns/op")
}

// cpuTime is the CPU time this process has used, which a busy machine inflates less
// than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func round(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	default:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
}
