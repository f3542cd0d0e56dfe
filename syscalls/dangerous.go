package syscalls

import "slices"

// Danger is why a syscall should not be allowed to a container without conditions
// that narrow it.
type Danger struct {
	Name  string
	Level DangerLevel
	Why   string
}

// DangerLevel ranks dangerous syscalls.
type DangerLevel int

// The levels, least harmful first.
const (
	// Minor: harmful only in a use the syscall also has a harmless form of.
	Minor DangerLevel = iota
	// Risky: allowed by one of the runtime defaults, usually because a missing
	// capability already stops the harmful use (seccomp is then a second wall).
	Risky
	// Severe: a host-wide effect or a kernel attack surface that no runtime default
	// allows without a capability condition.
	Severe
)

// dangerous lists syscalls a container should not be allowed without conditions that
// narrow them, each with why and how harmful (DangerLevel; the runtime defaults
// compared are Docker's and containers-common's).
//
// Sources: the comments of moby's default profile and Docker's "Seccomp security
// profiles" page (syscalls blocked by default and why), the kernel's man pages.
var dangerous = []Danger{
	{"kexec_load", Severe, "loads a new kernel to boot into: replaces the host's kernel"},
	{"kexec_file_load", Severe, "loads a new kernel to boot into: replaces the host's kernel"},
	{"init_module", Severe, "loads a kernel module: arbitrary code in the host kernel"},
	{"finit_module", Severe, "loads a kernel module: arbitrary code in the host kernel"},
	{"delete_module", Severe, "unloads kernel modules the host relies on"},
	{"open_by_handle_at", Severe, "opens files by handle, bypassing the mount namespace: the 2014 'shocker' container escape read host files this way"},
	{"bpf", Severe, "loads eBPF programs into the kernel: large attack surface, reads kernel memory and traces other processes"},
	{"perf_event_open", Severe, "kernel performance events: leaks kernel addresses and other processes' data; frequent source of kernel CVEs"},
	{"iopl", Severe, "raises the I/O privilege level: direct access to every hardware port"},
	{"ioperm", Severe, "grants direct access to hardware I/O ports"},
	{"swapon", Severe, "adds host swap space: a host-wide change"},
	{"swapoff", Severe, "removes host swap space: a host-wide change"},
	{"acct", Severe, "switches process accounting for the whole host on or off"},
	{"lookup_dcookie", Severe, "kernel profiling interface: leaks kernel information"},
	{"quotactl", Severe, "manipulates filesystem quotas of the host's filesystems"},
	{"quotactl_fd", Severe, "manipulates filesystem quotas of the host's filesystems"},
	{"settimeofday", Severe, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"clock_settime", Severe, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"clock_settime64", Severe, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"stime", Severe, "sets the host's clock: time is not namespaced (the container also needs CAP_SYS_TIME)"},
	{"userfaultfd", Severe, "handles page faults in user space: used to widen race windows in kernel exploits"},
	{"uselib", Severe, "obsolete a.out library loader: old kernel attack surface, nothing uses it"},
	{"vm86", Severe, "obsolete virtual-8086 mode: kernel attack surface, nothing in a container needs it"},
	{"vm86old", Severe, "obsolete virtual-8086 mode: kernel attack surface, nothing in a container needs it"},
	{"nfsservctl", Severe, "removed kernel NFS daemon interface"},
	{"create_module", Severe, "obsolete module interface"},
	{"get_kernel_syms", Severe, "obsolete module interface: leaks kernel symbols"},
	{"query_module", Severe, "obsolete module interface"},
	{"_sysctl", Severe, "obsolete sysctl interface"},
	{"ptrace", Risky, "traces and modifies other processes; before kernel 4.8 it also bypassed seccomp"},
	{"process_vm_readv", Risky, "reads another process's memory"},
	{"process_vm_writev", Risky, "writes another process's memory"},
	{"kcmp", Risky, "compares kernel objects of other processes: leaks information about them"},
	{"pidfd_getfd", Risky, "steals a file descriptor from another process"},
	{"process_madvise", Risky, "advises on another process's memory"},
	{"mount", Risky, "mounts filesystems: with CAP_SYS_ADMIN, a way out of the container's view of the host"},
	{"umount", Risky, "unmounts filesystems, e.g. the masks over /proc paths"},
	{"umount2", Risky, "unmounts filesystems, e.g. the masks over /proc paths"},
	{"pivot_root", Risky, "changes the root filesystem"},
	{"fsopen", Risky, "new mount API: mounts filesystems"},
	{"fsconfig", Risky, "new mount API: mounts filesystems"},
	{"fsmount", Risky, "new mount API: mounts filesystems"},
	{"fspick", Risky, "new mount API: reconfigures mounts"},
	{"move_mount", Risky, "new mount API: moves mounts"},
	{"open_tree", Risky, "new mount API: clones mount trees"},
	{"mount_setattr", Risky, "new mount API: changes mount flags (e.g. makes a read-only mount writable)"},
	{"unshare", Risky, "creates namespaces: user namespaces give a full capability set over new kernel attack surface"},
	{"setns", Risky, "joins other namespaces"},
	{"chroot", Minor, "changes the root directory (a known way out of a chroot with CAP_SYS_CHROOT)"},
	{"name_to_handle_at", Risky, "pairs with open_by_handle_at to reach files outside the mount namespace"},
	{"add_key", Risky, "the kernel keyring is not namespaced: keys are shared with the host"},
	{"keyctl", Risky, "the kernel keyring is not namespaced: keys are shared with the host"},
	{"request_key", Risky, "the kernel keyring is not namespaced: keys are shared with the host"},
	{"personality", Risky, "changes the execution domain: READ_IMPLIES_EXEC and ADDR_NO_RANDOMIZE weaken memory protections; narrow it to the values moby allows (0, 8, 0x20000, 0x20008, 0xffffffff)"},
	{"reboot", Risky, "reboots the host (in a PID namespace it only ends the container, but needs CAP_SYS_BOOT)"},
	{"syslog", Risky, "reads and clears the kernel log: leaks kernel addresses"},
	{"vhangup", Risky, "hangs up the current terminal"},
	{"sethostname", Risky, "changes the host name (of the UTS namespace)"},
	{"setdomainname", Risky, "changes the NIS domain name (of the UTS namespace)"},
	{"adjtimex", Minor, "adjusts the host's clock when given modes (reading it is harmless)"},
	{"clock_adjtime", Minor, "adjusts the host's clock when given modes (reading it is harmless)"},
	{"clock_adjtime64", Minor, "adjusts the host's clock when given modes (reading it is harmless)"},
	{"io_uring_setup", Risky, "io_uring bypasses seccomp for the operations it submits and has had many kernel CVEs"},
	{"fanotify_init", Risky, "watches filesystem events across mounts"},
	{"mbind", Risky, "sets NUMA memory policy: can degrade other workloads on the node"},
	{"set_mempolicy", Risky, "sets NUMA memory policy: can degrade other workloads on the node"},
	{"migrate_pages", Risky, "moves another process's pages between NUMA nodes"},
	{"move_pages", Risky, "moves another process's pages between NUMA nodes"},
	{"modify_ldt", Risky, "changes the x86 local descriptor table: old kernel attack surface"},
	{"bdflush", Risky, "obsolete"},
	{"sysfs", Risky, "obsolete filesystem type information"},
	{"ustat", Risky, "obsolete"},
	{"pciconfig_read", Risky, "reads PCI configuration space"},
	{"pciconfig_write", Risky, "writes PCI configuration space"},
	{"pciconfig_iobase", Risky, "PCI bus information"},
}

// Dangerous reports whether a container should not be allowed syscall name without
// conditions that narrow it, and why.
func Dangerous(name string) (why string, ok bool) {
	d, ok := DangerOf(name)
	return d.Why, ok
}

// DangerOf returns the entry for name in the list of dangerous syscalls.
func DangerOf(name string) (Danger, bool) {
	for _, d := range dangerous {
		if d.Name == name {
			return d, true
		}
	}
	return Danger{}, false
}

// DangerList returns the dangerous syscalls, most harmful first as listed.
func DangerList() []Danger { return slices.Clone(dangerous) }
