// Package record records the syscalls a command, a process tree or a container makes:
// with ptrace and a seccomp filter that stops each syscall once (arguments and
// executables included), with an eBPF program on the raw sys_enter tracepoint filtered
// by cgroup (cheap, counts only), or from SECCOMP audit records. All of them produce a
// Recording, which generate turns into a profile and WriteTrace saves as JSON lines.
//
// CgroupRecorder counts many cgroups with one program, each from its first exec below
// the cgroup directories it watches, and is read while it counts: the node agent's way
// of recording every container of the pods it is asked to.
package record
