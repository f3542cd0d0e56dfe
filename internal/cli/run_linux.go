//go:build linux

package cli

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/seccompctl/seccompctl/bpf"
	"github.com/seccompctl/seccompctl/filter"
)

// kernelRelease returns uname -r.
func kernelRelease() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return ""
	}
	var s strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		s.WriteByte(byte(c))
	}
	return s.String()
}

// runHelper is the re-executed seccompctl: it reads the program, loads it on this
// locked thread and executes argv there. It returns only on failure.
func runHelper(errOut io.Writer, fdEnv string, argv []string) int {
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(errOut, "seccompctl run: "+format+"\n", args...)
		return code
	}
	runtime.LockOSThread() // never unlocked: this thread carries the filter into execve
	fd, err := strconv.Atoi(fdEnv)
	if err != nil || len(argv) == 0 {
		return fail(exitRunFailed, "bad helper invocation")
	}
	pipe := os.NewFile(uintptr(fd), "program")
	raw, err := io.ReadAll(pipe)
	pipe.Close()
	if err != nil {
		return fail(exitRunFailed, "reading the program: %v", err)
	}
	prog, err := bpf.Decode(raw, binary.NativeEndian)
	if err != nil {
		return fail(exitRunFailed, "reading the program: %v", err)
	}
	flags, _ := strconv.ParseUint(os.Getenv(runFlagsEnv), 10, 64)
	nnp := os.Getenv(runNNPEnv) == "1"

	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case runHelperEnv, runFlagsEnv, runNNPEnv, runGodebugEnv, runPathEnv, "GODEBUG":
			continue
		}
		env = append(env, kv)
	}
	if g := os.Getenv(runGodebugEnv); g != "" {
		env = append(env, "GODEBUG="+g)
	}
	// Everything execve needs is allocated before the filter is loaded.
	file := os.Getenv(runPathEnv)
	if file == "" {
		file = argv[0]
	}
	path, err := syscall.BytePtrFromString(file)
	if err != nil {
		return fail(exitCannotExec, "%v", err)
	}
	args, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return fail(exitCannotExec, "%v", err)
	}
	envv, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return fail(exitCannotExec, "%v", err)
	}
	if !nnp && !filter.HasCapSysAdmin() {
		fmt.Fprintln(errOut, "seccompctl run: no CAP_SYS_ADMIN: setting no_new_privs, without which the kernel refuses the filter (setuid programs will not gain privileges)")
		nnp = true
	}
	if nnp {
		if err := filter.SetNoNewPrivs(); err != nil {
			return fail(exitRunFailed, "%v", err)
		}
	}
	if _, err := filter.Load(prog, uint(flags)); err != nil {
		return fail(exitRunFailed, "%v", err)
	}
	_, _, errno := syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(&args[0])), uintptr(unsafe.Pointer(&envv[0])))
	return fail(exitCannotExec, "executing %s: %v", argv[0], errno)
}
