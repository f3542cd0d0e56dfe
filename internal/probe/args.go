package probe

// Harmless arguments: for each syscall here, arguments with which the call fails at once
// (EBADF, EFAULT, EINVAL, ESRCH, ECHILD) or succeeds without changing anything that
// outlives the probe process, so the same call can be made with and without the filter
// and the two results compared. A syscall missing here is evaluated by the interpreter
// only. Values follow the kernel's checks in each syscall's implementation (fd -1 is
// rejected before anything else; a NULL path gives EFAULT; an unknown option EINVAL).
const (
	bad  = ^uint64(0) // -1: an invalid fd, uid, flags or option
	null = 0          // a NULL pointer
	// noPID is above the kernel's PID_MAX_LIMIT (4194304): no such process.
	noPID  = 0x3fffffff
	inval  = 0xffff // an option or command no syscall knows
	badPtr = 1      // a non-NULL pointer into the unmapped first page
)

var harmless = map[string][]uint64{
	// files
	"read": {bad, null, 0}, "write": {bad, null, 0}, "pread64": {bad, null, 0, 0}, "pwrite64": {bad, null, 0, 0},
	"readv": {bad, null, 0}, "writev": {bad, null, 0}, "preadv": {bad, null, 0, 0, 0}, "pwritev": {bad, null, 0, 0, 0},
	"open": {null, 0, 0}, "openat": {bad, null, 0, 0}, "openat2": {bad, null, null, 0}, "creat": {null, 0},
	"close": {bad}, "close_range": {bad, 0, 0},
	"stat": {null, null}, "lstat": {null, null}, "fstat": {bad, null}, "newfstatat": {bad, null, null, 0},
	"statx": {bad, null, 0, 0, null}, "statfs": {null, null}, "fstatfs": {bad, null},
	"access": {null, 0}, "faccessat": {bad, null, 0}, "faccessat2": {bad, null, 0, 0},
	"readlink": {null, null, 0}, "readlinkat": {bad, null, null, 0},
	"getdents": {bad, null, 0}, "getdents64": {bad, null, 0},
	"chdir": {null}, "fchdir": {bad}, "getcwd": {null, 0},
	"chmod": {null, 0}, "fchmod": {bad, 0}, "fchmodat": {bad, null, 0},
	"chown": {null, bad, bad}, "lchown": {null, bad, bad}, "fchown": {bad, bad, bad}, "fchownat": {bad, null, bad, bad, 0},
	"mkdir": {null, 0}, "mkdirat": {bad, null, 0}, "rmdir": {null}, "unlink": {null}, "unlinkat": {bad, null, 0},
	"rename": {null, null}, "renameat": {bad, null, bad, null}, "renameat2": {bad, null, bad, null, 0},
	"link": {null, null}, "linkat": {bad, null, bad, null, 0}, "symlink": {null, null}, "symlinkat": {null, bad, null},
	"mknod": {null, 0, 0}, "mknodat": {bad, null, 0, 0},
	"truncate": {null, 0}, "ftruncate": {bad, 0}, "fallocate": {bad, 0, 0, 0},
	"fsync": {bad}, "fdatasync": {bad}, "flock": {bad, 0}, "lseek": {bad, 0, 0},
	"dup": {bad}, "dup2": {bad, bad}, "dup3": {bad, bad, 0}, "pipe": {null}, "pipe2": {null, 0},
	"fcntl": {bad, 0, 0}, "ioctl": {bad, 0, 0},
	"sendfile": {bad, bad, null, 0}, "splice": {bad, null, bad, null, 0, 0}, "tee": {bad, bad, 0, 0},
	"copy_file_range": {bad, null, bad, null, 0, 0},
	"utimensat":       {bad, null, null, 0}, "utimes": {null, null}, "utime": {null, null},
	"getxattr": {null, null, null, 0}, "setxattr": {null, null, null, 0, 0}, "listxattr": {null, null, 0},
	"fgetxattr": {bad, null, null, 0}, "fsetxattr": {bad, null, null, 0, 0},
	"inotify_init1": {bad}, "inotify_add_watch": {bad, null, 0}, "inotify_rm_watch": {bad, 0},
	"memfd_create": {null, 0}, "umask": {0o022}, "sync_file_range": {bad, 0, 0, 0}, "fadvise64": {bad, 0, 0, 0},
	// network
	"socket": {inval, 0, 0}, "socketpair": {inval, 0, 0, null}, "bind": {bad, null, 0}, "connect": {bad, null, 0},
	"listen": {bad, 0}, "accept": {bad, null, null}, "accept4": {bad, null, null, 0},
	"sendto": {bad, null, 0, 0, null, 0}, "recvfrom": {bad, null, 0, 0, null, null},
	"sendmsg": {bad, null, 0}, "recvmsg": {bad, null, 0}, "sendmmsg": {bad, null, 0, 0}, "recvmmsg": {bad, null, 0, 0, null},
	"shutdown": {bad, 0}, "getsockname": {bad, null, null}, "getpeername": {bad, null, null},
	"setsockopt": {bad, 0, 0, null, 0}, "getsockopt": {bad, 0, 0, null, null},
	// processes and identity
	"getpid": {}, "getppid": {}, "gettid": {}, "getuid": {}, "geteuid": {}, "getgid": {}, "getegid": {},
	"getpgrp": {}, "getpgid": {noPID}, "getsid": {noPID}, "setpgid": {noPID, 0},
	"getresuid": {null, null, null}, "getresgid": {null, null, null}, "getgroups": {0, null},
	"setuid": {bad}, "setgid": {bad}, "setreuid": {bad, bad}, "setregid": {bad, bad},
	"setresuid": {bad, bad, bad}, "setresgid": {bad, bad, bad}, "setgroups": {bad, null},
	"setfsuid": {bad}, "setfsgid": {bad}, "capget": {null, null}, "capset": {null, null},
	"kill": {noPID, 0}, "tkill": {noPID, 0}, "tgkill": {noPID, noPID, 0},
	"wait4": {noPID, null, 0, null}, "waitid": {1, noPID, null, 4, null},
	"execve": {null, null, null}, "execveat": {bad, null, null, null, 0}, "clone3": {null, 0},
	"prctl": {inval, 0, 0, 0, 0}, "arch_prctl": {inval, 0}, "personality": {0xffffffff},
	"sched_yield": {}, "sched_getaffinity": {0, 0, null}, "sched_getparam": {noPID, null},
	"sched_getscheduler": {noPID}, "getpriority": {inval, 0}, "setpriority": {inval, 0, 0},
	"set_tid_address": {null}, "set_robust_list": {null, 0}, "get_robust_list": {noPID, null, null},
	"rseq": {null, 0, inval, 0}, "seccomp": {inval, 0, null}, "pidfd_open": {noPID, 0},
	"getrlimit": {inval, null}, "setrlimit": {inval, null}, "prlimit64": {0, inval, null, null},
	"getrusage": {inval, null}, "times": {null}, "uname": {null}, "sysinfo": {null},
	// memory
	"mmap": {0, 0, 0, 0, bad, 0}, "munmap": {0, 0}, "mprotect": {0, 0, 0}, "madvise": {0, 0, 0},
	"mremap": {0, 0, 0, 0, 0}, "brk": {0}, "mlock": {0, 0}, "munlock": {0, 0}, "msync": {0, 0, 0},
	"mincore": {0, 0, null}, "membarrier": {inval, 0, 0},
	// signals, time, waiting
	"rt_sigaction": {bad, null, null, 8}, "rt_sigprocmask": {inval, null, null, 8}, "sigaltstack": {null, null},
	"rt_sigpending": {null, 8}, "rt_sigtimedwait": {null, null, null, 8}, "rt_sigsuspend": {null, 0},
	"nanosleep": {null, null}, "clock_nanosleep": {bad, 0, null, null}, "clock_gettime": {bad, null},
	"clock_getres": {bad, null}, "gettimeofday": {null, null}, "time": {null},
	"alarm": {0}, "getitimer": {inval, null}, "setitimer": {inval, null, null},
	"timer_create": {bad, null, null}, "timerfd_create": {bad, 0}, "eventfd2": {0, bad}, "eventfd": {0},
	"futex": {null, inval, 0, null, null, 0}, "getrandom": {null, 0, 0},
	"epoll_create": {0}, "epoll_create1": {bad}, "epoll_ctl": {bad, 0, bad, null},
	"epoll_wait": {bad, null, 1, 0}, "epoll_pwait": {bad, null, 1, 0, null, 8}, "epoll_pwait2": {bad, null, 1, null, null, 8},
	"poll": {null, 0, 0}, "ppoll": {null, 0, badPtr, null, 8}, "select": {bad, null, null, null, null},
	"pselect6": {bad, null, null, null, null, null}, "signalfd4": {bad, null, 0, 0}, "signalfd": {bad, null, 0},
	"inotify_init": {},
}

// interpreterOnly says why a syscall is never made for real.
var interpreterOnly = map[string]string{
	"exit":            "it would end the probe",
	"exit_group":      "it would end the probe",
	"rt_sigreturn":    "it cannot be made outside a signal handler",
	"sigreturn":       "it cannot be made outside a signal handler",
	"restart_syscall": "it only continues an interrupted call",
	"fork":            "it would create a process",
	"vfork":           "it would create a process",
	"clone":           "it would create a process or thread",
	"pause":           "it would block",
	"vhangup":         "it would hang up the terminal",
	"sync":            "it would flush every filesystem of the host",
	"syncfs":          "it would flush a filesystem of the host",
	"setsid":          "it would detach the probe from its session",
}
