; 307 instructions for x86_64, x86, x32
0000: ld [4]                               ; arch
0001: jeq #0xc000003e, 0004, 0002          ; arch x86_64/x32
0002: jeq #0x40000003, 0180, 0003          ; arch x86
0003: ret KILL_THREAD
0004: ld [0]                               ; nr
0005: jge #0x86, 0010, 0006                ; nr >= 134 x86_64 uselib
0006: jge #0x38, 0007, 0177                ; nr >= 56 x86_64 clone
0007: jge #0x67, 0009, 0008                ; nr >= 103 x86_64 syslog
0008: jge #0x39, 0177, 0157                ; nr >= 57 x86_64 fork
0009: jge #0x68, 0177, 0178                ; nr >= 104 x86_64 getgid
0010: jge #0x101, 0033, 0011               ; nr >= 257 x86_64 openat
0011: jge #0xd4, 0023, 0012                ; nr >= 212 x86_64 lookup_dcookie
0012: jge #0xba, 0177, 0013                ; nr >= 186 x86_64 gettid
0013: jge #0x99, 0019, 0014                ; nr >= 153 x86_64 vhangup
0014: jge #0x8c, 0177, 0015                ; nr >= 140 x86_64 getpriority
0015: jge #0x89, 0018, 0016                ; nr >= 137 x86_64 statfs
0016: jge #0x87, 0017, 0178                ; nr >= 135 x86_64 personality
0017: jge #0x88, 0178, 0160                ; nr >= 136 x86_64 ustat
0018: jge #0x8b, 0178, 0177                ; nr >= 139 x86_64 sysfs
0019: jge #0x9d, 0022, 0020                ; nr >= 157 x86_64 prctl
0020: jge #0x9b, 0178, 0021                ; nr >= 155 x86_64 pivot_root
0021: jge #0x9a, 0177, 0178                ; nr >= 154 x86_64 modify_ldt
0022: jge #0xa3, 0178, 0177                ; nr >= 163 x86_64 acct
0023: jge #0xe3, 0025, 0024                ; nr >= 227 x86_64 clock_settime
0024: jge #0xd5, 0177, 0178                ; nr >= 213 x86_64 epoll_create
0025: jge #0xec, 0027, 0026                ; nr >= 236 x86_64 vserver
0026: jge #0xe4, 0177, 0178                ; nr >= 228 x86_64 clock_gettime
0027: jge #0xf6, 0029, 0028                ; nr >= 246 x86_64 kexec_load
0028: jge #0xf0, 0177, 0178                ; nr >= 240 x86_64 mq_open
0029: jge #0xfb, 0032, 0030                ; nr >= 251 x86_64 ioprio_set
0030: jge #0xf8, 0178, 0031                ; nr >= 248 x86_64 add_key
0031: jge #0xf7, 0177, 0178                ; nr >= 247 x86_64 waitid
0032: jge #0x100, 0178, 0177               ; nr >= 256 x86_64 migrate_pages
0033: jge #0x12a, 0038, 0034               ; nr >= 298 x86_64 perf_event_open
0034: jge #0x118, 0177, 0035               ; nr >= 280 x86_64 utimensat
0035: jge #0x110, 0036, 0177               ; nr >= 272 x86_64 unshare
0036: jge #0x111, 0037, 0178               ; nr >= 273 x86_64 set_robust_list
0037: jge #0x117, 0178, 0177               ; nr >= 279 x86_64 move_pages
0038: jge #0x149, 0052, 0039               ; nr >= 329 x86_64 pkey_mprotect
0039: jge #0x13a, 0048, 0040               ; nr >= 314 x86_64 sched_setattr
0040: jge #0x131, 0045, 0041               ; nr >= 305 x86_64 clock_adjtime
0041: jge #0x12d, 0044, 0042               ; nr >= 301 x86_64 fanotify_mark
0042: jge #0x12b, 0043, 0178               ; nr >= 299 x86_64 recvmmsg
0043: jge #0x12c, 0178, 0177               ; nr >= 300 x86_64 fanotify_init
0044: jge #0x12f, 0178, 0177               ; nr >= 303 x86_64 name_to_handle_at
0045: jge #0x134, 0046, 0177               ; nr >= 308 x86_64 setns
0046: jge #0x136, 0178, 0047               ; nr >= 310 x86_64 process_vm_readv
0047: jge #0x135, 0177, 0178               ; nr >= 309 x86_64 getcpu
0048: jge #0x140, 0049, 0177               ; nr >= 320 x86_64 kexec_file_load
0049: jge #0x144, 0177, 0050               ; nr >= 324 x86_64 membarrier
0050: jge #0x142, 0051, 0178               ; nr >= 322 x86_64 execveat
0051: jge #0x143, 0178, 0177               ; nr >= 323 x86_64 userfaultfd
0052: jge #0x1ac, 0056, 0053               ; nr >= 428 x86_64 open_tree
0053: jge #0x1a8, 0177, 0054               ; nr >= 424 x86_64 pidfd_send_signal
0054: jge #0x14c, 0055, 0178               ; nr >= 332 x86_64 statx
0055: jge #0x14f, 0178, 0177               ; nr >= 335 x86_64 uretprobe
0056: jge #0x1bc, 0065, 0057               ; nr >= 444 x86_64 landlock_create_ruleset
0057: jge #0x1b6, 0061, 0058               ; nr >= 438 x86_64 pidfd_getfd
0058: jge #0x1b4, 0177, 0059               ; nr >= 436 x86_64 close_range
0059: jge #0x1b2, 0060, 0178               ; nr >= 434 x86_64 pidfd_open
0060: jge #0x1b3, 0179, 0177               ; nr >= 435 x86_64 clone3
0061: jge #0x1b8, 0063, 0062               ; nr >= 440 x86_64 process_madvise
0062: jge #0x1b7, 0177, 0178               ; nr >= 439 x86_64 faccessat2
0063: jge #0x1ba, 0178, 0064               ; nr >= 442 x86_64 mount_setattr
0064: jge #0x1b9, 0177, 0178               ; nr >= 441 x86_64 epoll_pwait2
0065: jge #0x1c2, 0066, 0177               ; nr >= 450 x86_64 set_mempolicy_home_node
0066: jge #0x40000000, 0067, 0179          ; nr >= 1073741824 x32 read
0067: jge #0x400000d8, 0108, 0068          ; nr >= 1073742040 x32 remap_file_pages
0068: jge #0x40000065, 0082, 0069
0069: jge #0x4000003c, 0177, 0070          ; nr >= 1073741884 x32 exit
0070: jge #0x40000015, 0076, 0071          ; nr >= 1073741845 x32 access
0071: jge #0x4000000d, 0072, 0177
0072: jge #0x40000011, 0075, 0073          ; nr >= 1073741841 x32 pread64
0073: jge #0x4000000e, 0074, 0178          ; nr >= 1073741838 x32 rt_sigprocmask
0074: jge #0x4000000f, 0178, 0177
0075: jge #0x40000013, 0178, 0177
0076: jge #0x4000002d, 0077, 0177
0077: jge #0x40000036, 0079, 0078
0078: jge #0x40000030, 0177, 0178          ; nr >= 1073741872 x32 shutdown
0079: jge #0x40000039, 0081, 0080          ; nr >= 1073741881 x32 fork
0080: jge #0x40000038, 0168, 0178          ; nr >= 1073741880 x32 clone
0081: jge #0x4000003b, 0178, 0177
0082: jge #0x40000099, 0096, 0083          ; nr >= 1073741977 x32 vhangup
0083: jge #0x4000007f, 0087, 0084
0084: jge #0x40000068, 0177, 0085          ; nr >= 1073741928 x32 getgid
0085: jge #0x40000067, 0178, 0086          ; nr >= 1073741927 x32 syslog
0086: jge #0x40000066, 0177, 0178          ; nr >= 1073741926 x32 getuid
0087: jge #0x4000008c, 0177, 0088          ; nr >= 1073741964 x32 getpriority
0088: jge #0x40000086, 0092, 0089
0089: jge #0x40000083, 0091, 0090
0090: jge #0x40000082, 0177, 0178          ; nr >= 1073741954 x32 rt_sigsuspend
0091: jge #0x40000084, 0177, 0178          ; nr >= 1073741956 x32 utime
0092: jge #0x40000089, 0095, 0093          ; nr >= 1073741961 x32 statfs
0093: jge #0x40000088, 0178, 0094          ; nr >= 1073741960 x32 ustat
0094: jge #0x40000087, 0171, 0178          ; nr >= 1073741959 x32 personality
0095: jge #0x4000008b, 0178, 0177          ; nr >= 1073741963 x32 sysfs
0096: jge #0x400000ba, 0101, 0097          ; nr >= 1073742010 x32 gettid
0097: jge #0x400000a3, 0178, 0098          ; nr >= 1073741987 x32 acct
0098: jge #0x4000009d, 0177, 0099          ; nr >= 1073741981 x32 prctl
0099: jge #0x4000009a, 0100, 0178          ; nr >= 1073741978 x32 modify_ldt
0100: jge #0x4000009b, 0178, 0177          ; nr >= 1073741979 x32 pivot_root
0101: jge #0x400000cd, 0102, 0177
0102: jge #0x400000d3, 0106, 0103
0103: jge #0x400000d1, 0105, 0104
0104: jge #0x400000cf, 0177, 0178          ; nr >= 1073742031 x32 io_destroy
0105: jge #0x400000d2, 0177, 0178          ; nr >= 1073742034 x32 io_cancel
0106: jge #0x400000d5, 0107, 0178          ; nr >= 1073742037 x32 epoll_create
0107: jge #0x400000d6, 0178, 0177
0108: jge #0x40000140, 0133, 0109          ; nr >= 1073742144 x32 kexec_file_load
0109: jge #0x40000110, 0122, 0110          ; nr >= 1073742096 x32 unshare
0110: jge #0x400000f4, 0117, 0111
0111: jge #0x400000e4, 0115, 0112          ; nr >= 1073742052 x32 clock_gettime
0112: jge #0x400000de, 0113, 0177
0113: jge #0x400000e3, 0178, 0114          ; nr >= 1073742051 x32 clock_settime
0114: jge #0x400000df, 0177, 0178          ; nr >= 1073742047 x32 timer_settime
0115: jge #0x400000ec, 0116, 0177
0116: jge #0x400000f0, 0177, 0178          ; nr >= 1073742064 x32 mq_open
0117: jge #0x40000101, 0177, 0118          ; nr >= 1073742081 x32 openat
0118: jge #0x400000fb, 0121, 0119          ; nr >= 1073742075 x32 ioprio_set
0119: jge #0x400000f6, 0178, 0120
0120: jge #0x400000f5, 0177, 0178          ; nr >= 1073742069 x32 mq_getsetattr
0121: jge #0x40000100, 0178, 0177          ; nr >= 1073742080 x32 migrate_pages
0122: jge #0x40000127, 0126, 0123
0123: jge #0x40000118, 0177, 0124          ; nr >= 1073742104 x32 utimensat
0124: jge #0x40000113, 0125, 0178          ; nr >= 1073742099 x32 splice
0125: jge #0x40000116, 0178, 0177
0126: jge #0x40000133, 0130, 0127
0127: jge #0x4000012f, 0129, 0128          ; nr >= 1073742127 x32 name_to_handle_at
0128: jge #0x4000012d, 0177, 0178          ; nr >= 1073742125 x32 fanotify_mark
0129: jge #0x40000131, 0177, 0178          ; nr >= 1073742129 x32 clock_adjtime
0130: jge #0x4000013a, 0177, 0131          ; nr >= 1073742138 x32 sched_setattr
0131: jge #0x40000136, 0178, 0132
0132: jge #0x40000135, 0177, 0178          ; nr >= 1073742133 x32 getcpu
0133: jge #0x400001c2, 0149, 0134          ; nr >= 1073742274 x32 set_mempolicy_home_node
0134: jge #0x400001b2, 0141, 0135          ; nr >= 1073742258 x32 pidfd_open
0135: jge #0x4000014f, 0139, 0136          ; nr >= 1073742159 x32 uretprobe
0136: jge #0x40000147, 0138, 0137
0137: jge #0x40000144, 0177, 0178          ; nr >= 1073742148 x32 membarrier
0138: jge #0x4000014c, 0177, 0178          ; nr >= 1073742156 x32 statx
0139: jge #0x400001ac, 0178, 0140          ; nr >= 1073742252 x32 open_tree
0140: jge #0x400001a8, 0177, 0178          ; nr >= 1073742248 x32 pidfd_send_signal
0141: jge #0x400001b8, 0146, 0142          ; nr >= 1073742264 x32 process_madvise
0142: jge #0x400001b4, 0144, 0143          ; nr >= 1073742260 x32 close_range
0143: jge #0x400001b3, 0179, 0177          ; nr >= 1073742259 x32 clone3
0144: jge #0x400001b6, 0145, 0177          ; nr >= 1073742262 x32 pidfd_getfd
0145: jge #0x400001b7, 0177, 0178          ; nr >= 1073742263 x32 faccessat2
0146: jge #0x400001bc, 0177, 0147          ; nr >= 1073742268 x32 landlock_create_ruleset
0147: jge #0x400001ba, 0178, 0148          ; nr >= 1073742266 x32 mount_setattr
0148: jge #0x400001b9, 0177, 0178          ; nr >= 1073742265 x32 epoll_pwait2
0149: jge #0x40000210, 0151, 0150          ; nr >= 1073742352 x32 kexec_load
0150: jge #0x40000200, 0177, 0178          ; nr >= 1073742336 x32 rt_sigaction
0151: jge #0x4000021b, 0155, 0152          ; nr >= 1073742363 x32 process_vm_readv
0152: jge #0x40000215, 0154, 0153          ; nr >= 1073742357 x32 move_pages
0153: jge #0x40000211, 0177, 0178          ; nr >= 1073742353 x32 waitid
0154: jge #0x40000216, 0177, 0178          ; nr >= 1073742358 x32 preadv
0155: jge #0x4000021d, 0156, 0178          ; nr >= 1073742365 x32 setsockopt
0156: jge #0x40000224, 0179, 0177
0157: ld [16]                              ; args[0].lo
0158: and #0x7e020000
0159: jeq #0x0, 0177, 0178
0160: ld [20]                              ; args[0].hi
0161: jeq #0x0, 0162, 0178
0162: ld [16]                              ; args[0].lo
0163: jeq #0x0, 0177, 0164
0164: jeq #0x8, 0177, 0165
0165: jeq #0x20000, 0177, 0166
0166: jeq #0x20008, 0177, 0167
0167: jeq #0xffffffff, 0177, 0178
0168: ld [16]                              ; args[0].lo
0169: and #0x7e020000
0170: jeq #0x0, 0177, 0178
0171: ld [16]                              ; args[0].lo
0172: jeq #0x0, 0177, 0173
0173: jeq #0x8, 0177, 0174
0174: jeq #0x20000, 0177, 0175
0175: jeq #0x20008, 0177, 0176
0176: jeq #0xffffffff, 0177, 0178
0177: ret ALLOW
0178: ret ERRNO(1)
0179: ret ERRNO(38)
0180: ld [0]                               ; nr
0181: jge #0xd9, 0243, 0182                ; nr >= 217 pivot_root
0182: jge #0x78, 0227, 0183                ; nr >= 120 clone
0183: jge #0x33, 0200, 0184                ; nr >= 51 acct
0184: jge #0x11, 0185, 0304                ; nr >= 17 break
0185: jge #0x24, 0196, 0186                ; nr >= 36 sync
0186: jge #0x19, 0190, 0187                ; nr >= 25 stime
0187: jge #0x15, 0189, 0188                ; nr >= 21 mount
0188: jge #0x13, 0304, 0305                ; nr >= 19 lseek
0189: jge #0x17, 0304, 0305                ; nr >= 23 setuid
0190: jge #0x1c, 0192, 0191                ; nr >= 28 oldfstat
0191: jge #0x1a, 0304, 0305                ; nr >= 26 ptrace
0192: jge #0x1f, 0194, 0193                ; nr >= 31 stty
0193: jge #0x1d, 0304, 0305                ; nr >= 29 pause
0194: jge #0x21, 0195, 0305                ; nr >= 33 access
0195: jge #0x22, 0305, 0304                ; nr >= 34 nice
0196: jge #0x2c, 0197, 0304                ; nr >= 44 prof
0197: jge #0x30, 0199, 0198                ; nr >= 48 signal
0198: jge #0x2d, 0304, 0305                ; nr >= 45 brk
0199: jge #0x31, 0304, 0305                ; nr >= 49 geteuid
0200: jge #0x5a, 0217, 0201                ; nr >= 90 mmap
0201: jge #0x4b, 0212, 0202                ; nr >= 75 setrlimit
0202: jge #0x3f, 0209, 0203                ; nr >= 63 dup2
0203: jge #0x38, 0205, 0204                ; nr >= 56 mpx
0204: jge #0x36, 0304, 0305                ; nr >= 54 ioctl
0205: jge #0x3c, 0208, 0206                ; nr >= 60 umask
0206: jge #0x3a, 0305, 0207                ; nr >= 58 ulimit
0207: jge #0x39, 0304, 0305                ; nr >= 57 setpgid
0208: jge #0x3e, 0305, 0304                ; nr >= 62 ustat
0209: jge #0x43, 0210, 0304                ; nr >= 67 sigaction
0210: jge #0x46, 0211, 0305                ; nr >= 70 setreuid
0211: jge #0x48, 0305, 0304                ; nr >= 72 sigsuspend
0212: jge #0x50, 0214, 0213                ; nr >= 80 getgroups
0213: jge #0x4f, 0305, 0304                ; nr >= 79 settimeofday
0214: jge #0x54, 0215, 0304                ; nr >= 84 oldlstat
0215: jge #0x56, 0305, 0216                ; nr >= 86 uselib
0216: jge #0x55, 0304, 0305                ; nr >= 85 readlink
0217: jge #0x68, 0223, 0218                ; nr >= 104 setitimer
0218: jge #0x62, 0219, 0304                ; nr >= 98 profil
0219: jge #0x65, 0221, 0220                ; nr >= 101 ioperm
0220: jge #0x63, 0304, 0305                ; nr >= 99 statfs
0221: jge #0x66, 0222, 0305                ; nr >= 102 socketcall
0222: jge #0x67, 0305, 0304                ; nr >= 103 syslog
0223: jge #0x6d, 0224, 0304                ; nr >= 109 olduname
0224: jge #0x74, 0304, 0225                ; nr >= 116 sysinfo
0225: jge #0x72, 0226, 0305                ; nr >= 114 wait4
0226: jge #0x73, 0305, 0304                ; nr >= 115 swapoff
0227: jge #0xaa, 0241, 0228                ; nr >= 170 setresgid
0228: jge #0x96, 0238, 0229                ; nr >= 150 mlock
0229: jge #0x8a, 0237, 0230                ; nr >= 138 setfsuid
0230: jge #0x7f, 0233, 0231                ; nr >= 127 create_module
0231: jge #0x7a, 0304, 0232                ; nr >= 122 uname
0232: jge #0x79, 0305, 0295                ; nr >= 121 setdomainname
0233: jge #0x86, 0235, 0234                ; nr >= 134 bdflush
0234: jge #0x84, 0304, 0305                ; nr >= 132 getpgid
0235: jge #0x88, 0236, 0305                ; nr >= 136 personality
0236: jge #0x89, 0305, 0298                ; nr >= 137 afs_syscall
0237: jge #0x95, 0305, 0304                ; nr >= 149 _sysctl
0238: jge #0xa6, 0239, 0304                ; nr >= 166 vm86
0239: jge #0xa8, 0240, 0305                ; nr >= 168 poll
0240: jge #0xa9, 0305, 0304                ; nr >= 169 nfsservctl
0241: jge #0xbe, 0304, 0242                ; nr >= 190 vfork
0242: jge #0xbc, 0305, 0304                ; nr >= 188 getpmsg
0243: jge #0x150, 0265, 0244               ; nr >= 336 perf_event_open
0244: jge #0x111, 0254, 0245               ; nr >= 273 vserver
0245: jge #0xfb, 0249, 0246
0246: jge #0xe0, 0304, 0247                ; nr >= 224 gettid
0247: jge #0xda, 0248, 0305                ; nr >= 218 mincore
0248: jge #0xde, 0305, 0304
0249: jge #0x108, 0253, 0250               ; nr >= 264 clock_settime
0250: jge #0xfe, 0304, 0251                ; nr >= 254 epoll_create
0251: jge #0xfd, 0305, 0252                ; nr >= 253 lookup_dcookie
0252: jge #0xfc, 0304, 0305                ; nr >= 252 exit_group
0253: jge #0x109, 0304, 0305               ; nr >= 265 clock_gettime
0254: jge #0x136, 0262, 0255               ; nr >= 310 unshare
0255: jge #0x127, 0304, 0256               ; nr >= 295 openat
0256: jge #0x11b, 0258, 0257               ; nr >= 283 kexec_load
0257: jge #0x115, 0304, 0305               ; nr >= 277 mq_open
0258: jge #0x121, 0261, 0259               ; nr >= 289 ioprio_set
0259: jge #0x11d, 0305, 0260
0260: jge #0x11c, 0304, 0305               ; nr >= 284 waitid
0261: jge #0x126, 0305, 0304               ; nr >= 294 migrate_pages
0262: jge #0x13e, 0304, 0263               ; nr >= 318 getcpu
0263: jge #0x137, 0264, 0305               ; nr >= 311 set_robust_list
0264: jge #0x13d, 0305, 0304               ; nr >= 317 move_pages
0265: jge #0x189, 0280, 0266               ; nr >= 393 semget
0266: jge #0x166, 0275, 0267               ; nr >= 358 execveat
0267: jge #0x15f, 0274, 0268               ; nr >= 351 sched_setattr
0268: jge #0x157, 0273, 0269               ; nr >= 343 clock_adjtime
0269: jge #0x153, 0272, 0270               ; nr >= 339 fanotify_mark
0270: jge #0x151, 0271, 0305               ; nr >= 337 recvmmsg
0271: jge #0x152, 0305, 0304               ; nr >= 338 fanotify_init
0272: jge #0x155, 0305, 0304               ; nr >= 341 name_to_handle_at
0273: jge #0x15a, 0305, 0304               ; nr >= 346 setns
0274: jge #0x165, 0305, 0304               ; nr >= 357 bpf
0275: jge #0x176, 0276, 0304               ; nr >= 374 userfaultfd
0276: jge #0x17c, 0278, 0277               ; nr >= 380 pkey_mprotect
0277: jge #0x177, 0304, 0305               ; nr >= 375 membarrier
0278: jge #0x17f, 0279, 0305               ; nr >= 383 statx
0279: jge #0x183, 0305, 0304
0280: jge #0x1a0, 0284, 0281               ; nr >= 416 io_pgetevents_time64
0281: jge #0x194, 0282, 0304               ; nr >= 404 clock_settime64
0282: jge #0x195, 0283, 0305               ; nr >= 405 clock_adjtime64
0283: jge #0x19f, 0305, 0304
0284: jge #0x1ac, 0285, 0304               ; nr >= 428 open_tree
0285: jge #0x1bc, 0294, 0286               ; nr >= 444 landlock_create_ruleset
0286: jge #0x1b6, 0290, 0287               ; nr >= 438 pidfd_getfd
0287: jge #0x1b4, 0304, 0288               ; nr >= 436 close_range
0288: jge #0x1b2, 0289, 0305               ; nr >= 434 pidfd_open
0289: jge #0x1b3, 0306, 0304               ; nr >= 435 clone3
0290: jge #0x1b8, 0292, 0291               ; nr >= 440 process_madvise
0291: jge #0x1b7, 0304, 0305               ; nr >= 439 faccessat2
0292: jge #0x1ba, 0305, 0293               ; nr >= 442 mount_setattr
0293: jge #0x1b9, 0304, 0305               ; nr >= 441 epoll_pwait2
0294: jge #0x1c2, 0306, 0304               ; nr >= 450 set_mempolicy_home_node
0295: ld [16]                              ; args[0].lo
0296: and #0x7e020000
0297: jeq #0x0, 0304, 0305
0298: ld [16]                              ; args[0].lo
0299: jeq #0x0, 0304, 0300
0300: jeq #0x8, 0304, 0301
0301: jeq #0x20000, 0304, 0302
0302: jeq #0x20008, 0304, 0303
0303: jeq #0xffffffff, 0304, 0305
0304: ret ALLOW
0305: ret ERRNO(1)
0306: ret ERRNO(38)
