//go:build linux

package filter

import (
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/profile"
)

// Install loads f into the kernel for the calling OS thread. Lock the goroutine to its
// thread first and keep it locked: other threads are not filtered, while threads the
// locked one creates and programs it executes inherit the filter. It returns the user
// notification listener when the flags ask for one (SECCOMP_FILTER_FLAG_NEW_LISTENER),
// else nil.
func (f *Filter) Install(opts InstallOptions) (*os.File, error) {
	flags := opts.Flags
	if flags == nil {
		flags = f.Flags
	}
	if opts.NoNewPrivs {
		if err := SetNoNewPrivs(); err != nil {
			return nil, err
		}
	}
	bits := flagBits(flags)
	fd, err := Load(f.Program, bits)
	if err != nil {
		return nil, err
	}
	if bits&profile.FlagNewListener.Kernel() != 0 {
		return os.NewFile(uintptr(fd), "seccomp-listener"), nil
	}
	return nil, nil
}

// SetNoNewPrivs sets the calling thread's no_new_privs bit (prctl PR_SET_NO_NEW_PRIVS).
func SetNoNewPrivs() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("setting no_new_privs: %w", err)
	}
	return nil
}

// Load calls seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) for the calling thread and
// returns what the kernel returns (a listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER).
// Kernels older than 3.17 get prctl(PR_SET_SECCOMP) when no flag is asked for.
func Load(prog bpf.Program, flags uint) (int, error) {
	if err := prog.Validate(); err != nil {
		return -1, err
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	fd, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog)))
	if errno == unix.ENOSYS && flags == 0 {
		fd = 0
		_, _, errno = unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog)), 0, 0, 0)
	}
	runtime.KeepAlive(filter)
	switch {
	case errno == unix.EACCES:
		return -1, fmt.Errorf("loading the seccomp filter: %w (set no_new_privs or run with CAP_SYS_ADMIN)", errno)
	case errno != 0:
		return -1, fmt.Errorf("loading the seccomp filter: %w", errno)
	}
	return int(fd), nil
}

// HasCapSysAdmin reports whether the calling thread has CAP_SYS_ADMIN in its effective
// set, which lets it load a filter without no_new_privs.
func HasCapSysAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	const capSysAdmin = 21
	return data[0].Effective&(1<<capSysAdmin) != 0
}
