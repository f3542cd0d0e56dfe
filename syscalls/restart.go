package syscalls

// restartedBy are the syscalls the kernel resumes with restart_syscall: interrupted by a
// signal whose handler returns, or by a stop and continue, they return
// -ERESTART_RESTARTBLOCK, and the kernel points the task's syscall instruction at
// restart_syscall instead of making the call again (kernel/time/hrtimer.c,
// fs/select.c do_restart_poll, kernel/futex/waitwake.c futex_wait_restart).
var restartedBy = []string{"nanosleep", "clock_nanosleep", "clock_nanosleep_time64", "poll", "futex", "futex_time64"}

// RestartedBy returns the syscalls the kernel may resume with restart_syscall, a call no
// program's code holds: seccomp filters it like any other, so a profile allowing one of
// these and not restart_syscall turns a sleep interrupted by a signal or a stop into
// EPERM.
func RestartedBy() []string { return append([]string(nil), restartedBy...) }
