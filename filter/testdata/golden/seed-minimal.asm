; 202 instructions for x86_64, x86, x32
0000: ld [4]                               ; arch
0001: jeq #0xc000003e, 0004, 0002          ; arch x86_64/x32
0002: jeq #0x40000003, 0117, 0003          ; arch x86
0003: ret KILL_THREAD
0004: ld [0]                               ; nr
0005: jge #0x4e, 0023, 0006                ; nr >= 78 x86_64 getdents
0006: jge #0x10, 0009, 0007                ; nr >= 16 x86_64 ioctl
0007: jge #0x7, 0114, 0008                 ; nr >= 7 x86_64 poll
0008: jge #0x6, 0115, 0114                 ; nr >= 6 x86_64 lstat
0009: jge #0x29, 0016, 0010                ; nr >= 41 x86_64 socket
0010: jge #0x18, 0012, 0011                ; nr >= 24 x86_64 sched_yield
0011: jge #0x15, 0114, 0115                ; nr >= 21 x86_64 access
0012: jge #0x22, 0014, 0013                ; nr >= 34 x86_64 pause
0013: jge #0x20, 0114, 0115                ; nr >= 32 x86_64 dup
0014: jge #0x27, 0015, 0115                ; nr >= 39 x86_64 getpid
0015: jge #0x28, 0115, 0114                ; nr >= 40 x86_64 sendfile
0016: jge #0x30, 0017, 0114                ; nr >= 48 x86_64 shutdown
0017: jge #0x33, 0019, 0018                ; nr >= 51 x86_64 getsockname
0018: jge #0x31, 0114, 0115                ; nr >= 49 x86_64 bind
0019: jge #0x3d, 0021, 0020                ; nr >= 61 x86_64 wait4
0020: jge #0x3c, 0114, 0115                ; nr >= 60 x86_64 exit
0021: jge #0x48, 0022, 0115                ; nr >= 72 x86_64 fcntl
0022: jge #0x49, 0115, 0114                ; nr >= 73 x86_64 flock
0023: jge #0x7f, 0038, 0024                ; nr >= 127 x86_64 rt_sigpending
0024: jge #0x68, 0032, 0025                ; nr >= 104 x86_64 getgid
0025: jge #0x51, 0026, 0114                ; nr >= 81 x86_64 fchdir
0026: jge #0x5b, 0028, 0027                ; nr >= 91 x86_64 fchmod
0027: jge #0x59, 0114, 0115                ; nr >= 89 x86_64 readlink
0028: jge #0x5d, 0030, 0029                ; nr >= 93 x86_64 fchown
0029: jge #0x5c, 0114, 0115                ; nr >= 92 x86_64 chown
0030: jge #0x66, 0031, 0115                ; nr >= 102 x86_64 getuid
0031: jge #0x67, 0115, 0114                ; nr >= 103 x86_64 syslog
0032: jge #0x6d, 0033, 0114                ; nr >= 109 x86_64 setpgid
0033: jge #0x7d, 0114, 0034                ; nr >= 125 x86_64 capget
0034: jge #0x74, 0037, 0035                ; nr >= 116 x86_64 setgroups
0035: jge #0x6f, 0115, 0036                ; nr >= 111 x86_64 getpgrp
0036: jge #0x6e, 0114, 0115                ; nr >= 110 x86_64 getppid
0037: jge #0x75, 0115, 0114                ; nr >= 117 x86_64 setresuid
0038: jge #0xea, 0048, 0039                ; nr >= 234 x86_64 tgkill
0039: jge #0xd9, 0046, 0040                ; nr >= 217 x86_64 getdents64
0040: jge #0xca, 0043, 0041                ; nr >= 202 x86_64 futex
0041: jge #0x9f, 0115, 0042                ; nr >= 159 x86_64 adjtimex
0042: jge #0x9e, 0114, 0115                ; nr >= 158 x86_64 arch_prctl
0043: jge #0xd5, 0045, 0044                ; nr >= 213 x86_64 epoll_create
0044: jge #0xcb, 0115, 0114                ; nr >= 203 x86_64 sched_setaffinity
0045: jge #0xd6, 0115, 0114                ; nr >= 214 x86_64 epoll_ctl_old
0046: jge #0xe7, 0114, 0047                ; nr >= 231 x86_64 exit_group
0047: jge #0xdb, 0115, 0114                ; nr >= 219 x86_64 restart_syscall
0048: jge #0x123, 0055, 0049               ; nr >= 291 x86_64 epoll_create1
0049: jge #0x111, 0052, 0050               ; nr >= 273 x86_64 set_robust_list
0050: jge #0x101, 0051, 0115               ; nr >= 257 x86_64 openat
0051: jge #0x102, 0115, 0114               ; nr >= 258 x86_64 mkdirat
0052: jge #0x120, 0054, 0053               ; nr >= 288 x86_64 accept4
0053: jge #0x112, 0115, 0114               ; nr >= 274 x86_64 get_robust_list
0054: jge #0x121, 0115, 0114               ; nr >= 289 x86_64 signalfd4
0055: jge #0x126, 0056, 0114               ; nr >= 294 x86_64 inotify_init1
0056: jge #0x40000000, 0057, 0116          ; nr >= 1073741824 x32 read
0057: jge #0x400000ca, 0095, 0058          ; nr >= 1073742026 x32 futex
0058: jge #0x40000068, 0086, 0059          ; nr >= 1073741928 x32 getgid
0059: jge #0x4000003d, 0076, 0060          ; nr >= 1073741885 x32 wait4
0060: jge #0x40000020, 0068, 0061          ; nr >= 1073741856 x32 dup
0061: jge #0x4000000d, 0064, 0062
0062: jge #0x40000006, 0063, 0114          ; nr >= 1073741830 x32 lstat
0063: jge #0x40000007, 0114, 0115          ; nr >= 1073741831 x32 poll
0064: jge #0x40000018, 0115, 0065          ; nr >= 1073741848 x32 sched_yield
0065: jge #0x40000015, 0114, 0066          ; nr >= 1073741845 x32 access
0066: jge #0x4000000f, 0115, 0067
0067: jge #0x4000000e, 0114, 0115          ; nr >= 1073741838 x32 rt_sigprocmask
0068: jge #0x4000002d, 0073, 0069
0069: jge #0x40000027, 0071, 0070          ; nr >= 1073741863 x32 getpid
0070: jge #0x40000022, 0115, 0114          ; nr >= 1073741858 x32 pause
0071: jge #0x40000029, 0114, 0072          ; nr >= 1073741865 x32 socket
0072: jge #0x40000028, 0115, 0114          ; nr >= 1073741864 x32 sendfile
0073: jge #0x40000033, 0075, 0074          ; nr >= 1073741875 x32 getsockname
0074: jge #0x40000031, 0114, 0115          ; nr >= 1073741873 x32 bind
0075: jge #0x4000003c, 0114, 0115          ; nr >= 1073741884 x32 exit
0076: jge #0x40000051, 0080, 0077          ; nr >= 1073741905 x32 fchdir
0077: jge #0x40000048, 0078, 0115          ; nr >= 1073741896 x32 fcntl
0078: jge #0x4000004e, 0114, 0079          ; nr >= 1073741902 x32 getdents
0079: jge #0x40000049, 0115, 0114          ; nr >= 1073741897 x32 flock
0080: jge #0x4000005d, 0084, 0081          ; nr >= 1073741917 x32 fchown
0081: jge #0x40000059, 0082, 0115          ; nr >= 1073741913 x32 readlink
0082: jge #0x4000005b, 0083, 0114          ; nr >= 1073741915 x32 fchmod
0083: jge #0x4000005c, 0114, 0115          ; nr >= 1073741916 x32 chown
0084: jge #0x40000066, 0085, 0115          ; nr >= 1073741926 x32 getuid
0085: jge #0x40000067, 0115, 0114          ; nr >= 1073741927 x32 syslog
0086: jge #0x4000009f, 0115, 0087          ; nr >= 1073741983 x32 adjtimex
0087: jge #0x4000007f, 0094, 0088
0088: jge #0x40000075, 0093, 0089          ; nr >= 1073741941 x32 setresuid
0089: jge #0x4000006f, 0092, 0090          ; nr >= 1073741935 x32 getpgrp
0090: jge #0x4000006d, 0091, 0114          ; nr >= 1073741933 x32 setpgid
0091: jge #0x4000006e, 0114, 0115          ; nr >= 1073741934 x32 getppid
0092: jge #0x40000074, 0114, 0115          ; nr >= 1073741940 x32 setgroups
0093: jge #0x4000007d, 0114, 0115          ; nr >= 1073741949 x32 capget
0094: jge #0x4000009e, 0114, 0115          ; nr >= 1073741982 x32 arch_prctl
0095: jge #0x40000126, 0108, 0096          ; nr >= 1073742118 x32 inotify_init1
0096: jge #0x40000102, 0105, 0097          ; nr >= 1073742082 x32 mkdirat
0097: jge #0x400000ea, 0104, 0098          ; nr >= 1073742058 x32 tgkill
0098: jge #0x400000db, 0103, 0099          ; nr >= 1073742043 x32 restart_syscall
0099: jge #0x400000d5, 0101, 0100          ; nr >= 1073742037 x32 epoll_create
0100: jge #0x400000cb, 0115, 0114          ; nr >= 1073742027 x32 sched_setaffinity
0101: jge #0x400000d9, 0114, 0102          ; nr >= 1073742041 x32 getdents64
0102: jge #0x400000d6, 0115, 0114
0103: jge #0x400000e7, 0114, 0115          ; nr >= 1073742055 x32 exit_group
0104: jge #0x40000101, 0114, 0115          ; nr >= 1073742081 x32 openat
0105: jge #0x40000120, 0106, 0115          ; nr >= 1073742112 x32 accept4
0106: jge #0x40000123, 0114, 0107          ; nr >= 1073742115 x32 epoll_create1
0107: jge #0x40000121, 0115, 0114          ; nr >= 1073742113 x32 signalfd4
0108: jge #0x40000200, 0109, 0115          ; nr >= 1073742336 x32 rt_sigaction
0109: jge #0x40000213, 0116, 0110          ; nr >= 1073742355 x32 get_robust_list
0110: jge #0x40000208, 0113, 0111          ; nr >= 1073742344 x32 execve
0111: jge #0x40000205, 0114, 0112          ; nr >= 1073742341 x32 recvfrom
0112: jge #0x40000202, 0115, 0114          ; nr >= 1073742338 x32 ioctl
0113: jge #0x40000212, 0114, 0115          ; nr >= 1073742354 x32 set_robust_list
0114: ret ALLOW
0115: ret ERRNO(1)
0116: ret ERRNO(38)
0117: ld [0]                               ; nr
0118: jge #0xb6, 0163, 0119                ; nr >= 182 chown
0119: jge #0x30, 0137, 0120                ; nr >= 48 signal
0120: jge #0x15, 0130, 0121                ; nr >= 21 mount
0121: jge #0x7, 0125, 0122                 ; nr >= 7 waitpid
0122: jge #0x3, 0199, 0123                 ; nr >= 3 read
0123: jge #0x1, 0124, 0200                 ; nr >= 1 exit
0124: jge #0x2, 0200, 0199                 ; nr >= 2 fork
0125: jge #0x13, 0199, 0126                ; nr >= 19 lseek
0126: jge #0xd, 0128, 0127                 ; nr >= 13 time
0127: jge #0xc, 0199, 0200                 ; nr >= 12 chdir
0128: jge #0x10, 0200, 0129                ; nr >= 16 lchown
0129: jge #0xf, 0199, 0200                 ; nr >= 15 chmod
0130: jge #0x29, 0135, 0131                ; nr >= 41 dup
0131: jge #0x19, 0133, 0132                ; nr >= 25 stime
0132: jge #0x17, 0199, 0200                ; nr >= 23 setuid
0133: jge #0x21, 0134, 0200                ; nr >= 33 access
0134: jge #0x22, 0200, 0199                ; nr >= 34 nice
0135: jge #0x2d, 0199, 0136                ; nr >= 45 brk
0136: jge #0x2b, 0200, 0199                ; nr >= 43 times
0137: jge #0x5c, 0149, 0138                ; nr >= 92 truncate
0138: jge #0x41, 0144, 0139                ; nr >= 65 getpgrp
0139: jge #0x33, 0141, 0140                ; nr >= 51 acct
0140: jge #0x31, 0199, 0200                ; nr >= 49 geteuid
0141: jge #0x3f, 0199, 0142                ; nr >= 63 dup2
0142: jge #0x38, 0200, 0143                ; nr >= 56 mpx
0143: jge #0x37, 0199, 0200                ; nr >= 55 fcntl
0144: jge #0x53, 0146, 0145                ; nr >= 83 symlink
0145: jge #0x51, 0199, 0200                ; nr >= 81 setgroups
0146: jge #0x5a, 0199, 0147                ; nr >= 90 mmap
0147: jge #0x56, 0200, 0148                ; nr >= 86 uselib
0148: jge #0x55, 0199, 0200                ; nr >= 85 readlink
0149: jge #0x8d, 0158, 0150                ; nr >= 141 getdents
0150: jge #0x6b, 0154, 0151                ; nr >= 107 lstat
0151: jge #0x67, 0153, 0152                ; nr >= 103 syslog
0152: jge #0x66, 0188, 0200                ; nr >= 102 socketcall
0153: jge #0x6a, 0199, 0200                ; nr >= 106 stat
0154: jge #0x7d, 0157, 0155                ; nr >= 125 mprotect
0155: jge #0x6d, 0200, 0156                ; nr >= 109 olduname
0156: jge #0x6c, 0199, 0200                ; nr >= 108 fstat
0157: jge #0x7e, 0200, 0199                ; nr >= 126 sigprocmask
0158: jge #0xad, 0162, 0159                ; nr >= 173 rt_sigreturn
0159: jge #0xa8, 0161, 0160                ; nr >= 168 poll
0160: jge #0x8e, 0200, 0199                ; nr >= 142 _newselect
0161: jge #0xa9, 0200, 0199                ; nr >= 169 nfsservctl
0162: jge #0xb0, 0200, 0199                ; nr >= 176 rt_sigpending
0163: jge #0x149, 0179, 0164               ; nr >= 329 epoll_create1
0164: jge #0xfe, 0172, 0165                ; nr >= 254 epoll_create
0165: jge #0xba, 0166, 0199                ; nr >= 186 sigaltstack
0166: jge #0xf0, 0169, 0167                ; nr >= 240 futex
0167: jge #0xdc, 0168, 0200                ; nr >= 220 getdents64
0168: jge #0xdd, 0200, 0199                ; nr >= 221 fcntl64
0169: jge #0xfc, 0171, 0170                ; nr >= 252 exit_group
0170: jge #0xf1, 0200, 0199                ; nr >= 241 sched_setaffinity
0171: jge #0xfd, 0200, 0199                ; nr >= 253 lookup_dcookie
0172: jge #0x101, 0173, 0199               ; nr >= 257 remap_file_pages
0173: jge #0x127, 0176, 0174               ; nr >= 295 openat
0174: jge #0x103, 0200, 0175               ; nr >= 259 timer_create
0175: jge #0x102, 0199, 0200               ; nr >= 258 set_tid_address
0176: jge #0x137, 0178, 0177               ; nr >= 311 set_robust_list
0177: jge #0x128, 0200, 0199               ; nr >= 296 mkdirat
0178: jge #0x138, 0200, 0199               ; nr >= 312 get_robust_list
0179: jge #0x16d, 0184, 0180               ; nr >= 365 getsockopt
0180: jge #0x169, 0199, 0181               ; nr >= 361 bind
0181: jge #0x14c, 0182, 0199               ; nr >= 332 inotify_init1
0182: jge #0x167, 0183, 0200               ; nr >= 359 socket
0183: jge #0x168, 0200, 0199               ; nr >= 360 socketpair
0184: jge #0x175, 0186, 0185               ; nr >= 373 shutdown
0185: jge #0x171, 0199, 0200               ; nr >= 369 sendto
0186: jge #0x181, 0201, 0187               ; nr >= 385 io_pgetevents
0187: jge #0x180, 0199, 0200               ; nr >= 384 arch_prctl
0188: ld [16]                              ; args[0].lo
0189: jeq #0x5, 0199, 0190
0190: jeq #0x12, 0199, 0191
0191: jeq #0x2, 0199, 0192
0192: jeq #0x3, 0199, 0193
0193: jeq #0x4, 0199, 0194
0194: jeq #0xc, 0199, 0195
0195: jeq #0x11, 0199, 0196
0196: jeq #0x10, 0199, 0197
0197: jeq #0xb, 0199, 0198
0198: jeq #0x1, 0199, 0200
0199: ret ALLOW
0200: ret ERRNO(1)
0201: ret ERRNO(38)
