package analyze

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// rootFS resolves paths inside a root filesystem the way the process inside it sees them:
// absolute symlinks and ".." stay inside the root.
type rootFS struct {
	root  string // "/" for the host
	cache ldCache
}

func newRootFS(root string) (*rootFS, error) {
	if root == "" {
		root = "/"
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, &InputError{Path: root, Err: err}
	}
	if !st.IsDir() {
		return nil, &InputError{Path: root, Err: errors.New("--rootfs must be a directory")}
	}
	r := &rootFS{root: root}
	if b, err := os.ReadFile(r.hostPath("/etc/ld.so.cache")); err == nil {
		r.cache, _ = parseLDCache(b) // an unreadable cache only means the directories are searched
	}
	return r, nil
}

// hostPath maps a path inside the root to one on the host without following symlinks.
func (r *rootFS) hostPath(p string) string {
	if r.root == "/" {
		return p
	}
	return filepath.Join(r.root, path.Clean("/"+p))
}

// resolve follows symlinks inside the root; it returns the host path of the target and
// its path inside the root.
func (r *rootFS) resolve(p string) (string, string, error) {
	if r.root == "/" {
		return p, p, nil
	}
	inside := "/"
	rest := strings.Split(path.Clean("/"+p), "/")
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		if c == "" || c == "." {
			continue
		}
		if c == ".." {
			inside = path.Dir(inside)
			continue
		}
		next := path.Join(inside, c)
		fi, err := os.Lstat(r.hostPath(next))
		if err != nil {
			return "", "", err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			inside = next
			continue
		}
		if hops++; hops > 40 {
			return "", "", fmt.Errorf("%s: too many levels of symbolic links", p)
		}
		t, err := os.Readlink(r.hostPath(next))
		if err != nil {
			return "", "", err
		}
		if strings.HasPrefix(t, "/") {
			inside = "/"
		}
		rest = append(strings.Split(t, "/"), rest...)
	}
	return r.hostPath(inside), inside, nil
}

// libDirs are the directories ld.so searches last, per architecture (Debian's multiarch
// directories first).
func libDirs(a syscalls.Arch) []string {
	triple := "x86_64-linux-gnu"
	if a == syscalls.AArch64 {
		triple = "aarch64-linux-gnu"
	}
	return []string{"/lib/" + triple, "/usr/lib/" + triple, "/lib64", "/usr/lib64", "/lib", "/usr/lib"}
}

// findLibrary searches for a needed library as ld.so does: DT_RPATH of the loader chain
// (when the object has no DT_RUNPATH), DT_RUNPATH, ld.so.cache, then the default
// directories. Candidates of another architecture are skipped, as ld.so skips them.
func (r *rootFS) findLibrary(name string, by *elfFile, chain []*elfFile) (*elfFile, error) {
	try := func(p string) *elfFile {
		host, inside, err := r.resolve(p)
		if err != nil {
			return nil
		}
		e, err := openELF(host, inside)
		if err != nil {
			return nil
		}
		if e.arch != by.arch {
			e.close()
			return nil
		}
		if r.root != "/" {
			e.path = p
		}
		return e
	}
	if strings.Contains(name, "/") {
		if e := try(name); e != nil {
			return e, nil
		}
		return nil, errors.New("not found")
	}
	var dirs []string
	if len(by.runpath) == 0 {
		for i := len(chain) - 1; i >= 0; i-- {
			dirs = append(dirs, expandOrigin(chain[i].rpath, chain[i].path)...)
		}
	}
	dirs = append(dirs, expandOrigin(by.runpath, by.path)...)
	for _, d := range dirs {
		if e := try(path.Join(d, name)); e != nil {
			return e, nil
		}
	}
	for _, p := range r.cache[name] {
		if e := try(p); e != nil {
			return e, nil
		}
	}
	for _, d := range libDirs(by.arch) {
		if e := try(path.Join(d, name)); e != nil {
			return e, nil
		}
	}
	return nil, errors.New("not found")
}

// expandOrigin substitutes $ORIGIN (the directory of the object) in search paths.
func expandOrigin(dirs []string, objPath string) []string {
	origin := path.Dir(objPath)
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		d = strings.ReplaceAll(d, "${ORIGIN}", origin)
		d = strings.ReplaceAll(d, "$ORIGIN", origin)
		out = append(out, d)
	}
	return out
}

// procMaps is what /proc/PID/maps shows: the executable, the ELF files mapped, and
// mappings whose code is written at run time.
type procMaps struct {
	exe   string
	files []string
	jit   []string // descriptions of writable+executable or anonymous executable mappings
}

func readProcMaps(pid int) (*procMaps, error) {
	where := fmt.Sprintf("/proc/%d", pid)
	exe, err := os.Readlink(where + "/exe")
	if err != nil {
		return nil, &InputError{Path: "pid " + strconv.Itoa(pid), Err: fmt.Errorf("reading its executable: %w", err)}
	}
	f, err := os.Open(where + "/maps")
	if err != nil {
		return nil, &InputError{Path: "pid " + strconv.Itoa(pid), Err: err}
	}
	defer f.Close()
	pm := &procMaps{exe: strings.TrimSuffix(exe, " (deleted)")}
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		perms := fields[1]
		name := ""
		if len(fields) >= 6 {
			name = strings.Join(fields[5:], " ")
		}
		if strings.Contains(perms, "x") && (strings.Contains(perms, "w") || name == "") {
			pm.jit = append(pm.jit, fmt.Sprintf("%s %s %s", fields[0], perms, name))
		}
		if !strings.HasPrefix(name, "/") || !strings.Contains(perms, "x") || seen[name] {
			continue
		}
		seen[name] = true
		pm.files = append(pm.files, strings.TrimSuffix(name, " (deleted)"))
	}
	return pm, sc.Err()
}
