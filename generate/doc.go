// Package generate turns recordings (record.Recording) and imported logs (audit.log,
// journal and dmesg SECCOMP records, strace output, trace files) into seccomp profiles:
// the union of every input, translated to the target architectures, with what the OCI
// runtime needs to start the container, optional per-argument rules and comments saying
// who made each call. Everything here is a deterministic function of its input.
package generate
