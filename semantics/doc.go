// Package semantics holds the one meaning of a seccomp profile: for each architecture
// and syscall, which rule decides the call and with what return value, under the rules
// runc applies with libseccomp (the first unconditional rule wins, rules repeating the
// default are dropped, -ENOSYS for numbers newer than the profile, sub-architectures,
// the socketcall and ipc multiplexers). The compiler, lint, diff, merge, compare,
// explain and generate all read a profile through it, so they cannot disagree.
//
// It is pure: plain data in, plain data out, no kernel.
package semantics
