package lint

import (
	"strings"
	"sync"

	"github.com/seccompctl/seccompctl/syscalls"
)

// argSpec is one syscall argument: its name in the kernel and its kind (see argData).
type argSpec struct {
	name, kind string
}

var parsedArgs = sync.OnceValue(func() map[string][]argSpec {
	out := make(map[string][]argSpec, len(argData))
	for name, list := range argData {
		out[name] = parseArgList(list)
	}
	return out
})

func parseArgList(list string) []argSpec {
	specs := []argSpec{}
	for _, f := range strings.Fields(list) {
		n, k, _ := strings.Cut(f, ":")
		specs = append(specs, argSpec{n, k})
	}
	return specs
}

// argsOf returns the arguments of name on arch; ok is false when the table does not
// describe the syscall.
func argsOf(name string, arch syscalls.Arch) ([]argSpec, bool) {
	if o, ok := archArgOverrides[name][arch.String()]; ok {
		return parseArgList(o), true
	}
	specs, ok := parsedArgs()[name]
	return specs, ok
}

// flagsIndex returns the index of name's flags argument, -1 when it has none.
func flagsIndex(specs []argSpec) int {
	for i, s := range specs {
		if s.kind == "flags" {
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
