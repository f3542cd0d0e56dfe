// Package bpf holds classic BPF as seccomp uses it: instructions, a builder with named
// labels, an assembler and disassembler, and an interpreter that checks and runs a
// program over seccomp_data exactly as the Linux kernel does.
package bpf
