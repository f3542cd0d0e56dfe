// Package filter compiles a seccomp profile into one classic BPF program for one or more
// architectures, with the meaning runc gives the profile through libseccomp, and
// explains what the program decides for a given system call.
package filter
