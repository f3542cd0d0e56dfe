package syscalls

// enosysFallbacks are the syscalls that callers retry as an older call when the kernel
// (or runc's -ENOSYS stub) answers ENOSYS: glibc and Go's golang.org/x/sys/unix do so
// for faccessat2 (to faccessat, glibc 2.33+), clone3 (to clone, glibc 2.34+) and
// fchmodat2 (to fchmodat, glibc 2.39+). Other calls have no such fallback: ENOSYS is a
// failure like any other errno.
var enosysFallbacks = map[string]string{
	"faccessat2": "faccessat",
	"clone3":     "clone",
	"fchmodat2":  "fchmodat",
}

// ENOSYSFallback returns the older syscall callers fall back to when name fails with
// ENOSYS; ok is false when they do not.
func ENOSYSFallback(name string) (older string, ok bool) {
	older, ok = enosysFallbacks[name]
	return older, ok
}
