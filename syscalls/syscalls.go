package syscalls

import (
	"sort"
	"sync"
)

//go:generate go run ./internal/gen -o tables_generated.go

// Entry is one syscall of one architecture's table.
type Entry struct {
	Name string
	Nr   int
}

type index struct {
	byName map[string]int
	byNr   map[int]string
}

var (
	indexOnce sync.Once
	indexes   map[Arch]index
	allNames  []string
)

func buildIndexes() {
	indexes = make(map[Arch]index, len(tables))
	seen := map[string]bool{}
	for a, es := range tables {
		ix := index{byName: make(map[string]int, len(es)), byNr: make(map[int]string, len(es))}
		for _, e := range es {
			ix.byName[e.Name] = e.Nr
			if _, dup := ix.byNr[e.Nr]; !dup {
				ix.byNr[e.Nr] = e.Name
			}
			if !seen[e.Name] {
				seen[e.Name] = true
				allNames = append(allNames, e.Name)
			}
		}
		indexes[a] = ix
	}
	sort.Strings(allNames)
}

// HasTable reports whether a syscall table is known for a.
func HasTable(a Arch) bool {
	_, ok := tables[a]
	return ok
}

// TableArches returns the architectures that have a table, in Arch order.
func TableArches() []Arch {
	var out []Arch
	for _, a := range Arches() {
		if HasTable(a) {
			out = append(out, a)
		}
	}
	return out
}

// Number returns the number of the syscall name on a. Numbers include the arch's
// offsets as the kernel sees them (x32 bit, MIPS 4000/5000).
func Number(a Arch, name string) (int, bool) {
	indexOnce.Do(buildIndexes)
	nr, ok := indexes[a].byName[name]
	return nr, ok
}

// Name returns the name of syscall number nr on a.
func Name(a Arch, nr int) (string, bool) {
	indexOnce.Do(buildIndexes)
	name, ok := indexes[a].byNr[nr]
	return name, ok
}

// Exists reports whether name is a syscall on a.
func Exists(a Arch, name string) bool {
	_, ok := Number(a, name)
	return ok
}

// Known reports whether name is a syscall on any architecture with a table.
func Known(name string) bool {
	indexOnce.Do(buildIndexes)
	i := sort.SearchStrings(allNames, name)
	return i < len(allNames) && allNames[i] == name
}

// AllNames returns every syscall name known on any architecture, sorted.
func AllNames() []string {
	indexOnce.Do(buildIndexes)
	return append([]string(nil), allNames...)
}

// Table returns a's syscalls ordered by number; nil if a has no table.
func Table(a Arch) []Entry {
	return append([]Entry(nil), tables[a]...)
}

// Max returns the highest syscall number in a's table, or -1 without a table.
func Max(a Arch) int {
	es := tables[a]
	if len(es) == 0 {
		return -1
	}
	return es[len(es)-1].Nr
}

// replacements maps syscalls that newer architectures (aarch64, riscv64, loongarch64)
// dropped to the call libcs use there instead.
var replacements = map[string]string{
	"open":          "openat",
	"creat":         "openat",
	"stat":          "newfstatat",
	"lstat":         "newfstatat",
	"access":        "faccessat",
	"readlink":      "readlinkat",
	"chmod":         "fchmodat",
	"chown":         "fchownat",
	"lchown":        "fchownat",
	"mkdir":         "mkdirat",
	"rmdir":         "unlinkat",
	"unlink":        "unlinkat",
	"rename":        "renameat2",
	"renameat":      "renameat2",
	"link":          "linkat",
	"symlink":       "symlinkat",
	"mknod":         "mknodat",
	"pipe":          "pipe2",
	"dup2":          "dup3",
	"epoll_create":  "epoll_create1",
	"epoll_wait":    "epoll_pwait",
	"poll":          "ppoll",
	"select":        "pselect6",
	"getdents":      "getdents64",
	"fork":          "clone",
	"vfork":         "clone",
	"utime":         "utimensat",
	"utimes":        "utimensat",
	"futimesat":     "utimensat",
	"time":          "clock_gettime",
	"alarm":         "setitimer",
	"pause":         "ppoll",
	"getpgrp":       "getpgid",
	"inotify_init":  "inotify_init1",
	"eventfd":       "eventfd2",
	"signalfd":      "signalfd4",
	"ustat":         "statfs",
	"sendfile64":    "sendfile",
	"fstat64":       "fstat",
	"stat64":        "newfstatat",
	"lstat64":       "newfstatat",
	"fstatat64":     "newfstatat",
	"fcntl64":       "fcntl",
	"mmap2":         "mmap",
	"_llseek":       "lseek",
	"arch_prctl":    "prctl",
	"sigaction":     "rt_sigaction",
	"sigprocmask":   "rt_sigprocmask",
	"sigreturn":     "rt_sigreturn",
	"_newselect":    "pselect6",
	"waitpid":       "wait4",
	"getrlimit":     "prlimit64",
	"setrlimit":     "prlimit64",
	"oldumount":     "umount2",
	"umount":        "umount2",
	"dup":           "dup3",
	"epoll_ctl_old": "epoll_ctl",
}

// Replacement returns the syscall that replaces name on architectures that lack it
// (open → openat on aarch64). ok is false when there is none.
func Replacement(name string) (string, bool) {
	r, ok := replacements[name]
	return r, ok
}

// Suggest returns up to three syscall names close to name on a (or on any arch when a has
// no table), nearest first: the replacement first when name does not exist on a.
func Suggest(a Arch, name string) []string {
	var out []string
	if r, ok := Replacement(name); ok && Exists(a, r) && !Exists(a, name) {
		out = append(out, r)
	}
	var candidates []string
	if HasTable(a) {
		for _, e := range tables[a] {
			candidates = append(candidates, e.Name)
		}
	} else {
		candidates = AllNames()
	}
	type scored struct {
		name string
		d    int
	}
	var best []scored
	limit := len(name)/3 + 1
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := Distance(name, c); d <= limit {
			best = append(best, scored{c, d})
		}
	}
	sort.Slice(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].name < best[j].name
	})
	for _, s := range best {
		if len(out) == 3 {
			break
		}
		dup := false
		for _, o := range out {
			dup = dup || o == s.name
		}
		if !dup {
			out = append(out, s.name)
		}
	}
	return out
}

// Distance is the Levenshtein edit distance between a and b.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
