package generate_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/seccompctl/seccompctl/generate"
	"github.com/seccompctl/seccompctl/syscalls"
)

func ExampleImport() {
	log := `Nov 28 00:07:11 node01 kernel: audit: type=1326 audit(1795824431.983:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=24872 comm="app" exe="/app" sig=0 arch=c000003e syscall=2 compat=0 ip=0x7f1fa518b4f7 code=0x7ffc0000`
	rec, stats, err := generate.Import("journal", strings.NewReader(log), generate.ImportOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(stats.Used, "record used")
	p, rep, err := generate.Profile(rec, generate.Options{Arches: []syscalls.Arch{syscalls.X86_64, syscalls.AArch64}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Translated)
	data, _ := p.Marshal()
	os.Stdout.Write(data)
	// Output:
	// 1 record used
	// [open → openat (aarch64)]
	// {
	//   "defaultAction": "SCMP_ACT_ERRNO",
	//   "defaultErrnoRet": 1,
	//   "architectures": [
	//     "SCMP_ARCH_X86_64",
	//     "SCMP_ARCH_AARCH64"
	//   ],
	//   "syscalls": [
	//     {
	//       "names": [
	//         "open"
	//       ],
	//       "action": "SCMP_ACT_ALLOW"
	//     },
	//     {
	//       "names": [
	//         "openat"
	//       ],
	//       "action": "SCMP_ACT_ALLOW",
	//       "comment": "in place of recorded calls some target architectures lack: openat for open"
	//     },
	//     {
	//       "names": [
	//         "exit",
	//         "exit_group"
	//       ],
	//       "action": "SCMP_ACT_ALLOW",
	//       "comment": "never denied: a denied exit makes the thread retry forever instead of ending"
	//     }
	//   ]
	// }
}
