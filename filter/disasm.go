package filter

import (
	"fmt"
	"strings"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/syscalls"
)

// Disassemble returns the program in the bpf assembler's syntax, with comments naming
// the architectures and the syscalls the comparisons stand for.
func (f *Filter) Disassemble() string {
	src := accumulatorSources(f.Program)
	group := func(pc int) *group {
		var g *group
		for gi, start := range f.starts {
			if pc >= start {
				g = f.m.Groups[gi]
			}
		}
		return g
	}
	note := func(pc int, ins bpf.Instruction) string {
		if !ins.IsConditionalJump() || ins.Op&bpf.SrcX != 0 {
			return ""
		}
		switch src[pc] {
		case bpf.OffsetArch:
			var names []string
			for _, a := range f.Arches {
				if a.AuditArch() == ins.K {
					names = append(names, a.Name())
				}
			}
			if len(names) > 0 {
				return "arch " + strings.Join(names, "/")
			}
		case bpf.OffsetNr:
			g := group(pc)
			if g == nil {
				return ""
			}
			name := syscallName(g, ins.K)
			if name == "" {
				return ""
			}
			if ins.Op&0xf0 == bpf.JmpJEQ {
				return fmt.Sprintf("nr == %d %s", ins.K, name)
			}
			return fmt.Sprintf("nr >= %d %s", ins.K, name)
		}
		return ""
	}
	var b strings.Builder
	var arches []string
	for _, a := range f.Arches {
		arches = append(arches, a.Name())
	}
	fmt.Fprintf(&b, "; %d instructions for %s\n", len(f.Program), strings.Join(arches, ", "))
	b.WriteString(bpf.Disassemble(f.Program, f.BigEndian, note))
	return b.String()
}

func syscallName(g *group, nr uint32) string {
	for _, m := range g.Members {
		if name, ok := syscalls.Name(m.Arch, int(nr)); ok {
			if len(g.Members) > 1 {
				return m.Arch.Name() + " " + name
			}
			return name
		}
	}
	return ""
}

// accumulatorSources returns, for each instruction, the seccomp_data offset the
// accumulator holds when it runs, or -1 when that is not one load.
func accumulatorSources(p bpf.Program) []int {
	const none, many = -2, -1
	src := make([]int, len(p))
	for i := range src {
		src[i] = none
	}
	src[0] = many
	join := func(to, s int) {
		if src[to] == none {
			src[to] = s
		} else if src[to] != s {
			src[to] = many
		}
	}
	for pc, ins := range p {
		if src[pc] == none {
			continue
		}
		out := src[pc]
		switch {
		case ins.Op == bpf.ClassLD|bpf.SizeW|bpf.ModeABS:
			out = int(ins.K)
		case ins.Class() == bpf.ClassLD || ins.Class() == bpf.ClassALU || ins.Op == bpf.ClassMISC|bpf.MiscTXA:
			out = many
		}
		switch {
		case ins.IsConditionalJump():
			join(pc+1+int(ins.Jt), out)
			join(pc+1+int(ins.Jf), out)
		case ins.Op == bpf.ClassJMP|bpf.JmpJA:
			join(pc+1+int(ins.K), out)
		case ins.Class() != bpf.ClassRET:
			join(pc+1, out)
		}
	}
	return src
}
