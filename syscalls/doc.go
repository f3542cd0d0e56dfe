// Package syscalls holds the seccomp architectures and, for each, the table of syscall
// names and numbers, generated from golang.org/x/sys/unix (see internal/gen).
package syscalls
