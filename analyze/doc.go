// Package analyze finds, without running it, the system calls an executable can make: it
// loads the executable and the shared libraries it needs (as the dynamic loader would find
// them), splits their code into functions (symbols, or .eh_frame where a library is
// stripped), follows calls from the entry points, and reads the syscall number at every
// syscall instruction and at every call of a syscall wrapper (libc's syscall(), Go's
// syscall and runtime helpers). x86_64 and aarch64 ELF files are supported.
//
// The result over-approximates where the code is ambiguous (indirect calls may reach any
// function whose address is taken) and reports what it cannot see (syscall sites whose
// number is unknown, libraries loaded at run time, other programs executed):
// docs/static-analysis.md says exactly what is and is not covered.
package analyze
