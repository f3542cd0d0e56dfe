; 299 instructions for x86_64, x86, x32
0000: ld [4]                               ; arch
0001: jeq #0xc000003e, 0004, 0002          ; arch x86_64/x32
0002: jeq #0x40000003, 0180, 0003          ; arch x86
0003: ret KILL_THREAD
0004: ld [0]                               ; nr
0005: jge #0x86, 0006, 0177                ; nr >= 134 x86_64 uselib
0006: jge #0x101, 0038, 0007               ; nr >= 257 x86_64 openat
0007: jge #0xd4, 0028, 0008                ; nr >= 212 x86_64 lookup_dcookie
0008: jge #0xba, 0177, 0009                ; nr >= 186 x86_64 gettid
0009: jge #0x99, 0015, 0010                ; nr >= 153 x86_64 vhangup
0010: jge #0x8c, 0177, 0011                ; nr >= 140 x86_64 getpriority
0011: jge #0x89, 0014, 0012                ; nr >= 137 x86_64 statfs
0012: jge #0x87, 0013, 0178                ; nr >= 135 x86_64 personality
0013: jge #0x88, 0178, 0163                ; nr >= 136 x86_64 ustat
0014: jge #0x8b, 0178, 0177                ; nr >= 139 x86_64 sysfs
0015: jge #0xa3, 0019, 0016                ; nr >= 163 x86_64 acct
0016: jge #0x9d, 0177, 0017                ; nr >= 157 x86_64 prctl
0017: jge #0x9a, 0018, 0178                ; nr >= 154 x86_64 modify_ldt
0018: jge #0x9c, 0179, 0177                ; nr >= 156 x86_64 _sysctl
0019: jge #0xa7, 0021, 0020                ; nr >= 167 x86_64 swapon
0020: jge #0xa5, 0177, 0178                ; nr >= 165 x86_64 mount
0021: jge #0xaa, 0023, 0022                ; nr >= 170 x86_64 sethostname
0022: jge #0xa9, 0177, 0178                ; nr >= 169 x86_64 reboot
0023: jge #0xb1, 0026, 0024                ; nr >= 177 x86_64 get_kernel_syms
0024: jge #0xae, 0025, 0178                ; nr >= 174 x86_64 create_module
0025: jge #0xaf, 0178, 0179                ; nr >= 175 x86_64 init_module
0026: jge #0xb5, 0179, 0027                ; nr >= 181 x86_64 getpmsg
0027: jge #0xb2, 0178, 0179                ; nr >= 178 x86_64 query_module
0028: jge #0xed, 0033, 0029                ; nr >= 237 x86_64 mbind
0029: jge #0xe3, 0031, 0030                ; nr >= 227 x86_64 clock_settime
0030: jge #0xd5, 0177, 0178                ; nr >= 213 x86_64 epoll_create
0031: jge #0xe4, 0032, 0178                ; nr >= 228 x86_64 clock_gettime
0032: jge #0xec, 0179, 0177                ; nr >= 236 x86_64 vserver
0033: jge #0xf6, 0034, 0177                ; nr >= 246 x86_64 kexec_load
0034: jge #0xfa, 0037, 0035                ; nr >= 250 x86_64 keyctl
0035: jge #0xf8, 0179, 0036                ; nr >= 248 x86_64 add_key
0036: jge #0xf7, 0177, 0178                ; nr >= 247 x86_64 waitid
0037: jge #0x100, 0178, 0177               ; nr >= 256 x86_64 migrate_pages
0038: jge #0x138, 0047, 0039               ; nr >= 312 x86_64 kcmp
0039: jge #0x116, 0040, 0177               ; nr >= 278 x86_64 vmsplice
0040: jge #0x12a, 0042, 0041               ; nr >= 298 x86_64 perf_event_open
0041: jge #0x118, 0177, 0178               ; nr >= 280 x86_64 utimensat
0042: jge #0x131, 0177, 0043               ; nr >= 305 x86_64 clock_adjtime
0043: jge #0x12d, 0046, 0044               ; nr >= 301 x86_64 fanotify_mark
0044: jge #0x12b, 0045, 0178               ; nr >= 299 x86_64 recvmmsg
0045: jge #0x12c, 0178, 0177               ; nr >= 300 x86_64 fanotify_init
0046: jge #0x130, 0178, 0177               ; nr >= 304 x86_64 open_by_handle_at
0047: jge #0x1ac, 0058, 0048               ; nr >= 428 x86_64 open_tree
0048: jge #0x144, 0053, 0049               ; nr >= 324 x86_64 membarrier
0049: jge #0x140, 0051, 0050               ; nr >= 320 x86_64 kexec_file_load
0050: jge #0x13a, 0177, 0178               ; nr >= 314 x86_64 sched_setattr
0051: jge #0x142, 0052, 0178               ; nr >= 322 x86_64 execveat
0052: jge #0x143, 0178, 0177               ; nr >= 323 x86_64 userfaultfd
0053: jge #0x14d, 0054, 0177               ; nr >= 333 x86_64 io_pgetevents
0054: jge #0x1a8, 0057, 0055               ; nr >= 424 x86_64 pidfd_send_signal
0055: jge #0x14f, 0179, 0056               ; nr >= 335 x86_64 uretprobe
0056: jge #0x14e, 0177, 0178               ; nr >= 334 x86_64 rseq
0057: jge #0x1a9, 0179, 0177               ; nr >= 425 x86_64 io_uring_setup
0058: jge #0x1b8, 0059, 0177               ; nr >= 440 x86_64 process_madvise
0059: jge #0x1bc, 0062, 0060               ; nr >= 444 x86_64 landlock_create_ruleset
0060: jge #0x1b9, 0061, 0178               ; nr >= 441 x86_64 epoll_pwait2
0061: jge #0x1bb, 0179, 0177               ; nr >= 443 x86_64 quotactl_fd
0062: jge #0x1c1, 0063, 0177               ; nr >= 449 x86_64 futex_waitv
0063: jge #0x40000000, 0064, 0179          ; nr >= 1073741824 x32 read
0064: jge #0x400000cd, 0104, 0065
0065: jge #0x40000065, 0078, 0066
0066: jge #0x4000003c, 0177, 0067          ; nr >= 1073741884 x32 exit
0067: jge #0x40000015, 0073, 0068          ; nr >= 1073741845 x32 access
0068: jge #0x4000000d, 0069, 0177
0069: jge #0x40000011, 0072, 0070          ; nr >= 1073741841 x32 pread64
0070: jge #0x4000000e, 0071, 0179          ; nr >= 1073741838 x32 rt_sigprocmask
0071: jge #0x4000000f, 0179, 0177
0072: jge #0x40000013, 0179, 0177
0073: jge #0x4000002d, 0074, 0177
0074: jge #0x40000036, 0076, 0075
0075: jge #0x40000030, 0177, 0179          ; nr >= 1073741872 x32 shutdown
0076: jge #0x40000038, 0077, 0179          ; nr >= 1073741880 x32 clone
0077: jge #0x4000003b, 0179, 0177
0078: jge #0x40000099, 0090, 0079          ; nr >= 1073741977 x32 vhangup
0079: jge #0x4000007f, 0081, 0080
0080: jge #0x40000066, 0177, 0179          ; nr >= 1073741926 x32 getuid
0081: jge #0x4000008c, 0177, 0082          ; nr >= 1073741964 x32 getpriority
0082: jge #0x40000086, 0086, 0083
0083: jge #0x40000083, 0085, 0084
0084: jge #0x40000082, 0177, 0179          ; nr >= 1073741954 x32 rt_sigsuspend
0085: jge #0x40000084, 0177, 0179          ; nr >= 1073741956 x32 utime
0086: jge #0x40000089, 0089, 0087          ; nr >= 1073741961 x32 statfs
0087: jge #0x40000088, 0178, 0088          ; nr >= 1073741960 x32 ustat
0088: jge #0x40000087, 0171, 0179          ; nr >= 1073741959 x32 personality
0089: jge #0x4000008b, 0178, 0177          ; nr >= 1073741963 x32 sysfs
0090: jge #0x400000ae, 0099, 0091
0091: jge #0x400000a3, 0095, 0092          ; nr >= 1073741987 x32 acct
0092: jge #0x4000009d, 0177, 0093          ; nr >= 1073741981 x32 prctl
0093: jge #0x4000009a, 0094, 0178          ; nr >= 1073741978 x32 modify_ldt
0094: jge #0x4000009c, 0179, 0177
0095: jge #0x400000a7, 0097, 0096          ; nr >= 1073741991 x32 swapon
0096: jge #0x400000a5, 0177, 0178          ; nr >= 1073741989 x32 mount
0097: jge #0x400000aa, 0178, 0098          ; nr >= 1073741994 x32 sethostname
0098: jge #0x400000a9, 0177, 0178          ; nr >= 1073741993 x32 reboot
0099: jge #0x400000ba, 0177, 0100          ; nr >= 1073742010 x32 gettid
0100: jge #0x400000b4, 0179, 0101
0101: jge #0x400000b1, 0103, 0102
0102: jge #0x400000af, 0178, 0179          ; nr >= 1073741999 x32 init_module
0103: jge #0x400000b3, 0178, 0179          ; nr >= 1073742003 x32 quotactl
0104: jge #0x40000140, 0141, 0105          ; nr >= 1073742144 x32 kexec_file_load
0105: jge #0x40000101, 0125, 0106          ; nr >= 1073742081 x32 openat
0106: jge #0x400000e4, 0118, 0107          ; nr >= 1073742052 x32 clock_gettime
0107: jge #0x400000d8, 0115, 0108          ; nr >= 1073742040 x32 remap_file_pages
0108: jge #0x400000d3, 0112, 0109
0109: jge #0x400000d1, 0111, 0110
0110: jge #0x400000cf, 0177, 0179          ; nr >= 1073742031 x32 io_destroy
0111: jge #0x400000d2, 0177, 0179          ; nr >= 1073742034 x32 io_cancel
0112: jge #0x400000d5, 0114, 0113          ; nr >= 1073742037 x32 epoll_create
0113: jge #0x400000d4, 0178, 0179          ; nr >= 1073742036 x32 lookup_dcookie
0114: jge #0x400000d6, 0179, 0177
0115: jge #0x400000de, 0116, 0177
0116: jge #0x400000e3, 0178, 0117          ; nr >= 1073742051 x32 clock_settime
0117: jge #0x400000df, 0177, 0179          ; nr >= 1073742047 x32 timer_settime
0118: jge #0x400000f4, 0121, 0119
0119: jge #0x400000ec, 0120, 0177
0120: jge #0x400000ed, 0177, 0179          ; nr >= 1073742061 x32 mbind
0121: jge #0x400000fa, 0124, 0122          ; nr >= 1073742074 x32 keyctl
0122: jge #0x400000f6, 0179, 0123
0123: jge #0x400000f5, 0177, 0179          ; nr >= 1073742069 x32 mq_getsetattr
0124: jge #0x40000100, 0178, 0177          ; nr >= 1073742080 x32 migrate_pages
0125: jge #0x40000127, 0130, 0126
0126: jge #0x40000111, 0127, 0177
0127: jge #0x40000118, 0177, 0128          ; nr >= 1073742104 x32 utimensat
0128: jge #0x40000113, 0129, 0179          ; nr >= 1073742099 x32 splice
0129: jge #0x40000116, 0179, 0177
0130: jge #0x40000133, 0137, 0131
0131: jge #0x4000012d, 0135, 0132          ; nr >= 1073742125 x32 fanotify_mark
0132: jge #0x4000012b, 0134, 0133
0133: jge #0x4000012a, 0178, 0179          ; nr >= 1073742122 x32 perf_event_open
0134: jge #0x4000012c, 0178, 0179          ; nr >= 1073742124 x32 fanotify_init
0135: jge #0x40000130, 0136, 0177          ; nr >= 1073742128 x32 open_by_handle_at
0136: jge #0x40000131, 0177, 0178          ; nr >= 1073742129 x32 clock_adjtime
0137: jge #0x4000013a, 0177, 0138          ; nr >= 1073742138 x32 sched_setattr
0138: jge #0x40000136, 0140, 0139
0139: jge #0x40000134, 0177, 0179          ; nr >= 1073742132 x32 setns
0140: jge #0x40000138, 0178, 0179          ; nr >= 1073742136 x32 kcmp
0141: jge #0x400001c1, 0157, 0142          ; nr >= 1073742273 x32 futex_waitv
0142: jge #0x400001ac, 0153, 0143          ; nr >= 1073742252 x32 open_tree
0143: jge #0x40000149, 0148, 0144          ; nr >= 1073742153 x32 pkey_mprotect
0144: jge #0x40000144, 0147, 0145          ; nr >= 1073742148 x32 membarrier
0145: jge #0x40000142, 0146, 0178
0146: jge #0x40000143, 0178, 0179          ; nr >= 1073742147 x32 userfaultfd
0147: jge #0x40000147, 0179, 0177
0148: jge #0x4000014f, 0151, 0149          ; nr >= 1073742159 x32 uretprobe
0149: jge #0x4000014d, 0150, 0177          ; nr >= 1073742157 x32 io_pgetevents
0150: jge #0x4000014e, 0177, 0178          ; nr >= 1073742158 x32 rseq
0151: jge #0x400001a9, 0179, 0152          ; nr >= 1073742249 x32 io_uring_setup
0152: jge #0x400001a8, 0177, 0179          ; nr >= 1073742248 x32 pidfd_send_signal
0153: jge #0x400001b8, 0154, 0177          ; nr >= 1073742264 x32 process_madvise
0154: jge #0x400001bc, 0177, 0155          ; nr >= 1073742268 x32 landlock_create_ruleset
0155: jge #0x400001b9, 0156, 0178          ; nr >= 1073742265 x32 epoll_pwait2
0156: jge #0x400001bb, 0179, 0177          ; nr >= 1073742267 x32 quotactl_fd
0157: jge #0x40000210, 0159, 0158          ; nr >= 1073742352 x32 kexec_load
0158: jge #0x40000200, 0177, 0179          ; nr >= 1073742336 x32 rt_sigaction
0159: jge #0x40000216, 0162, 0160          ; nr >= 1073742358 x32 preadv
0160: jge #0x40000214, 0178, 0161          ; nr >= 1073742356 x32 vmsplice
0161: jge #0x40000211, 0177, 0178          ; nr >= 1073742353 x32 waitid
0162: jge #0x40000224, 0179, 0177
0163: ld [20]                              ; args[0].hi
0164: jeq #0x0, 0165, 0179
0165: ld [16]                              ; args[0].lo
0166: jeq #0x0, 0177, 0167
0167: jeq #0x8, 0177, 0168
0168: jeq #0x20000, 0177, 0169
0169: jeq #0x20008, 0177, 0170
0170: jeq #0xffffffff, 0177, 0179
0171: ld [16]                              ; args[0].lo
0172: jeq #0x0, 0177, 0173
0173: jeq #0x8, 0177, 0174
0174: jeq #0x20000, 0177, 0175
0175: jeq #0x20008, 0177, 0176
0176: jeq #0xffffffff, 0177, 0179
0177: ret ALLOW
0178: ret ERRNO(1)
0179: ret ERRNO(38)
0180: ld [0]                               ; nr
0181: jge #0xfb, 0248, 0182
0182: jge #0x8a, 0238, 0183                ; nr >= 138 setfsuid
0183: jge #0x44, 0209, 0184                ; nr >= 68 sgetmask
0184: jge #0x24, 0196, 0185                ; nr >= 36 sync
0185: jge #0x11, 0186, 0296                ; nr >= 17 break
0186: jge #0x19, 0189, 0187                ; nr >= 25 stime
0187: jge #0x13, 0296, 0188                ; nr >= 19 lseek
0188: jge #0x12, 0297, 0298                ; nr >= 18 oldstat
0189: jge #0x1c, 0191, 0190                ; nr >= 28 oldfstat
0190: jge #0x1a, 0296, 0297                ; nr >= 26 ptrace
0191: jge #0x1f, 0193, 0192                ; nr >= 31 stty
0192: jge #0x1d, 0296, 0297                ; nr >= 29 pause
0193: jge #0x22, 0195, 0194                ; nr >= 34 nice
0194: jge #0x21, 0296, 0298                ; nr >= 33 access
0195: jge #0x23, 0298, 0297                ; nr >= 35 ftime
0196: jge #0x33, 0199, 0197                ; nr >= 51 acct
0197: jge #0x2c, 0198, 0296                ; nr >= 44 prof
0198: jge #0x2d, 0296, 0298                ; nr >= 45 brk
0199: jge #0x3f, 0296, 0200                ; nr >= 63 dup2
0200: jge #0x38, 0204, 0201                ; nr >= 56 mpx
0201: jge #0x36, 0296, 0202                ; nr >= 54 ioctl
0202: jge #0x34, 0203, 0297                ; nr >= 52 umount2
0203: jge #0x35, 0298, 0296                ; nr >= 53 lock
0204: jge #0x3c, 0208, 0205                ; nr >= 60 umask
0205: jge #0x3a, 0207, 0206                ; nr >= 58 ulimit
0206: jge #0x39, 0296, 0298                ; nr >= 57 setpgid
0207: jge #0x3b, 0297, 0298                ; nr >= 59 oldolduname
0208: jge #0x3e, 0297, 0296                ; nr >= 62 ustat
0209: jge #0x62, 0219, 0210                ; nr >= 98 profil
0210: jge #0x58, 0296, 0211                ; nr >= 88 reboot
0211: jge #0x4f, 0215, 0212                ; nr >= 79 settimeofday
0212: jge #0x4a, 0214, 0213                ; nr >= 74 sethostname
0213: jge #0x46, 0296, 0297                ; nr >= 70 setreuid
0214: jge #0x4b, 0296, 0297                ; nr >= 75 setrlimit
0215: jge #0x54, 0217, 0216                ; nr >= 84 oldlstat
0216: jge #0x50, 0296, 0297                ; nr >= 80 getgroups
0217: jge #0x56, 0297, 0218                ; nr >= 86 uselib
0218: jge #0x55, 0296, 0297                ; nr >= 85 readlink
0219: jge #0x6d, 0223, 0220                ; nr >= 109 olduname
0220: jge #0x66, 0296, 0221                ; nr >= 102 socketcall
0221: jge #0x63, 0222, 0298                ; nr >= 99 statfs
0222: jge #0x65, 0297, 0296                ; nr >= 101 ioperm
0223: jge #0x79, 0229, 0224                ; nr >= 121 setdomainname
0224: jge #0x74, 0296, 0225                ; nr >= 116 sysinfo
0225: jge #0x72, 0228, 0226                ; nr >= 114 wait4
0226: jge #0x70, 0227, 0297                ; nr >= 112 idle
0227: jge #0x71, 0297, 0298                ; nr >= 113 vm86old
0228: jge #0x73, 0297, 0296                ; nr >= 115 swapoff
0229: jge #0x7f, 0231, 0230                ; nr >= 127 create_module
0230: jge #0x7a, 0296, 0297                ; nr >= 122 uname
0231: jge #0x86, 0236, 0232                ; nr >= 134 bdflush
0232: jge #0x84, 0296, 0233                ; nr >= 132 getpgid
0233: jge #0x82, 0235, 0234                ; nr >= 130 get_kernel_syms
0234: jge #0x80, 0297, 0298                ; nr >= 128 init_module
0235: jge #0x83, 0297, 0298                ; nr >= 131 quotactl
0236: jge #0x88, 0237, 0297                ; nr >= 136 personality
0237: jge #0x89, 0298, 0290                ; nr >= 137 afs_syscall
0238: jge #0xbe, 0246, 0239                ; nr >= 190 vfork
0239: jge #0xaa, 0245, 0240                ; nr >= 170 setresgid
0240: jge #0x96, 0242, 0241                ; nr >= 150 mlock
0241: jge #0x95, 0298, 0296                ; nr >= 149 _sysctl
0242: jge #0xa6, 0243, 0296                ; nr >= 166 vm86
0243: jge #0xa8, 0244, 0297                ; nr >= 168 poll
0244: jge #0xa9, 0297, 0296                ; nr >= 169 nfsservctl
0245: jge #0xbc, 0298, 0296                ; nr >= 188 getpmsg
0246: jge #0xde, 0247, 0296
0247: jge #0xe0, 0296, 0298                ; nr >= 224 gettid
0248: jge #0x150, 0264, 0249               ; nr >= 336 perf_event_open
0249: jge #0x127, 0262, 0250               ; nr >= 295 openat
0250: jge #0x112, 0257, 0251               ; nr >= 274 mbind
0251: jge #0x108, 0255, 0252               ; nr >= 264 clock_settime
0252: jge #0xfe, 0296, 0253                ; nr >= 254 epoll_create
0253: jge #0xfd, 0297, 0254                ; nr >= 253 lookup_dcookie
0254: jge #0xfc, 0296, 0298                ; nr >= 252 exit_group
0255: jge #0x109, 0256, 0297               ; nr >= 265 clock_gettime
0256: jge #0x111, 0298, 0296               ; nr >= 273 vserver
0257: jge #0x11b, 0258, 0296               ; nr >= 283 kexec_load
0258: jge #0x120, 0261, 0259               ; nr >= 288 keyctl
0259: jge #0x11d, 0298, 0260
0260: jge #0x11c, 0296, 0297               ; nr >= 284 waitid
0261: jge #0x126, 0297, 0296               ; nr >= 294 migrate_pages
0262: jge #0x13c, 0263, 0296               ; nr >= 316 vmsplice
0263: jge #0x13e, 0296, 0297               ; nr >= 318 getcpu
0264: jge #0x194, 0280, 0265               ; nr >= 404 clock_settime64
0265: jge #0x176, 0275, 0266               ; nr >= 374 userfaultfd
0266: jge #0x166, 0296, 0267               ; nr >= 358 execveat
0267: jge #0x15d, 0273, 0268               ; nr >= 349 kcmp
0268: jge #0x157, 0296, 0269               ; nr >= 343 clock_adjtime
0269: jge #0x153, 0272, 0270               ; nr >= 339 fanotify_mark
0270: jge #0x151, 0271, 0297               ; nr >= 337 recvmmsg
0271: jge #0x152, 0297, 0296               ; nr >= 338 fanotify_init
0272: jge #0x156, 0297, 0296               ; nr >= 342 open_by_handle_at
0273: jge #0x15f, 0274, 0297               ; nr >= 351 sched_setattr
0274: jge #0x165, 0297, 0296               ; nr >= 357 bpf
0275: jge #0x189, 0296, 0276               ; nr >= 393 semget
0276: jge #0x181, 0278, 0277               ; nr >= 385 io_pgetevents
0277: jge #0x177, 0296, 0297               ; nr >= 375 membarrier
0278: jge #0x182, 0279, 0297               ; nr >= 386 rseq
0279: jge #0x183, 0298, 0296
0280: jge #0x1ac, 0285, 0281               ; nr >= 428 open_tree
0281: jge #0x19f, 0283, 0282
0282: jge #0x195, 0296, 0297               ; nr >= 405 clock_adjtime64
0283: jge #0x1a9, 0298, 0284               ; nr >= 425 io_uring_setup
0284: jge #0x1a1, 0296, 0298               ; nr >= 417 recvmmsg_time64
0285: jge #0x1b8, 0286, 0296               ; nr >= 440 process_madvise
0286: jge #0x1bc, 0289, 0287               ; nr >= 444 landlock_create_ruleset
0287: jge #0x1b9, 0288, 0297               ; nr >= 441 epoll_pwait2
0288: jge #0x1bb, 0298, 0296               ; nr >= 443 quotactl_fd
0289: jge #0x1c1, 0298, 0296               ; nr >= 449 futex_waitv
0290: ld [16]                              ; args[0].lo
0291: jeq #0x0, 0296, 0292
0292: jeq #0x8, 0296, 0293
0293: jeq #0x20000, 0296, 0294
0294: jeq #0x20008, 0296, 0295
0295: jeq #0xffffffff, 0296, 0298
0296: ret ALLOW
0297: ret ERRNO(1)
0298: ret ERRNO(38)
