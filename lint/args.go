package lint

import "github.com/seccompctl/seccompctl/syscalls"

// argSpec is one syscall argument, as package syscalls knows it.
type argSpec = syscalls.Arg

// argsOf returns the arguments of name on arch; ok is false when the syscall facts do
// not describe the syscall.
func argsOf(name string, arch syscalls.Arch) ([]argSpec, bool) { return syscalls.Args(arch, name) }

// flagsIndex returns the index of name's flags argument, -1 when it has none.
func flagsIndex(specs []argSpec) int {
	for i, s := range specs {
		if s.Kind == syscalls.KindFlags {
			return i
		}
	}
	return -1
}

// Linux values used by the argument rules (include/uapi/asm-generic/fcntl.h,
// include/linux/socket.h; the same on every architecture).
const (
	oAccMode  = 0x3
	oRDONLY   = 0x0
	oWRONLY   = 0x1
	oRDWR     = 0x2
	afUnix    = 1
	afInet    = 2
	afInet6   = 10
	afNetlink = 16
)

// socketFamilies are the address families most programs need, with who needs them.
var socketFamilies = []struct {
	value uint64
	name  string
	users string
}{
	{afUnix, "AF_UNIX", "local sockets: nscd, syslog, D-Bus, many resolvers and runtimes"},
	{afInet, "AF_INET", "IPv4"},
	{afInet6, "AF_INET6", "IPv6, and dual-stack listeners"},
	{afNetlink, "AF_NETLINK", "getaddrinfo with AI_ADDRCONFIG, ip, interface discovery"},
}
