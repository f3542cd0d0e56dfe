; 8 instructions for x86_64
0000: ld [4]                               ; arch
0001: jeq #0xc000003e, 0003, 0002          ; arch x86_64
0002: ret KILL_THREAD
0003: ld [0]                               ; nr
0004: jge #0x40000000, 0005, 0006
0005: jge #0xffffffff, 0006, 0007
0006: ret LOG
0007: ret KILL_THREAD
