package lint

// dangerous lists syscalls a container should not be allowed without conditions that
// narrow them, each with why. Severity error: a host-wide effect or a kernel attack
// surface that no default container profile (Docker's, containers-common's) allows
// without a capability condition. Severity warning: still risky, but allowed by one of
// the runtime defaults, usually because a missing capability already stops the harmful
// use (seccomp is then a second wall).
//
// Sources: the comments of moby's default profile and Docker's "Seccomp security
// profiles" page (syscalls blocked by default and why), the kernel's man pages.
var dangerous = []dangerousSyscall{
	{"kexec_load", Error, "loads a new kernel to boot into: replaces the host's kernel"},
	{"kexec_file_load", Error, "loads a new kernel to boot into: replaces the host's kernel"},
	{"init_module", Error, "loads a kernel module: arbitrary code in the host kernel"},
	{"finit_module", Error, "loads a kernel module: arbitrary code in the host kernel"},
	{"delete_module", Error, "unloads kernel modules the host relies on"},
	{"open_by_handle_at", Error, "opens files by handle, bypassing the mount namespace: the 2014 'shocker' container escape read host files this way"},
	{"bpf", Error, "loads eBPF programs into the kernel: large attack surface, reads kernel memory and traces other processes"},
	{"perf_event_open", Error, "kernel performance events: leaks kernel addresses and other processes' data; frequent source of kernel CVEs"},
	{"iopl", Error, "raises the I/O privilege level: direct access to every hardware port"},
	{"ioperm", Error, "grants direct access to hardware I/O ports"},
	{"swapon", Error, "adds host swap space: a host-wide change"},
	{"swapoff", Error, "removes host swap space: a host-wide change"},
	{"acct", Error, "switches process accounting for the whole host on or off"},
	{"lookup_dcookie", Error, "kernel profiling interface: leaks kernel information"},
	{"quotactl", Error, "manipulates filesystem quotas of the host's filesystems"},
	{"quotactl_fd", Error, "manipulates filesystem quotas of the host's filesystems"},
	{"settimeofday", Error, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"clock_settime", Error, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"clock_settime64", Error, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"stime", Error, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"userfaultfd", Error, "handles page faults in user space: used to widen race windows in kernel exploits"},
	{"uselib", Error, "obsolete a.out library loader: old kernel attack surface, nothing uses it"},
	{"vm86", Error, "obsolete virtual-8086 mode: kernel attack surface, nothing in a container needs it"},
	{"vm86old", Error, "obsolete virtual-8086 mode: kernel attack surface, nothing in a container needs it"},
	{"nfsservctl", Error, "removed kernel NFS daemon interface"},
	{"create_module", Error, "obsolete module interface"},
	{"get_kernel_syms", Error, "obsolete module interface: leaks kernel symbols"},
	{"query_module", Error, "obsolete module interface"},
	{"_sysctl", Error, "obsolete sysctl interface"},
	{"ptrace", Warning, "traces and modifies other processes; before kernel 4.8 it also bypassed seccomp"},
	{"process_vm_readv", Warning, "reads another process's memory"},
	{"process_vm_writev", Warning, "writes another process's memory"},
	{"kcmp", Warning, "compares kernel objects of other processes: leaks information about them"},
	{"pidfd_getfd", Warning, "steals a file descriptor from another process"},
	{"process_madvise", Warning, "advises on another process's memory"},
	{"mount", Warning, "mounts filesystems: with CAP_SYS_ADMIN, a way out of the container's view of the host"},
	{"umount", Warning, "unmounts filesystems, e.g. the masks over /proc paths"},
	{"umount2", Warning, "unmounts filesystems, e.g. the masks over /proc paths"},
	{"pivot_root", Warning, "changes the root filesystem"},
	{"fsopen", Warning, "new mount API: mounts filesystems"},
	{"fsconfig", Warning, "new mount API: mounts filesystems"},
	{"fsmount", Warning, "new mount API: mounts filesystems"},
	{"fspick", Warning, "new mount API: reconfigures mounts"},
	{"move_mount", Warning, "new mount API: moves mounts"},
	{"open_tree", Warning, "new mount API: clones mount trees"},
	{"mount_setattr", Warning, "new mount API: changes mount flags (e.g. makes a read-only mount writable)"},
	{"unshare", Warning, "creates namespaces: user namespaces give a full capability set over new kernel attack surface"},
	{"setns", Warning, "joins other namespaces"},
	{"chroot", Info, "changes the root directory (a known way out of a chroot with CAP_SYS_CHROOT)"},
	{"name_to_handle_at", Warning, "pairs with open_by_handle_at to reach files outside the mount namespace"},
	{"add_key", Warning, "the kernel keyring is not namespaced: keys are shared with the host"},
	{"keyctl", Warning, "the kernel keyring is not namespaced: keys are shared with the host"},
	{"request_key", Warning, "the kernel keyring is not namespaced: keys are shared with the host"},
	{"personality", Warning, "changes the execution domain: READ_IMPLIES_EXEC and ADDR_NO_RANDOMIZE weaken memory protections; narrow it to the values moby allows (0, 8, 0x20000, 0x20008, 0xffffffff)"},
	{"reboot", Warning, "reboots the host (in a PID namespace it only ends the container, but needs CAP_SYS_BOOT)"},
	{"syslog", Warning, "reads and clears the kernel log: leaks kernel addresses"},
	{"vhangup", Warning, "hangs up the current terminal"},
	{"sethostname", Warning, "changes the host name (of the UTS namespace)"},
	{"setdomainname", Warning, "changes the NIS domain name (of the UTS namespace)"},
	{"adjtimex", Info, "adjusts the host's clock when given modes (reading it is harmless)"},
	{"clock_adjtime", Info, "adjusts the host's clock when given modes (reading it is harmless)"},
	{"clock_adjtime64", Info, "adjusts the host's clock when given modes (reading it is harmless)"},
	{"io_uring_setup", Warning, "io_uring bypasses seccomp for the operations it submits and has had many kernel CVEs"},
	{"fanotify_init", Warning, "watches filesystem events across mounts"},
	{"mbind", Warning, "sets NUMA memory policy: can degrade other workloads on the node"},
	{"set_mempolicy", Warning, "sets NUMA memory policy: can degrade other workloads on the node"},
	{"migrate_pages", Warning, "moves another process's pages between NUMA nodes"},
	{"move_pages", Warning, "moves another process's pages between NUMA nodes"},
	{"modify_ldt", Warning, "changes the x86 local descriptor table: old kernel attack surface"},
	{"bdflush", Warning, "obsolete"},
	{"sysfs", Warning, "obsolete filesystem type information"},
	{"ustat", Warning, "obsolete"},
	{"pciconfig_read", Warning, "reads PCI configuration space"},
	{"pciconfig_write", Warning, "writes PCI configuration space"},
	{"pciconfig_iobase", Warning, "PCI bus information"},
}

type dangerousSyscall struct {
	name     string
	severity Severity
	reason   string
}

// Dangerous reports whether name is in the catalogue of dangerous syscalls (SC4001),
// and why.
func Dangerous(name string) (reason string, ok bool) {
	for _, d := range dangerous {
		if d.name == name {
			return d.reason, true
		}
	}
	return "", false
}

// DangerousSeverity is the severity of SC4001 for name (Info when it is not dangerous).
func DangerousSeverity(name string) Severity {
	for _, d := range dangerous {
		if d.name == name {
			return d.severity
		}
	}
	return Info
}
