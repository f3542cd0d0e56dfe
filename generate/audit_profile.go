package generate

import (
	"github.com/seccompctl/seccompctl/profile"
	"github.com/seccompctl/seccompctl/semantics"
	"github.com/seccompctl/seccompctl/syscalls"
)

// AuditProfile returns the profile to run a workload under before its real profile
// exists: it allows every syscall and has the kernel log each one as a SECCOMP audit
// record (SCMP_ACT_LOG), which record --from-audit collects.
//
// SCMP_ACT_LOG as the default action is what makes this work: the kernel logs a
// SECCOMP_RET_LOG answer whenever "log" is in /proc/sys/kernel/seccomp/actions_logged
// (the default), with no filter flag and no audit daemon. The architectures include the
// compat ones (x86 and x32 on x86_64): a profile naming only SCMP_ARCH_X86_64, as the
// usual example does, has the runtime kill a 32-bit syscall instead of logging it. An
// empty syscalls list keeps it valid for runc, crun, containerd and CRI-O alike.
//
// Logging every syscall costs (about 20 times the syscall's cost): use it to discover,
// not in production.
func AuditProfile(arches []syscalls.Arch) *profile.Profile {
	if len(arches) == 0 {
		arches = []syscalls.Arch{syscalls.Native()}
	}
	return &profile.Profile{DefaultAction: profile.ActLog, Architectures: semantics.WithSubArches(arches)}
}
