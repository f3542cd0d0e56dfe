package audit_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/audit"
)

func ExampleParseSeccomp() {
	line := `Nov 28 00:07:11 node01 kernel: audit: type=1326 audit(1795824431.983:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=24872 comm="python3" exe="/usr/bin/python3.11" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7f1fa518b4f7 code=0x7ffc0000`
	r, err := audit.ParseSeccomp(line)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Arch, r.Name, r.Action, r.PID, r.Exe)
	// Output: SCMP_ARCH_X86_64 getppid SCMP_ACT_LOG 24872 /usr/bin/python3.11
}
