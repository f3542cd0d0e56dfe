; 25 instructions for x86_64
0000: ld [4]                               ; arch
0001: jeq #0xc000003e, 0003, 0002          ; arch x86_64
0002: ret KILL_THREAD
0003: ld [0]                               ; nr
0004: jge #0x101, 0009, 0005               ; nr >= 257 openat
0005: jge #0x2a, 0021, 0006                ; nr >= 42 connect
0006: jge #0x3, 0008, 0007                 ; nr >= 3 close
0007: jge #0x2, 0014, 0021                 ; nr >= 2 open
0008: jge #0x29, 0017, 0021                ; nr >= 41 socket
0009: jge #0x102, 0010, 0014               ; nr >= 258 mkdirat
0010: jge #0x40000000, 0011, 0022
0011: jge #0xc0000000, 0013, 0012
0012: jge #0x80000000, 0022, 0023
0013: jge #0xffffffff, 0021, 0023
0014: ld [24]                              ; args[1].lo
0015: and #0x2
0016: jeq #0x0, 0024, 0021
0017: ld [20]                              ; args[0].hi
0018: jeq #0x0, 0019, 0021
0019: ld [16]                              ; args[0].lo
0020: jeq #0x2, 0024, 0021
0021: ret ERRNO(1)
0022: ret ERRNO(38)
0023: ret KILL_THREAD
0024: ret ALLOW
