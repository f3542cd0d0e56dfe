package bpf

import (
	"fmt"
	"strconv"
	"strings"
)

// The assembly syntax is the kernel's bpf_asm dialect, restricted to what seccomp
// accepts, with jump targets written as labels or +N (relative to the next instruction):
//
//	ld [4]                       ; A = seccomp_data word at offset 4 (arch)
//	jeq #0xc000003e, x86_64, bad ; jt, jf (jf may be omitted: fall through)
//	x86_64: ld [0]
//	jge #0x40000000, bad
//	ret ALLOW                    ; or ret #0x7fff0000, ret ERRNO(1), ret a
//	bad: ret KILL_PROCESS
//
// Comments start with ';' or '//'. Disassemble writes every instruction with a
// four-digit label so that its output assembles back to the same program.

var aluNames = map[uint16]string{
	AluADD: "add", AluSUB: "sub", AluMUL: "mul", AluDIV: "div", AluOR: "or",
	AluAND: "and", AluLSH: "lsh", AluRSH: "rsh", AluMOD: "mod", AluXOR: "xor",
}

var jmpNames = map[uint16]string{JmpJEQ: "jeq", JmpJGT: "jgt", JmpJGE: "jge", JmpJSET: "jset"}

// Annotator returns a comment for an instruction, or "".
type Annotator func(pc int, ins Instruction) string

// Disassemble renders p in the assembler's syntax, one instruction a line. bigEndian
// selects the seccomp_data word layout used to name argument loads in comments; note,
// when not nil, adds further comments.
func Disassemble(p Program, bigEndian bool, note Annotator) string {
	var b strings.Builder
	for pc, ins := range p {
		text := formatInstruction(ins, pc, len(p))
		comment := loadComment(ins, bigEndian)
		if note != nil {
			if n := note(pc, ins); n != "" {
				if comment != "" {
					comment += ", " + n
				} else {
					comment = n
				}
			}
		}
		if comment != "" {
			fmt.Fprintf(&b, "%04d: %-36s ; %s\n", pc, text, comment)
		} else {
			fmt.Fprintf(&b, "%04d: %s\n", pc, text)
		}
	}
	return b.String()
}

func loadComment(ins Instruction, bigEndian bool) string {
	if ins.Op != ClassLD|SizeW|ModeABS {
		return ""
	}
	switch {
	case ins.K == OffsetNr:
		return "nr"
	case ins.K == OffsetArch:
		return "arch"
	case ins.K == OffsetIP:
		if bigEndian {
			return "instruction_pointer.hi"
		}
		return "instruction_pointer.lo"
	case ins.K == OffsetIP+4:
		if bigEndian {
			return "instruction_pointer.lo"
		}
		return "instruction_pointer.hi"
	case ins.K >= OffsetArgs && ins.K < DataSize && ins.K%4 == 0:
		i := (ins.K - OffsetArgs) / 8
		lo, _ := ArgOffsets(int(i), bigEndian)
		if ins.K == lo {
			return fmt.Sprintf("args[%d].lo", i)
		}
		return fmt.Sprintf("args[%d].hi", i)
	}
	return ""
}

// FormatInstruction renders one instruction; jump targets are absolute positions when
// pc >= 0 and relative (+N) otherwise.
func FormatInstruction(ins Instruction, pc int) string {
	return formatInstruction(ins, pc, -1)
}

// formatInstruction writes targets at or past n (the program length, -1 if unknown)
// as relative offsets, since no label can name them.
func formatInstruction(ins Instruction, pc, n int) string {
	target := func(off uint32) string {
		if pc < 0 || (n >= 0 && pc+1+int(off) >= n) {
			return fmt.Sprintf("+%d", off)
		}
		return fmt.Sprintf("%04d", pc+1+int(off))
	}
	if !canonical(ins) {
		return fmt.Sprintf(".raw %#04x, %d, %d, %#x", ins.Op, ins.Jt, ins.Jf, ins.K)
	}
	src := func() string {
		if ins.Op&SrcX != 0 {
			return "x"
		}
		return fmt.Sprintf("#%#x", ins.K)
	}
	switch ins.Op {
	case ClassLD | SizeW | ModeABS:
		return fmt.Sprintf("ld [%d]", ins.K)
	case ClassLD | SizeH | ModeABS:
		return fmt.Sprintf("ldh [%d]", ins.K)
	case ClassLD | SizeB | ModeABS:
		return fmt.Sprintf("ldb [%d]", ins.K)
	case ClassLD | SizeW | ModeLEN:
		return "ld len"
	case ClassLDX | SizeW | ModeLEN:
		return "ldx len"
	case ClassLD | ModeIMM:
		return fmt.Sprintf("ld #%#x", ins.K)
	case ClassLDX | ModeIMM:
		return fmt.Sprintf("ldx #%#x", ins.K)
	case ClassLD | ModeMEM:
		return fmt.Sprintf("ld M[%d]", ins.K)
	case ClassLDX | ModeMEM:
		return fmt.Sprintf("ldx M[%d]", ins.K)
	case ClassST:
		return fmt.Sprintf("st M[%d]", ins.K)
	case ClassSTX:
		return fmt.Sprintf("stx M[%d]", ins.K)
	case ClassMISC | MiscTAX:
		return "tax"
	case ClassMISC | MiscTXA:
		return "txa"
	case ClassALU | AluNEG:
		return "neg"
	case ClassRET | SrcK:
		return "ret " + RetString(ins.K)
	case ClassRET | RetA:
		return "ret a"
	case ClassJMP | JmpJA:
		return "ja " + target(ins.K)
	}
	switch ins.Class() {
	case ClassALU:
		if n, ok := aluNames[ins.Op&0xf0]; ok && ins.Op&^0xf8 == ClassALU {
			return n + " " + src()
		}
	case ClassJMP:
		if n, ok := jmpNames[ins.Op&0xf0]; ok && ins.Op&^0xf8 == ClassJMP {
			return fmt.Sprintf("%s %s, %s, %s", n, src(), target(uint32(ins.Jt)), target(uint32(ins.Jf)))
		}
	}
	return fmt.Sprintf(".raw %#04x, %d, %d, %#x", ins.Op, ins.Jt, ins.Jf, ins.K)
}

// canonical reports whether the fields an instruction does not use are zero, so that
// its mnemonic form says everything about it.
func canonical(ins Instruction) bool {
	if !ins.IsConditionalJump() && (ins.Jt != 0 || ins.Jf != 0) {
		return false
	}
	switch ins.Op {
	case ClassMISC | MiscTAX, ClassMISC | MiscTXA, ClassALU | AluNEG, ClassRET | RetA,
		ClassLD | SizeW | ModeLEN, ClassLDX | SizeW | ModeLEN:
		return ins.K == 0
	}
	if (ins.Class() == ClassALU || ins.Class() == ClassJMP) && ins.Op&SrcX != 0 {
		return ins.K == 0
	}
	return true
}

// SyntaxError locates an assembler error.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Assemble parses the assembler syntax into a program. Labels may only be jumped to
// forwards, as classic BPF requires; long jumps are not rewritten (use Builder).
func Assemble(src string) (Program, error) {
	var prog Program
	var fix []operands
	labels := map[string]int{}
	for n, raw := range strings.Split(src, "\n") {
		line := n + 1
		text := raw
		if i := strings.Index(text, ";"); i >= 0 {
			text = text[:i]
		}
		if i := strings.Index(text, "//"); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		for {
			i := strings.Index(text, ":")
			if i < 0 || strings.ContainsAny(text[:i], " \t[#(") {
				break
			}
			name := text[:i]
			if _, dup := labels[name]; dup {
				return nil, &SyntaxError{line, fmt.Sprintf("label %q defined twice", name)}
			}
			labels[name] = len(prog)
			text = strings.TrimSpace(text[i+1:])
		}
		if text == "" {
			continue
		}
		mnemonic, rest, _ := strings.Cut(text, " ")
		mnemonic = strings.ToLower(mnemonic)
		rest = strings.TrimSpace(rest)
		ins, p, err := parseInstruction(mnemonic, rest)
		if err != nil {
			return nil, &SyntaxError{line, err.Error()}
		}
		p.line = line
		prog = append(prog, ins)
		fix = append(fix, p)
	}
	resolve := func(pc int, t string, line int) (int, error) {
		if strings.HasPrefix(t, "+") {
			v, err := strconv.ParseUint(t[1:], 0, 32)
			if err != nil {
				return 0, &SyntaxError{line, fmt.Sprintf("bad relative target %q", t)}
			}
			return int(v), nil
		}
		at, ok := labels[t]
		if !ok {
			return 0, &SyntaxError{line, fmt.Sprintf("undefined label %q", t)}
		}
		if at <= pc {
			return 0, &SyntaxError{line, fmt.Sprintf("jump to %q goes backwards", t)}
		}
		return at - pc - 1, nil
	}
	for pc, f := range fix {
		ins := &prog[pc]
		if f.ja != "" {
			off, err := resolve(pc, f.ja, f.line)
			if err != nil {
				return nil, err
			}
			ins.K = uint32(off)
		}
		if f.hasJt {
			off, err := resolve(pc, f.jt, f.line)
			if err != nil {
				return nil, err
			}
			if off > 255 {
				return nil, &SyntaxError{f.line, fmt.Sprintf("jump to %q is %d instructions away (at most 255)", f.jt, off)}
			}
			ins.Jt = uint8(off)
		}
		if f.hasJf {
			off, err := resolve(pc, f.jf, f.line)
			if err != nil {
				return nil, err
			}
			if off > 255 {
				return nil, &SyntaxError{f.line, fmt.Sprintf("jump to %q is %d instructions away (at most 255)", f.jf, off)}
			}
			ins.Jf = uint8(off)
		}
	}
	return prog, nil
}

// operands are the unresolved jump targets of one instruction.
type operands struct {
	line         int
	jt, jf, ja   string
	hasJt, hasJf bool
}

func parseUint32(s string) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 0, 32)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return uint32(v), nil
}

func parseBracket(s, open string) (uint32, bool, error) {
	if !strings.HasPrefix(s, open) || !strings.HasSuffix(s, "]") {
		return 0, false, nil
	}
	v, err := parseUint32(s[len(open) : len(s)-1])
	return v, true, err
}

func parseInstruction(m, rest string) (Instruction, operands, error) {
	var ops operands
	noOperand := func(ins Instruction) (Instruction, operands, error) {
		if rest != "" {
			return Instruction{}, ops, fmt.Errorf("%s takes no operand", m)
		}
		return ins, ops, nil
	}
	switch m {
	case "ld", "ldx":
		class := uint16(ClassLD)
		if m == "ldx" {
			class = ClassLDX
		}
		switch {
		case rest == "len":
			return Instruction{Op: class | SizeW | ModeLEN}, ops, nil
		case strings.HasPrefix(rest, "#"):
			k, err := parseUint32(rest[1:])
			return Instruction{Op: class | ModeIMM, K: k}, ops, err
		}
		if k, ok, err := parseBracket(rest, "M["); ok || err != nil {
			return Instruction{Op: class | ModeMEM, K: k}, ops, err
		}
		if m == "ld" {
			if k, ok, err := parseBracket(rest, "["); ok || err != nil {
				return Instruction{Op: ClassLD | SizeW | ModeABS, K: k}, ops, err
			}
		}
		return Instruction{}, ops, fmt.Errorf("bad operand %q for %s", rest, m)
	case "ldh", "ldb":
		size := uint16(SizeH)
		if m == "ldb" {
			size = SizeB
		}
		k, ok, err := parseBracket(rest, "[")
		if !ok && err == nil {
			err = fmt.Errorf("bad operand %q for %s", rest, m)
		}
		return Instruction{Op: ClassLD | size | ModeABS, K: k}, ops, err
	case "st", "stx":
		class := uint16(ClassST)
		if m == "stx" {
			class = ClassSTX
		}
		k, ok, err := parseBracket(rest, "M[")
		if !ok && err == nil {
			err = fmt.Errorf("bad operand %q for %s", rest, m)
		}
		return Instruction{Op: class, K: k}, ops, err
	case "tax":
		return noOperand(Instruction{Op: ClassMISC | MiscTAX})
	case "txa":
		return noOperand(Instruction{Op: ClassMISC | MiscTXA})
	case "neg":
		return noOperand(Instruction{Op: ClassALU | AluNEG})
	case "ret":
		if strings.EqualFold(rest, "a") {
			return Instruction{Op: ClassRET | RetA}, ops, nil
		}
		k, err := parseRet(rest)
		return Instruction{Op: ClassRET | SrcK, K: k}, ops, err
	case "ja", "jmp":
		if rest == "" {
			return Instruction{}, ops, fmt.Errorf("%s needs a target", m)
		}
		ops.ja = rest
		return Instruction{Op: ClassJMP | JmpJA}, ops, nil
	case ".raw":
		f := strings.Split(rest, ",")
		if len(f) != 4 {
			return Instruction{}, ops, fmt.Errorf(".raw needs op, jt, jf, k")
		}
		var v [4]uint32
		for i := range f {
			x, err := parseUint32(f[i])
			if err != nil {
				return Instruction{}, ops, err
			}
			v[i] = x
		}
		if v[0] > 0xffff || v[1] > 255 || v[2] > 255 {
			return Instruction{}, ops, fmt.Errorf(".raw field out of range")
		}
		return Instruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: v[3]}, ops, nil
	}
	for op, n := range aluNames {
		if n == m {
			src, k, err := parseSource(rest)
			return Instruction{Op: ClassALU | op | src, K: k}, ops, err
		}
	}
	jumps := map[string]struct {
		op   uint16
		swap bool
	}{
		"jeq": {JmpJEQ, false}, "jgt": {JmpJGT, false}, "jge": {JmpJGE, false}, "jset": {JmpJSET, false},
		"jne": {JmpJEQ, true}, "jneq": {JmpJEQ, true}, "jle": {JmpJGT, true}, "jlt": {JmpJGE, true},
	}
	if j, ok := jumps[m]; ok {
		f := strings.Split(rest, ",")
		if len(f) < 2 || len(f) > 3 {
			return Instruction{}, ops, fmt.Errorf("%s needs a value and one or two targets", m)
		}
		src, k, err := parseSource(f[0])
		if err != nil {
			return Instruction{}, ops, err
		}
		jt, jf := strings.TrimSpace(f[1]), "+0"
		if len(f) == 3 {
			jf = strings.TrimSpace(f[2])
		}
		if j.swap {
			jt, jf = jf, jt
		}
		ops.jt, ops.jf, ops.hasJt, ops.hasJf = jt, jf, true, true
		return Instruction{Op: ClassJMP | j.op | src, K: k}, ops, nil
	}
	return Instruction{}, ops, fmt.Errorf("unknown instruction %q", m)
}

func parseSource(s string) (uint16, uint32, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "x") {
		return SrcX, 0, nil
	}
	if !strings.HasPrefix(s, "#") {
		return 0, 0, fmt.Errorf("operand %q must be #constant or x", s)
	}
	k, err := parseUint32(s[1:])
	return SrcK, k, err
}

// parseRet reads ALLOW, ERRNO(1), KILL_PROCESS ... or #constant.
func parseRet(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "#") {
		return parseUint32(s[1:])
	}
	name, arg, hasArg := strings.Cut(s, "(")
	name = strings.ToUpper(strings.TrimSpace(name))
	var action uint32
	found := false
	for a, n := range actionNames {
		if n == name {
			action, found = a, true
		}
	}
	switch name {
	case "KILL":
		action, found = RetKillThread, true
	case "NOTIFY":
		action, found = RetUserNotif, true
	}
	if !found {
		if v, err := parseUint32(s); err == nil {
			return v, nil
		}
		return 0, fmt.Errorf("unknown return value %q", s)
	}
	if !hasArg {
		return action, nil
	}
	arg, ok := strings.CutSuffix(strings.TrimSpace(arg), ")")
	if !ok {
		return 0, fmt.Errorf("missing ')' in %q", s)
	}
	v, err := parseUint32(arg)
	if err != nil {
		return 0, err
	}
	if v > 0xffff {
		return 0, fmt.Errorf("return data %d does not fit in 16 bits", v)
	}
	return action | v, nil
}
