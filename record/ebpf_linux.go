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

// The counting program's map layout: one per-CPU u64 counter per syscall number, in one
// region per syscall ABI, and a last slot for numbers out of range.
const (
	regionSize   = 1024
	regionNative = 0
	regionCompat = 1 // i386 on x86_64, arm on aarch64
	regionX32    = 2
	regionCount  = 3
	overflowSlot = regionCount * regionSize
	countSlots   = overflowSlot + 1
)

// x86_64 pt_regs: cs sits at offset 136 and is __USER32_CS (0x23) for 32-bit code.
// arm64 pt_regs: pstate sits at offset 264 and has PSR_MODE32_BIT (0x10) in AArch32.
const (
	x86RegsCS      = 136
	x86User32CS    = 0x23
	arm64RegsState = 264
	arm64Mode32Bit = 0x10
)

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
func loadCounter(cgid uint64, waitExec bool) (*bpfProgram, error) {
	counts, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "sc_counts", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: countSlots,
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
	prog, l, err := attachCounter(cgid, counts, state)
	if err != nil {
		counts.Close()
		state.Close()
		return nil, err
	}
	return &bpfProgram{counts: counts, state: state, prog: prog, link: l}, nil
}

// forceRawTracepoint makes attachCounter skip tp_btf, so tests cover the fallback.
var forceRawTracepoint = false

// attachCounter loads the program and attaches it to sys_enter: as a BTF-enabled raw
// tracepoint (tp_btf) where the kernel allows it, which reads pt_regs without a helper
// call, else as a plain raw tracepoint.
func attachCounter(cgid uint64, counts, state *ebpf.Map) (*ebpf.Program, link.Link, error) {
	execve, _ := syscalls.Number(syscalls.Native(), "execve")
	native := syscalls.Native()
	typed, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "sc_count", Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp, AttachTo: "sys_enter",
		License:      "GPL",
		Instructions: counterInstructions(cgid, execve, counts.FD(), state.FD(), native, true),
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
		Name:         "sc_count",
		Type:         ebpf.RawTracepoint,
		License:      "GPL",
		Instructions: counterInstructions(cgid, execve, counts.FD(), state.FD(), native, false),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("loading the counting program: %w", err)
	}
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: prog})
	if err != nil {
		prog.Close()
		return nil, nil, fmt.Errorf("attaching to the sys_enter raw tracepoint: %w", err)
	}
	return prog, l, nil
}

// counterInstructions is the program, in the spirit of:
//
//	if (bpf_get_current_cgroup_id() != CGID) return 0;
//	nr = ctx->args[1];
//	if (!state->started) { if (nr != EXECVE) return 0; state->started = 1; }
//	slot = region(regs, nr) * 1024 + nr;   // native, compat or x32
//	counts[slot < 3072 ? slot : 3072]++;   // per-CPU
func counterInstructions(cgid uint64, execve, countsFD, stateFD int, native syscalls.Arch, typed bool) asm.Instructions {
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

		asm.Mov.Imm(asm.R9, 0).WithSymbol("count"), // region offset
	}
	switch native {
	case syscalls.X86_64:
		insns = append(insns,
			// x32: bit 30 of the number.
			asm.Mov.Reg(asm.R1, asm.R7),
			asm.And.Imm(asm.R1, 0x40000000),
			asm.JEq.Imm(asm.R1, 0, "no_x32"),
			asm.And.Imm(asm.R7, 0x3fffffff),
			asm.Mov.Imm(asm.R9, regionX32*regionSize),
			asm.Ja.Label("slot"),
		)
		insns = append(insns, readRegs(x86RegsCS, "no_x32", typed)...)
		insns = append(insns,
			asm.And.Imm(asm.R1, 0xffff),
			asm.JNE.Imm(asm.R1, x86User32CS, "slot"),
			asm.Mov.Imm(asm.R9, regionCompat*regionSize),
		)
	case syscalls.AArch64:
		insns = append(insns, readRegs(arm64RegsState, "", typed)...)
		insns = append(insns,
			asm.And.Imm(asm.R1, arm64Mode32Bit),
			asm.JEq.Imm(asm.R1, 0, "slot"),
			asm.Mov.Imm(asm.R9, regionCompat*regionSize),
		)
	}
	insns = append(insns,
		asm.Mov.Imm(asm.R1, overflowSlot).WithSymbol("slot"),
		asm.JGE.Imm(asm.R7, regionSize, "lookup"),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Add.Reg(asm.R1, asm.R9),

		asm.StoreMem(asm.R10, -4, asm.R1, asm.Word).WithSymbol("lookup"),
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

// readRegs loads the 8 bytes at offset off of the syscall's pt_regs into r1. In a
// BTF-typed program (typed) the pointer is known to the verifier and read directly;
// otherwise through bpf_probe_read_kernel and the stack. sym labels the first
// instruction.
func readRegs(off int16, sym string, typed bool) asm.Instructions {
	var insns asm.Instructions
	if typed {
		insns = asm.Instructions{
			asm.LoadMem(asm.R1, asm.R6, 0, asm.DWord), // args[0]: struct pt_regs *
			asm.LoadMem(asm.R1, asm.R1, off, asm.DWord),
		}
	} else {
		insns = asm.Instructions{
			asm.Mov.Reg(asm.R1, asm.R10),
			asm.Add.Imm(asm.R1, -16),
			asm.Mov.Imm(asm.R2, 8),
			asm.LoadMem(asm.R3, asm.R6, 0, asm.DWord), // args[0]: struct pt_regs *
			asm.Add.Imm(asm.R3, int32(off)),
			asm.FnProbeReadKernel.Call(),
			asm.LoadMem(asm.R1, asm.R10, -16, asm.DWord),
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
	for slot := uint32(0); slot < countSlots; slot++ {
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
	rec := New(mode)
	native := syscalls.Native()
	regions := map[int]syscalls.Arch{regionNative: native}
	switch native {
	case syscalls.X86_64:
		regions[regionCompat] = syscalls.X86
		regions[regionX32] = syscalls.X32
	case syscalls.AArch64:
		regions[regionCompat] = syscalls.ARM
	}
	totals, err := p.totals()
	if err != nil {
		return nil, err
	}
	for slot, n := range totals {
		if n == 0 {
			continue
		}
		if slot == overflowSlot {
			rec.Add(Call{Arch: native, Name: "syscall_out_of_range"}, n)
			continue
		}
		arch, ok := regions[slot/regionSize]
		if !ok {
			continue
		}
		nr := slot % regionSize
		if arch == syscalls.X32 {
			nr |= syscalls.X32SyscallBit
		}
		rec.AddNumber(arch, nr, "", ArgSet{}, n)
	}
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
		p, err := loadCounter(^uint64(0), false)
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
	p, err := loadCounter(cg.id, true)
	if err != nil {
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
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", argv[0], err)
	}
	scanner := startObjectScanner(cg.dir)
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
	p, err := loadCounter(id, false)
	if err != nil {
		return nil, err
	}
	defer p.close()
	scanner := startObjectScanner(mount + cgPath)
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
	return &Result{Recording: rec, Mode: ModeEBPF, Duration: time.Since(start), Interrupted: true}, nil
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
