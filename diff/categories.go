package diff

import "strings"

// Categories, in report order. A syscall belongs to the first category that lists it;
// one listed nowhere is "other".
var Categories = []string{"privileged", "file", "network", "process", "memory", "ipc", "time", "signals", "other"}

// categoryData groups syscalls by what they act on. Privileged comes first: calls that
// act on the whole host or other namespaces belong there whatever else they touch.
// Sources: the kernel's syscall tables and man-pages' section 2 (which subsystem each
// call belongs to).
var categoryData = map[string]string{
	"privileged": `acct add_key bpf chroot clock_adjtime clock_adjtime64 clock_settime clock_settime64
		create_module delete_module finit_module fanotify_init fsconfig fsmount fsopen fspick get_kernel_syms
		init_module ioperm iopl kcmp kexec_file_load kexec_load keyctl lookup_dcookie mount mount_setattr
		move_mount name_to_handle_at nfsservctl open_by_handle_at open_tree perf_event_open pidfd_getfd pivot_root
		process_madvise process_vm_readv process_vm_writev ptrace query_module quotactl quotactl_fd reboot
		request_key setdomainname sethostname setns settimeofday stime swapoff swapon syslog umount umount2
		unshare uselib userfaultfd vhangup vm86 vm86old _sysctl sysfs ustat bdflush pciconfig_iobase
		pciconfig_read pciconfig_write personality modify_ldt io_uring_setup io_uring_enter io_uring_register`,
	"file": `access chdir chmod chown chown32 close close_range copy_file_range creat dup dup2 dup3 faccessat
		faccessat2 fadvise64 fadvise64_64 fallocate fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl
		fcntl64 fdatasync fgetxattr flistxattr flock fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs
		fstatfs64 fsync ftruncate ftruncate64 futimesat getcwd getdents getdents64 getxattr inotify_add_watch
		inotify_init inotify_init1 inotify_rm_watch ioctl lchown lchown32 lgetxattr link linkat listxattr
		llistxattr lremovexattr lseek _llseek lsetxattr lstat lstat64 mkdir mkdirat mknod mknodat newfstatat
		oldfstat oldlstat oldstat open openat openat2 pread64 preadv preadv2 pwrite64 pwritev pwritev2 read
		readahead readdir readlink readlinkat readv removexattr rename renameat renameat2 rmdir sendfile
		sendfile64 setxattr splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range
		sync_file_range2 syncfs tee truncate truncate64 umask unlink unlinkat utime utimensat utimensat_time64
		utimes vmsplice write writev fanotify_mark name_to_handle_at io_setup io_submit io_getevents io_cancel
		io_destroy io_pgetevents io_pgetevents_time64 memfd_create cachestat landlock_add_rule
		landlock_create_ruleset landlock_restrict_self arm_fadvise64_64 arm_sync_file_range`,
	"network": `accept accept4 bind connect getpeername getsockname getsockopt listen recv recvfrom recvmmsg
		recvmmsg_time64 recvmsg send sendmmsg sendmsg sendto setsockopt shutdown socket socketcall socketpair`,
	"process": `arch_prctl capget capset clone clone3 execve execveat exit exit_group fork get_robust_list
		get_thread_area getcpu getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getpgid
		getpgrp getpid getppid getpriority getresgid getresgid32 getresuid getresuid32 getrlimit getrusage getsid
		gettid getuid getuid32 ioprio_get ioprio_set pidfd_open pidfd_send_signal prctl prlimit64
		restart_syscall rseq sched_get_priority_max sched_get_priority_min sched_getaffinity sched_getattr
		sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
		sched_setattr sched_setparam sched_setscheduler sched_yield seccomp set_robust_list set_thread_area
		set_tid_address setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setpgid
		setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
		setsid setuid setuid32 ugetrlimit uname olduname oldolduname vfork wait4 waitid waitpid sysinfo times
		getrandom nice set_tls get_tls`,
	"memory": `brk get_mempolicy madvise mbind membarrier memfd_secret migrate_pages mincore mlock mlock2 mlockall
		mmap mmap2 move_pages mprotect mremap msync munlock munlockall munmap pkey_alloc pkey_free pkey_mprotect
		remap_file_pages set_mempolicy process_mrelease cacheflush breakpoint`,
	"ipc": `eventfd eventfd2 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
		epoll_wait epoll_wait_old futex futex_time64 futex_waitv futex_wait futex_wake futex_requeue ipc
		mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64
		mq_unlink msgctl msgget msgrcv msgsnd pipe pipe2 poll ppoll ppoll_time64 pselect6 pselect6_time64 select
		_newselect semctl semget semop semtimedop semtimedop_time64 shmat shmctl shmdt shmget`,
	"time": `adjtimex alarm clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
		clock_nanosleep_time64 getitimer gettimeofday nanosleep setitimer time timer_create timer_delete
		timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd timerfd_create
		timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64`,
	"signals": `kill pause rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
		rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sigaction sigaltstack signal signalfd
		signalfd4 sigpending sigprocmask sigreturn sigsuspend tgkill tkill sgetmask ssetmask`,
}

var categoryOf = func() map[string]string {
	m := map[string]string{}
	for _, c := range Categories {
		for _, n := range strings.Fields(categoryData[c]) {
			if _, ok := m[n]; !ok {
				m[n] = c
			}
		}
	}
	return m
}()

// Category returns the category of a syscall.
func Category(name string) string {
	if c, ok := categoryOf[name]; ok {
		return c
	}
	return "other"
}
