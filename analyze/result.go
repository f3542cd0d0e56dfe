package analyze

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Options says where libraries are found and whether per-object results are cached.
type Options struct {
	Root     string // resolve libraries inside this root filesystem ("" means "/")
	PIDs     []int  // also analyze what /proc/PID/maps shows mapped (dlopen'ed libraries)
	CacheDir string // per-object results cached by build-id; "" disables the cache
	// Workers bounds how many objects are analyzed at once (memory grows with it);
	// 0 means GOMAXPROCS.
	Workers int
}

// Result is what Analyze found, over all the paths it was given.
type Result struct {
	Arches     []ArchResult `json:"arches"`               // one per architecture seen (SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64)
	Objects    []Object     `json:"objects"`              // every ELF object analyzed
	Missing    []Missing    `json:"missing,omitempty"`    // libraries that could not be found
	Unresolved []Site       `json:"unresolved,omitempty"` // reachable syscall sites whose number is unknown
	Notes      []Note       `json:"notes,omitempty"`      // what static analysis cannot see (dlopen, exec, JIT)
}

// ArchResult is the reachable set for one architecture, sorted by name.
type ArchResult struct {
	Arch     string      `json:"arch"`
	Syscalls []Reachable `json:"syscalls"`
}

// Reachable is one syscall and one shortest call chain that reaches it.
type Reachable struct {
	Name  string  `json:"name"`
	Nr    int     `json:"nr"`
	Chain []Frame `json:"chain"` // entry point in the executable → ... → the function holding the site
	// Kernel says why the kernel makes this call for the program (restart_syscall);
	// Chain is then that of the call that leads to it.
	Kernel string `json:"kernel,omitempty"`
}

// Frame is one function in a chain; Addr is the function's start, or the site itself in
// the last frame.
type Frame struct {
	Object   string `json:"object"`
	Function string `json:"function"`
	Addr     uint64 `json:"addr"`
}

// Object is one ELF file that was analyzed.
type Object struct {
	Path      string `json:"path"`
	Soname    string `json:"soname,omitempty"`
	BuildID   string `json:"buildID,omitempty"`
	Arch      string `json:"arch"`
	Static    bool   `json:"static,omitempty"`    // no dynamic loader: a statically linked executable
	Functions int    `json:"functions"`           // functions found
	Sites     int    `json:"sites"`               // syscall instructions and wrapper calls found
	FromCache bool   `json:"fromCache,omitempty"` // the per-object result came from the cache
	Reason    string `json:"reason,omitempty"`    // why it was loaded: "executable", "needed by X", "mapped in pid N"
}

// Missing is a needed library that was not found.
type Missing struct {
	Name     string `json:"name"`
	NeededBy string `json:"neededBy"`
}

// Site is a syscall instruction or wrapper call whose number could not be resolved.
type Site struct {
	Object   string `json:"object"`
	Function string `json:"function"`
	Addr     uint64 `json:"addr"`
	Arch     string `json:"arch"`
	Reason   string `json:"reason"`
}

// Note is something the analysis cannot account for, and where it comes from.
type Note struct {
	Kind   string `json:"kind"` // "dlopen", "exec", "jit", "int80"
	Object string `json:"object"`
	Where  string `json:"where,omitempty"`
	Detail string `json:"detail"`
}

// Note kinds.
const (
	NoteDlopen = "dlopen" // libraries loaded at run time are not in the static set
	NoteExec   = "exec"   // other programs executed have their own syscalls
	NoteJIT    = "jit"    // code generated at run time is not analyzed
	NoteInt80  = "int80"  // 32-bit system calls (int $0x80) use another table
)

// Why renders a chain as a sentence for profile comments, e.g.
// "reachable from sendfile64 in libc.so.6, called by network_write in /usr/sbin/NAME".
// Unnamed frames are skipped; at most four frames are named.
func (r Reachable) Why() string {
	if r.Kernel != "" {
		return r.Kernel + ", " + r.chainWhy()
	}
	return r.chainWhy()
}

func (r Reachable) chainWhy() string {
	var parts []string
	for i := len(r.Chain) - 1; i >= 0 && len(parts) < 4; i-- {
		f := r.Chain[i]
		if f.Function == "" || strings.HasPrefix(f.Function, "sub_") {
			continue
		}
		verb := "called by"
		if len(parts) == 0 {
			verb = "reachable from"
		}
		parts = append(parts, fmt.Sprintf("%s %s in %s", verb, f.Function, displayObject(f.Object)))
	}
	if len(parts) == 0 {
		if len(r.Chain) > 0 {
			f := r.Chain[len(r.Chain)-1]
			return fmt.Sprintf("reachable at %#x in %s", f.Addr, displayObject(f.Object))
		}
		return "reachable"
	}
	return strings.Join(parts, ", ")
}

// displayObject names libraries by their file name and executables by their path.
func displayObject(p string) string {
	base := filepath.Base(p)
	if strings.Contains(base, ".so") {
		return base
	}
	return p
}

// Set returns the syscall names for one arch (an SCMP_ARCH_* name), sorted.
func (r *Result) Set(arch string) []string {
	for _, a := range r.Arches {
		if a.Arch == arch {
			out := make([]string, len(a.Syscalls))
			for i, s := range a.Syscalls {
				out[i] = s.Name
			}
			return out
		}
	}
	return nil
}

// Lookup returns the reachable entry for one syscall on one arch.
func (r *Result) Lookup(arch, name string) (Reachable, bool) {
	for _, a := range r.Arches {
		if a.Arch != arch {
			continue
		}
		for _, s := range a.Syscalls {
			if s.Name == name {
				return s, true
			}
		}
	}
	return Reachable{}, false
}

// DefaultCacheDir is $XDG_CACHE_HOME/seccompctl/analyze (or ~/.cache/seccompctl/analyze);
// "" when neither is known.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "seccompctl", "analyze")
}
