package record

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/syscalls"
)

// x86_64 pt_regs: orig_ax (the syscall number) sits at offset 120, cs at 136 and is
// __USER32_CS (0x23) for 32-bit code. arm64 pt_regs: pstate sits at offset 264 and has
// PSR_MODE32_BIT (0x10) in AArch32; syscallno (s32) at 280.
const (
	x86RegsOrigAX  = 120
	x86RegsCS      = 136
	x86User32CS    = 0x23
	arm64RegsState = 264
	arm64RegsNr    = 280
	arm64Mode32Bit = 0x10
)

// region is where one syscall ABI's counters start in a block of counters and how many
// numbers it has room for; size 0 means the ABI is not counted apart.
type region struct{ base, size int }

// counterLayout places a block's counters: one region per syscall ABI (native, compat:
// i386 on x86_64 or arm on aarch64, and x32 on x86_64), then one counter for numbers
// out of range. Both counting programs use one, so the ABI logic is written once.
type counterLayout struct {
	native, compat, x32 region
	overflow            int // index of the out-of-range counter
}

// size is the number of counters up to and including the overflow one.
func (l counterLayout) size() int { return l.overflow + 1 }

// singleLayout is the single-cgroup counter's: 1024 numbers per ABI, in a per-CPU array.
var singleLayout = counterLayout{
	native: region{0, 1024}, compat: region{1024, 1024}, x32: region{2048, 1024}, overflow: 3072,
}

// archRegion is a region and the architecture whose calls it counts.
type archRegion struct {
	region
	arch syscalls.Arch
}

// arches returns the architecture counted in each region, for the machine's native one.
func (l counterLayout) arches(native syscalls.Arch) []archRegion {
	out := []archRegion{{l.native, native}}
	switch native {
	case syscalls.X86_64:
		out = append(out, archRegion{l.compat, syscalls.X86}, archRegion{l.x32, syscalls.X32})
	case syscalls.AArch64:
		out = append(out, archRegion{l.compat, syscalls.ARM})
	}
	return out
}

// addTo adds the counters of one block (l.size() values) to rec, each under its
// architecture and name.
func (l counterLayout) addTo(rec *Recording, counts []uint64, native syscalls.Arch) {
	for _, ra := range l.arches(native) {
		for nr := 0; nr < ra.size && ra.base+nr < len(counts); nr++ {
			n := counts[ra.base+nr]
			if n == 0 {
				continue
			}
			num := nr
			if ra.arch == syscalls.X32 {
				num |= syscalls.X32SyscallBit
			}
			rec.AddNumber(ra.arch, num, "", ArgSet{}, n)
		}
	}
	if l.overflow < len(counts) && counts[l.overflow] != 0 {
		rec.Add(Call{Arch: native, Name: "syscall_out_of_range"}, counts[l.overflow])
	}
}

// bpfProgram is the loaded counting program and its maps, attached to sys_enter.
type bpfProgram struct {
	counts *ebpf.Map
	state  *ebpf.Map
	prog   *ebpf.Program
	link   link.Link
}

// loadCounter loads the program that counts the syscalls of cgroup cgid. With
// waitExec, counting starts at the first execve seen in the cgroup (the command's own),
// so what the launcher does between fork and exec is not counted.
// With events, the program also reports executable mappings there (objevents_linux.go).
func loadCounter(cgid uint64, waitExec bool, events *ebpf.Map) (*bpfProgram, error) {
	counts, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "sc_counts", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: uint32(singleLayout.size()),
	})
	if err != nil {
		return nil, fmt.Errorf("creating the counter map: %w", err)
	}
	state, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "sc_state", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1,
	})
	if err != nil {
		counts.Close()
		return nil, fmt.Errorf("creating the state map: %w", err)
	}
	if !waitExec {
		if err := state.Update(uint32(0), uint64(1), ebpf.UpdateAny); err != nil {
			counts.Close()
			state.Close()
			return nil, err
		}
	}
	prog, l, err := attachCounter(cgid, counts, state, events)
	if err != nil {
		counts.Close()
		state.Close()
		return nil, err
	}
	return &bpfProgram{counts: counts, state: state, prog: prog, link: l}, nil
}

// forceRawTracepoint makes attachRawTracepoint skip tp_btf, so tests cover the fallback.
var forceRawTracepoint = false

// attachCounter loads the single-cgroup counting program and attaches it to sys_enter.
func attachCounter(cgid uint64, counts, state, events *ebpf.Map) (*ebpf.Program, link.Link, error) {
	execve, _ := syscalls.Number(syscalls.Native(), "execve")
	eventsFD := -1
	if events != nil {
		eventsFD = events.FD()
	}
	return attachRawTracepoint("sc_count", "sys_enter", func(typed bool) asm.Instructions {
		return counterInstructions(cgid, execve, counts.FD(), state.FD(), eventsFD, syscalls.Native(), typed)
	})
}

// attachRawTracepoint loads a program built by insns and attaches it to the raw
// tracepoint tp: as a BTF-enabled one (tp_btf, insns(true)) where the kernel allows it,
// which reads pt_regs without a helper call, else as a plain one (insns(false)).
func attachRawTracepoint(name, tp string, insns func(typed bool) asm.Instructions) (*ebpf.Program, link.Link, error) {
	typed, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: name, Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp, AttachTo: tp,
		License: "GPL", Instructions: insns(true),
	})
	if err == nil && !forceRawTracepoint {
		l, err := link.AttachTracing(link.TracingOptions{Program: typed})
		if err == nil {
			return typed, l, nil
		}
	}
	if err == nil {
		typed.Close()
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: name, Type: ebpf.RawTracepoint, License: "GPL", Instructions: insns(false),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("loading the %s program: %w", tp, err)
	}
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: tp, Program: prog})
	if err != nil {
		prog.Close()
		return nil, nil, fmt.Errorf("attaching to the %s raw tracepoint: %w", tp, err)
	}
	return prog, l, nil
}

// counterInstructions is the program, in the spirit of:
//
//	if (bpf_get_current_cgroup_id() != CGID) return 0;
//	nr = ctx->args[1];
//	if (!state->started) { if (nr != EXECVE) return 0; state->started = 1; }
//	mmap events (mmapEventInstructions), where eventsFD is not -1
//	counts[counterIndex(singleLayout, regs, nr)]++;   // per-CPU
func counterInstructions(cgid uint64, execve, countsFD, stateFD, eventsFD int, native syscalls.Arch, typed bool) asm.Instructions {
	regs := sysEnterRegs(typed)
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1), // ctx: struct bpf_raw_tracepoint_args
		asm.FnGetCurrentCgroupId.Call(),
		asm.LoadImm(asm.R1, int64(cgid), asm.DWord),
		asm.JNE.Reg(asm.R0, asm.R1, "out"),
		asm.LoadMem(asm.R7, asm.R6, 8, asm.DWord), // args[1]: the syscall number

		asm.LoadMapValue(asm.R8, stateFD, 0),
		asm.LoadMem(asm.R1, asm.R8, 0, asm.DWord),
		asm.JNE.Imm(asm.R1, 0, "count"),
		asm.JNE.Imm(asm.R7, int32(execve), "out"),
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreMem(asm.R8, 0, asm.R1, asm.DWord),
	}
	index := counterIndex(singleLayout, native, regs)
	index[0] = index[0].WithSymbol("index_start")
	var events asm.Instructions
	if eventsFD >= 0 {
		// Without the offsets (no BTF), the events carry no path.
		o, _ := loadKernelOffsets()
		events = mmapEventInstructions(eventsFD, native, regs, o, "index_start")
	}
	if len(events) > 0 {
		events[0] = events[0].WithSymbol("count")
	} else {
		index[0] = index[0].WithSymbol("count")
	}
	insns = append(insns, events...)
	insns = append(insns, index...)
	insns = append(insns,
		asm.StoreMem(asm.R10, -4, asm.R1, asm.Word),
		asm.LoadMapPtr(asm.R1, countsFD),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),

		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
	return insns
}

// sysEnterRegs is how a sys_enter program reaches pt_regs: through its typed context
// (tp_btf), else with bpf_probe_read_kernel.
func sysEnterRegs(typed bool) regsSource {
	if typed {
		return regsCtx
	}
	return regsProbe
}

// regsSource says how a program reaches the syscall's pt_regs.
type regsSource int

const (
	// regsCtx: r6 is a BTF-typed raw tracepoint context whose args[0] is the pt_regs
	// pointer, read directly (tp_btf).
	regsCtx regsSource = iota
	// regsProbe: r6 is a plain raw tracepoint context; pt_regs are read with
	// bpf_probe_read_kernel through the stack (at r10-16).
	regsProbe
	// regsDirect: r6 is a BTF pt_regs pointer (from bpf_task_pt_regs).
	regsDirect
)

// counterIndex computes, from the syscall number in r7 and the pt_regs reached through
// r6 (see regsSource), the index of the call's counter in layout l: its ABI's region
// base plus the number, or l.overflow for numbers the region has no room for. The result
// is in r1 after the last instruction; r7 and r9 are clobbered, r6 and r8 kept. The
// verifier sees the index bounded by l.overflow on every path, so it may offset a map
// value pointer.
//
// The ABI: on x86_64, x32 calls have bit 30 of the number set and 32-bit code runs with
// cs == __USER32_CS; on aarch64, AArch32 tasks have PSR_MODE32_BIT in pstate.
func counterIndex(l counterLayout, native syscalls.Arch, regs regsSource) asm.Instructions {
	// into emits: r9 = r < size ? base + r7 : overflow; goto index.
	into := func(r region, sym string) asm.Instructions {
		insns := asm.Instructions{
			asm.Mov.Imm(asm.R9, int32(l.overflow)),
			asm.JGE.Imm(asm.R7, int32(r.size), "index"),
			asm.Mov.Reg(asm.R9, asm.R7),
			asm.Add.Imm(asm.R9, int32(r.base)),
			asm.Ja.Label("index"),
		}
		if sym != "" {
			insns[0] = insns[0].WithSymbol(sym)
		}
		return insns
	}
	var insns asm.Instructions
	switch native {
	case syscalls.X86_64:
		insns = append(insns,
			asm.Mov.Reg(asm.R1, asm.R7),
			asm.And.Imm(asm.R1, 0x40000000),
			asm.JEq.Imm(asm.R1, 0, "no_x32"),
			asm.And.Imm(asm.R7, 0x3fffffff),
		)
		insns = append(insns, into(l.x32, "")...)
		insns = append(insns, readRegs(x86RegsCS, asm.DWord, "no_x32", regs)...)
		insns = append(insns,
			asm.And.Imm(asm.R1, 0xffff),
			asm.JNE.Imm(asm.R1, x86User32CS, "native"),
		)
		insns = append(insns, into(l.compat, "")...)
	case syscalls.AArch64:
		insns = append(insns, readRegs(arm64RegsState, asm.DWord, "", regs)...)
		insns = append(insns,
			asm.And.Imm(asm.R1, arm64Mode32Bit),
			asm.JEq.Imm(asm.R1, 0, "native"),
		)
		insns = append(insns, into(l.compat, "")...)
	}
	insns = append(insns, into(l.native, "native")...)
	return append(insns, asm.Mov.Reg(asm.R1, asm.R9).WithSymbol("index"))
}

// readRegs loads the value of the given size at offset off of the syscall's pt_regs
// into r1, reached as regs says. sym labels the first instruction.
func readRegs(off int16, size asm.Size, sym string, regs regsSource) asm.Instructions {
	var insns asm.Instructions
	switch regs {
	case regsCtx:
		insns = asm.Instructions{
			asm.LoadMem(asm.R1, asm.R6, 0, asm.DWord), // args[0]: struct pt_regs *
			asm.LoadMem(asm.R1, asm.R1, off, size),
		}
	case regsDirect:
		insns = asm.Instructions{
			asm.LoadMem(asm.R1, asm.R6, off, size),
		}
	default:
		insns = asm.Instructions{
			asm.Mov.Reg(asm.R1, asm.R10),
			asm.Add.Imm(asm.R1, -16),
			asm.Mov.Imm(asm.R2, int32(size.Sizeof())),
			asm.LoadMem(asm.R3, asm.R6, 0, asm.DWord), // args[0]: struct pt_regs *
			asm.Add.Imm(asm.R3, int32(off)),
			asm.FnProbeReadKernel.Call(),
			asm.LoadMem(asm.R1, asm.R10, -16, size),
		}
	}
	if sym != "" {
		insns[0] = insns[0].WithSymbol(sym)
	}
	return insns
}

// totals returns each slot's count summed over CPUs: one batch lookup where the kernel
// has them (5.6), else one lookup per slot.
func (p *bpfProgram) totals() ([]uint64, error) {
	countSlots := singleLayout.size()
	out := make([]uint64, countSlots)
	ncpu, err := ebpf.PossibleCPU()
	if err == nil {
		keys := make([]uint32, countSlots)
		values := make([]uint64, countSlots*ncpu)
		var cursor ebpf.MapBatchCursor
		n, err := p.counts.BatchLookup(&cursor, keys, values, nil)
		if err == nil || (errors.Is(err, ebpf.ErrKeyNotExist) && n == countSlots) {
			for i := range n {
				for c := range ncpu {
					out[keys[i]] += values[i*ncpu+c]
				}
			}
			return out, nil
		}
	}
	var values []uint64
	for slot := uint32(0); slot < uint32(countSlots); slot++ {
		if err := p.counts.Lookup(slot, &values); err != nil {
			return nil, fmt.Errorf("reading counter %d: %w", slot, err)
		}
		for _, v := range values {
			out[slot] += v
		}
	}
	return out, nil
}

// read collects the per-CPU counters into a recording.
func (p *bpfProgram) read(mode string) (*Recording, error) {
	totals, err := p.totals()
	if err != nil {
		return nil, err
	}
	rec := New(mode)
	singleLayout.addTo(rec, totals, syscalls.Native())
	return rec, nil
}

func (p *bpfProgram) close() {
	p.link.Close()
	p.prog.Close()
	p.counts.Close()
	p.state.Close()
}

// unavailableError says why eBPF mode cannot run here; nothing was started.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return "eBPF mode: " + e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

func unavailable(err error) error {
	if errors.Is(err, unix.EPERM) {
		err = fmt.Errorf("%w (loading BPF programs needs root)", err)
	}
	return &unavailableError{fmt.Errorf("%w: %w", ErrNotSupported, err)}
}

var (
	ebpfOnce sync.Once
	ebpfErr  error
)

// ebpfAvailable loads and attaches a counter for no cgroup once, to see whether this
// kernel and our privileges allow it.
func ebpfAvailable() error {
	ebpfOnce.Do(func() {
		if _, err := cgroup2Mount(); err != nil {
			ebpfErr = unavailable(err)
			return
		}
		p, err := loadCounter(^uint64(0), false, nil)
		if err != nil {
			ebpfErr = unavailable(err)
			return
		}
		p.close()
	})
	return ebpfErr
}

// stopGrace is how long the command's processes have to end after a stop request
// before they are killed.
var stopGrace = 10 * time.Second

// recordEBPF starts argv in a fresh cgroup and counts the syscalls of that cgroup until
// every process in it has exited.
func recordEBPF(ctx context.Context, argv []string, opts Options) (*Result, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	cg, err := newScratchCgroup()
	if err != nil {
		return nil, unavailable(err)
	}
	defer cg.remove()
	// Without the event programs (no ring buffer before Linux 5.8) the scanner polls.
	oe, oeErr := loadObjectEvents(cg.id)
	if oeErr != nil {
		oe = nil
	}
	p, err := loadCounter(cg.id, true, oe.ring())
	if err != nil {
		oe.close()
		return nil, unavailable(err)
	}
	defer p.close()

	cmd := &exec.Cmd{
		Path: path, Args: argv, Env: opts.Env, Dir: opts.Dir,
		Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr,
		// The command dies with the recorder, even by SIGKILL; what it started is
		// killed with its cgroup by the next recording (sweepStale).
		SysProcAttr: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: cg.fd, Pdeathsig: syscall.SIGKILL},
	}
	// Started first: the command's first exec and what it maps must not happen before
	// the scanner's programs are attached.
	scanner := startObjectScanner(cg.dir, oe)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		scanner.stop()
		return nil, fmt.Errorf("starting %s: %w", argv[0], err)
	}
	// A stop request goes to every process of the command, not just the first: a
	// shell's children would otherwise run on and the recording never end. What is
	// still running stopGrace later is killed.
	stop := watchStop(ctx, opts.Signals, cg.signal, cg.kill)
	go func() {
		select {
		case <-stop.requestedCh:
		case <-stop.done:
			return
		}
		select {
		case <-time.After(stopGrace):
			cg.kill()
		case <-stop.done:
		}
	}()
	progressDone := make(chan struct{})
	if opts.Progress != nil {
		go p.reportProgress(opts.Progress, progressDone)
	}
	werr := cmd.Wait()
	// Processes the command left behind (daemons, background jobs) are part of it.
	cg.waitEmpty(stop.done)
	stop.close()
	close(progressDone)
	objects := scanner.stop()
	res := &Result{Mode: ModeEBPF, Duration: time.Since(start), Interrupted: stop.requested.Load()}
	res.ExitCode = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.ExitCode = 128 + int(ws.Signal())
	}
	var exitErr *exec.ExitError
	if werr != nil && !errors.As(werr, &exitErr) {
		return nil, werr
	}
	rec, err := p.read(string(ModeEBPF))
	if err != nil {
		return nil, err
	}
	rec.Command = argv
	// The command itself, even when it exited before the first scan.
	set := ObjectSet{}
	set.Add(objects...)
	if abs, err := filepath.Abs(path); err == nil {
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		set.Add(abs)
	}
	rec.Objects = set.Sorted()
	rec.ObjectGaps = objectGaps(scanner, oeErr)
	res.Recording = rec
	return res, nil
}

// reportProgress updates the distinct count from the maps every 250ms.
func (p *bpfProgram) reportProgress(pr *Progress, done <-chan struct{}) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		totals, err := p.totals()
		if err != nil {
			continue
		}
		n := 0
		for _, v := range totals {
			if v != 0 {
				n++
			}
		}
		pr.distinct.Store(int64(n))
	}
}

// Existing records a running process or cgroup until the duration has passed, ctx is
// done or a signal arrives on opts.Signals.
func Existing(ctx context.Context, t Target, opts Options) (*Result, error) {
	if t.PID == 0 && t.Cgroup == "" {
		return nil, errors.New("name a --pid or a --cgroup to record")
	}
	if t.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.Duration)
		defer cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-opts.Signals:
			cancel()
		case <-ctx.Done():
		}
	}()

	mode := opts.Mode
	if mode == "" {
		mode = ModeAuto
	}
	cgPath := t.Cgroup
	if t.PID != 0 && cgPath == "" {
		p, err := processCgroup(t.PID)
		if err != nil {
			return nil, err
		}
		cgPath = p
	}
	var fallback string
	if t.PID != 0 && mode != ModeEBPF && (mode == ModePtrace || opts.Args || cgPath == "/") {
		if mode == ModeAuto && cgPath == "/" {
			fallback = fmt.Sprintf("process %d is in the root cgroup, which holds the whole machine", t.PID)
		}
		res, err := attachPtrace(ctx, t.PID, opts)
		if res != nil {
			res.Fallback = fallback
		}
		return res, err
	}
	if mode == ModePtrace {
		return nil, errors.New("ptrace mode records a --pid, not a --cgroup")
	}
	if cgPath == "/" {
		return nil, errors.New("refusing to record the root cgroup: that is every process on the machine")
	}
	if err := ebpfAvailable(); err != nil {
		if t.PID != 0 && mode == ModeAuto {
			res, err2 := attachPtrace(ctx, t.PID, opts)
			if res != nil {
				res.Fallback = err.Error()
			}
			return res, err2
		}
		return nil, err
	}
	mount, err := cgroup2Mount()
	if err != nil {
		return nil, err
	}
	id, err := cgroupID(mount + cgPath)
	if err != nil {
		return nil, fmt.Errorf("cgroup %s: %w", cgPath, err)
	}
	oe, oeErr := loadObjectEvents(id)
	if oeErr != nil {
		oe = nil
	}
	p, err := loadCounter(id, false, oe.ring())
	if err != nil {
		oe.close()
		return nil, err
	}
	defer p.close()
	scanner := startObjectScanner(mount+cgPath, oe)
	start := time.Now()
	if opts.Progress != nil {
		done := make(chan struct{})
		defer close(done)
		go p.reportProgress(opts.Progress, done)
	}
	<-ctx.Done()
	objects := scanner.stop()
	rec, err := p.read(string(ModeEBPF))
	if err != nil {
		return nil, err
	}
	rec.Objects = objects
	rec.ObjectGaps = objectGaps(scanner, oeErr)
	return &Result{Recording: rec, Mode: ModeEBPF, Duration: time.Since(start), Interrupted: true}, nil
}

// objectGaps says what eBPF mode may have missed of the files run and mapped.
func objectGaps(s *objectScanner, eventsErr error) []string {
	gaps := s.gaps()
	if eventsErr != nil {
		gaps = append(gaps, fmt.Sprintf("the kernel could not report execs and mappings (%v): the files analyzed are those found by reading every process every %v, and a process that ran between two reads was missed", eventsErr, objectScanInterval))
	}
	return gaps
}

// processCgroup returns pid's cgroup v2 path.
func processCgroup(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", fmt.Errorf("process %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("process %d is in no cgroup v2", pid)
}
