package semantics

import "github.com/seccompctl/seccompctl/syscalls"

// On some 32-bit (and ppc64, s390x) ABIs the socket and System V IPC calls can also be
// made through one multiplexer, socketcall(2) or ipc(2), whose first argument says which
// call is meant. libseccomp's seccomp_rule_add (what runc uses) adds, next to the rule for
// the direct syscall, a rule for the multiplexer with argument 0 equal to the call number
// and the rule's other conditions; the rule's own condition on argument 0, if any, does
// not carry over. We do the same, so that a profile means the same under both compilers.
//
// Call numbers are SYS_* from the kernel's include/uapi/linux/net.h and the IPC call
// numbers from include/uapi/linux/ipc.h.
var socketCalls = map[string]uint64{
	"socket": 1, "bind": 2, "connect": 3, "listen": 4, "accept": 5, "getsockname": 6,
	"getpeername": 7, "socketpair": 8, "send": 9, "recv": 10, "sendto": 11, "recvfrom": 12,
	"shutdown": 13, "setsockopt": 14, "getsockopt": 15, "sendmsg": 16, "recvmsg": 17,
	"accept4": 18, "recvmmsg": 19, "sendmmsg": 20,
}

var ipcCalls = map[string]uint64{
	"semop": 1, "semget": 2, "semctl": 3, "semtimedop": 4, "msgsnd": 11, "msgrcv": 12,
	"msgget": 13, "msgctl": 14, "shmat": 21, "shmdt": 22, "shmget": 23, "shmctl": 24,
}

// muxArches are the architectures on which libseccomp 2.5 rewrites socket and IPC rules.
var muxArches = map[syscalls.Arch]bool{
	syscalls.X86: true, syscalls.MIPS: true, syscalls.MIPSEL: true, syscalls.PPC: true,
	syscalls.PPC64: true, syscalls.PPC64LE: true, syscalls.S390: true, syscalls.S390X: true,
}

// Multiplexed returns the multiplexer's syscall number and the call number for name on
// arch, if libseccomp would add a multiplexed rule for it.
func Multiplexed(arch syscalls.Arch, name string) (mux uint32, call uint64, ok bool) {
	if !muxArches[arch] {
		return 0, 0, false
	}
	via := ""
	if c, found := socketCalls[name]; found {
		via, call = "socketcall", c
	} else if c, found := ipcCalls[name]; found {
		via, call = "ipc", c
	} else {
		return 0, 0, false
	}
	nr, found := syscalls.Number(arch, via)
	if !found {
		return 0, 0, false
	}
	return uint32(nr), call, true
}

// IsMuxName reports whether name is a socket or IPC call some architecture also
// reaches through socketcall(2) or ipc(2).
func IsMuxName(n string) bool {
	_, s := socketCalls[n]
	_, i := ipcCalls[n]
	return s || i
}

// Multiplexes reports whether libseccomp rewrites socket and IPC rules on arch.
func Multiplexes(arch syscalls.Arch) bool { return muxArches[arch] }
