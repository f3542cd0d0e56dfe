package generate

import (
	"fmt"
	"strings"

	"github.com/seccompctl/seccompctl/record"
)

// Names of the argument values comments mention (Linux UAPI values shared by the
// architectures seccompctl targets; an unnamed value prints as a number).
var (
	socketFamilies = map[uint64]string{0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET", 38: "AF_ALG", 40: "AF_VSOCK"}
	socketTypes    = map[uint64]string{1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 5: "SOCK_SEQPACKET"}
	protections    = map[uint64]string{0: "PROT_NONE", 1: "PROT_READ", 2: "PROT_WRITE", 3: "PROT_READ|PROT_WRITE", 4: "PROT_EXEC", 5: "PROT_READ|PROT_EXEC", 6: "PROT_WRITE|PROT_EXEC", 7: "PROT_READ|PROT_WRITE|PROT_EXEC"}
	fcntlCmds      = map[uint64]string{0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK", 6: "F_SETLK", 7: "F_SETLKW", 1030: "F_DUPFD_CLOEXEC", 1033: "F_ADD_SEALS", 1034: "F_GET_SEALS", 36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW"}
	prctlOptions   = map[uint64]string{1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 4: "PR_SET_DUMPABLE", 3: "PR_GET_DUMPABLE", 8: "PR_SET_KEEPCAPS", 15: "PR_SET_NAME", 16: "PR_GET_NAME", 22: "PR_SET_SECCOMP", 21: "PR_GET_SECCOMP", 23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP", 36: "PR_SET_CHILD_SUBREAPER", 38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS", 47: "PR_CAP_AMBIENT", 0x53564d41: "PR_SET_VMA"}
	archPrctlCodes = map[uint64]string{0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS", 0x1004: "ARCH_GET_GS", 0x3001: "ARCH_CET_STATUS", 0x5001: "ARCH_SHSTK_ENABLE"}
	ioctlRequests  = map[uint64]string{0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x540f: "TIOCGPGRP", 0x5410: "TIOCSPGRP", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541b: "FIONREAD", 0x5421: "FIONBIO", 0x5450: "FIONCLEX", 0x5451: "FIOCLEX", 0x5452: "FIOASYNC", 0x80045430: "TIOCGPTN", 0x40045431: "TIOCSPTLCK"}
	openModes      = map[uint64]string{0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR", 0o101: "O_WRONLY|O_CREAT", 0o102: "O_RDWR|O_CREAT", 0o1001: "O_WRONLY|O_TRUNC", 0o1101: "O_WRONLY|O_CREAT|O_TRUNC", 0o1102: "O_RDWR|O_CREAT|O_TRUNC", 0o100: "O_RDONLY|O_CREAT", 0o1002: "O_RDWR|O_TRUNC"}
)

func valueName(names map[uint64]string, v uint64) string {
	if n, ok := names[v]; ok {
		return n
	}
	return fmt.Sprintf("%#x", v)
}

// explainArgs describes an ArgSet of name for a comment: "family AF_UNIX, type SOCK_STREAM".
func explainArgs(name string, s record.ArgSet) string {
	specs := record.ArgSpecs[name]
	var parts []string
	for _, v := range s.Values() {
		what := fmt.Sprintf("arg%d", v.Index)
		for _, sp := range specs {
			if sp.Index == v.Index || (name == "clone" && sp.Mask == v.Mask) {
				what = sp.What
			}
		}
		if name == "clone" && v.Value == 0 {
			parts = append(parts, "no namespace flags")
			continue
		}
		parts = append(parts, what+" "+explainValue(name, what, v.Value))
	}
	return strings.Join(parts, ", ")
}

func explainValue(name, what string, v uint64) string {
	switch {
	case what == "family":
		return valueName(socketFamilies, v)
	case what == "type" && strings.HasPrefix(name, "socket"):
		return valueName(socketTypes, v)
	case what == "prot":
		return valueName(protections, v)
	case name == "fcntl" || name == "fcntl64":
		return valueName(fcntlCmds, v)
	case name == "prctl":
		return valueName(prctlOptions, v)
	case name == "arch_prctl":
		return valueName(archPrctlCodes, v)
	case name == "ioctl":
		return valueName(ioctlRequests, v)
	case what == "access mode":
		return valueName(openModes, v)
	}
	return fmt.Sprintf("%#x", v)
}
