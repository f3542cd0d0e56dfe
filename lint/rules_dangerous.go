package lint

// SC4xxx: syscalls that widen the attack surface or escape the container.

import (
	"github.com/seccompctl/seccompctl/syscalls"
)

var sc4001 = &Rule{
	ID: "SC4001", Name: "dangerous-syscall", Severity: Error,
	Summary: "A dangerous syscall is allowed without conditions that narrow it.",
	Why: "Some syscalls act on the whole host (load modules, set the clock, reboot, swap), open a large " +
		"kernel attack surface (bpf, perf_event_open, userfaultfd, io_uring), or reach other processes " +
		"and namespaces (ptrace, process_vm_*, setns, unshare, mount). Each finding gives the reason. " +
		"Severity error means no runtime default profile allows it to an unprivileged container; warning " +
		"means a capability the container lacks by default is the other wall.",
	Fix: "Remove the syscall unless the workload truly needs it; if it does, narrow it with argument " +
		"conditions or move it to a rule with includes.caps so it applies only with the capability.",
	check: checkDangerous,
}

func checkDangerous(ps *pass) {
	for _, c := range ps.ctxs {
		for _, d := range syscalls.DangerList() {
			if !c.has(d.Name) {
				continue
			}
			v := c.verdict(d.Name)
			if v.state != allowed || v.uncond == nil {
				continue
			}
			ps.reportSev(dangerSeverity(d), ps.namePath(v.uncond.orig, d.Name), d.Name, "%s is allowed without conditions: %s", d.Name, d.Why)
		}
	}
}

var sc4002 = &Rule{
	ID: "SC4002", Name: "clone-namespace-flags", Severity: Warning,
	Summary: "clone or clone3 is allowed with any flags, including those that create namespaces.",
	Why: "CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET and the other CLONE_NEW* flags create namespaces; a user " +
		"namespace gives the process a full capability set over much of the kernel's attack surface. moby's " +
		"default allows clone only when (flags & 0x7E020000) == 0, and returns ENOSYS for clone3, whose " +
		"flags are in a struct seccomp cannot read, so that libc falls back to clone.",
	Fix: `For clone: {"index": 0, "op": "SCMP_CMP_MASKED_EQ", "value": 2114060288, "valueTwo": 0} (index 1 on s390x); ` +
		`for clone3: {"action": "SCMP_ACT_ERRNO", "errnoRet": 38}.`,
	check: checkClone,
}

func checkClone(ps *pass) {
	for _, c := range ps.ctxs {
		for _, n := range []string{"clone", "clone3"} {
			if !c.has(n) {
				continue
			}
			v := c.verdict(n)
			if v.state != allowed || v.uncond == nil {
				continue
			}
			if n == "clone" {
				ps.report(ps.namePath(v.uncond.orig, n), n,
					"clone is allowed with any flags, including CLONE_NEWUSER and the other namespace flags; allow it only when (flags & 0x7E020000) == 0 (argument 0; 1 on s390x)")
			} else {
				ps.report(ps.namePath(v.uncond.orig, n), n,
					"clone3 is allowed, and its flags (namespaces included) are in a struct seccomp cannot read; return ENOSYS (errnoRet 38) so libc falls back to clone")
			}
		}
	}
}
