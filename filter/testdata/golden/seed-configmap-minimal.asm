; 49 instructions for x86_64
0000: ld [4]                               ; arch
0001: jeq #0xc000003e, 0003, 0002          ; arch x86_64
0002: ret KILL_THREAD
0003: ld [0]                               ; nr
0004: jge #0x30, 0017, 0005                ; nr >= 48 shutdown
0005: jge #0xf, 0010, 0006                 ; nr >= 15 rt_sigreturn
0006: jge #0x6, 0007, 0045                 ; nr >= 6 lstat
0007: jge #0xb, 0045, 0008                 ; nr >= 11 munmap
0008: jge #0x9, 0009, 0046                 ; nr >= 9 mmap
0009: jge #0xa, 0046, 0045                 ; nr >= 10 mprotect
0010: jge #0x29, 0045, 0011                ; nr >= 41 socket
0011: jge #0x20, 0014, 0012                ; nr >= 32 dup
0012: jge #0x16, 0046, 0013                ; nr >= 22 pipe
0013: jge #0x15, 0045, 0046                ; nr >= 21 access
0014: jge #0x22, 0015, 0045                ; nr >= 34 pause
0015: jge #0x27, 0016, 0046                ; nr >= 39 getpid
0016: jge #0x28, 0046, 0045                ; nr >= 40 sendfile
0017: jge #0xd5, 0032, 0018                ; nr >= 213 epoll_create
0018: jge #0x51, 0026, 0019                ; nr >= 81 fchdir
0019: jge #0x3d, 0023, 0020                ; nr >= 61 wait4
0020: jge #0x33, 0022, 0021                ; nr >= 51 getsockname
0021: jge #0x31, 0045, 0046                ; nr >= 49 bind
0022: jge #0x3c, 0045, 0046                ; nr >= 60 exit
0023: jge #0x4f, 0045, 0024                ; nr >= 79 getcwd
0024: jge #0x48, 0025, 0046                ; nr >= 72 fcntl
0025: jge #0x49, 0046, 0045                ; nr >= 73 flock
0026: jge #0x9e, 0029, 0027                ; nr >= 158 arch_prctl
0027: jge #0x67, 0046, 0028                ; nr >= 103 syslog
0028: jge #0x66, 0045, 0046                ; nr >= 102 getuid
0029: jge #0xca, 0031, 0030                ; nr >= 202 futex
0030: jge #0x9f, 0046, 0045                ; nr >= 159 adjtimex
0031: jge #0xcb, 0046, 0045                ; nr >= 203 sched_setaffinity
0032: jge #0xea, 0037, 0033                ; nr >= 234 tgkill
0033: jge #0xe7, 0045, 0034                ; nr >= 231 exit_group
0034: jge #0xd9, 0036, 0035                ; nr >= 217 getdents64
0035: jge #0xd6, 0046, 0045                ; nr >= 214 epoll_ctl_old
0036: jge #0xda, 0046, 0045                ; nr >= 218 set_tid_address
0037: jge #0x121, 0041, 0038               ; nr >= 289 signalfd4
0038: jge #0x102, 0040, 0039               ; nr >= 258 mkdirat
0039: jge #0x101, 0045, 0046               ; nr >= 257 openat
0040: jge #0x120, 0045, 0046               ; nr >= 288 accept4
0041: jge #0x40000000, 0042, 0047
0042: jge #0xc0000000, 0044, 0043
0043: jge #0x80000000, 0047, 0048
0044: jge #0xffffffff, 0046, 0048
0045: ret ALLOW
0046: ret ERRNO(1)
0047: ret ERRNO(38)
0048: ret KILL_THREAD
