package analyze

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// loaded is one object of a program, with its summary.
type loaded struct {
	e         *elfFile
	sum       *summary
	fromCache bool
	reason    string
}

// progObj is an object as one program sees it.
type progObj struct {
	*loaded
	exported bool // every exported function is an entry (a library analyzed alone, or dlopen'ed)
	isMain   bool
	isInterp bool
}

// program is an executable and the objects its process would map.
type program struct {
	objs    []progObj
	missing []Missing
	jit     []string
	pid     int
}

// Analyze returns the syscalls statically reachable from the given executables (or
// libraries), with the libraries they load. With opts.Root set and no paths, every
// executable in the root filesystem's bin and sbin directories is analyzed. Bad input
// (not ELF, another architecture, unreadable) is an *InputError.
func Analyze(ctx context.Context, paths []string, opts Options) (*Result, error) {
	root, err := newRootFS(opts.Root)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 && opts.Root != "" && len(opts.PIDs) == 0 {
		if paths, err = rootExecutables(root); err != nil {
			return nil, err
		}
	}
	if len(paths) == 0 && len(opts.PIDs) == 0 {
		return nil, &InputError{Path: "analyze", Err: errors.New("no executable given")}
	}
	l := &linker{byHost: map[string]*loaded{}}
	defer l.closeAll()
	var progs []*program
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		host, inside := p, p
		if opts.Root != "" {
			if host, inside, err = root.resolve(p); err != nil {
				return nil, &InputError{Path: p, Err: fmt.Errorf("in %s: %w", opts.Root, err)}
			}
			inside = p
		}
		pr, err := l.loadProgram(root, host, inside, "executable")
		if err != nil {
			return nil, err
		}
		progs = append(progs, pr)
	}
	for _, pid := range opts.PIDs {
		pr, err := l.loadPID(pid)
		if err != nil {
			return nil, err
		}
		progs = append(progs, pr)
	}
	if err := l.summarize(ctx, opts.CacheDir, opts.Workers); err != nil {
		return nil, err
	}
	res := &Result{}
	acc := newAccumulator()
	for _, pr := range progs {
		walk(pr, acc)
		res.Missing = append(res.Missing, pr.missing...)
		for _, j := range pr.jit {
			acc.note(Note{Kind: NoteJIT, Object: fmt.Sprintf("pid %d", pr.pid), Where: j, Detail: "executable memory that is not a file mapping (or is writable): code generated at run time is not analyzed"})
		}
	}
	acc.fill(res)
	for _, lo := range l.order {
		res.Objects = append(res.Objects, Object{
			Path: lo.e.path, Soname: lo.e.soname, BuildID: lo.e.buildID, Arch: lo.e.arch.String(),
			Static: lo.e.static, Functions: len(lo.sum.Funcs), Sites: lo.sum.Sites,
			FromCache: lo.fromCache, Reason: lo.reason,
		})
	}
	return res, nil
}

// linker loads objects once, however many programs share them.
type linker struct {
	byHost map[string]*loaded
	order  []*loaded
}

func (l *linker) closeAll() {
	for _, lo := range l.order {
		lo.e.close()
	}
}

func (l *linker) add(e *elfFile, reason string) *loaded {
	abs, err := filepath.EvalSymlinks(e.osPath)
	if err != nil {
		abs = e.osPath
	}
	if lo, ok := l.byHost[abs]; ok {
		e.close()
		return lo
	}
	lo := &loaded{e: e, reason: reason}
	l.byHost[abs] = lo
	l.order = append(l.order, lo)
	return lo
}

// loadProgram loads an executable (or a library analyzed alone) and, breadth first as
// ld.so does, the libraries it needs, then the dynamic loader.
func (l *linker) loadProgram(root *rootFS, host, shown, reason string) (*program, error) {
	e, err := openELF(host, shown)
	if err != nil {
		return nil, err
	}
	main := l.add(e, reason)
	pr := &program{}
	// A program has its own view of its objects: a library analyzed alone exports
	// everything, the same library needed by an executable does not.
	pr.objs = append(pr.objs, progObj{loaded: main, isMain: true, exported: main.e.isLibrary()})
	bySoname := map[string]bool{}
	e = main.e
	chain := map[*elfFile][]*elfFile{e: nil}
	for i := 0; i < len(pr.objs); i++ {
		by := pr.objs[i].e
		for _, name := range by.needed {
			if bySoname[name] {
				continue
			}
			bySoname[name] = true
			lib, err := root.findLibrary(name, by, append(chain[by], by))
			if err != nil {
				pr.missing = append(pr.missing, Missing{Name: name, NeededBy: by.path})
				continue
			}
			lo := l.add(lib, "needed by "+by.path)
			if lo.e.soname != "" {
				bySoname[lo.e.soname] = true
			}
			chain[lo.e] = append(chain[by], by)
			pr.objs = append(pr.objs, progObj{loaded: lo})
		}
	}
	if e.interp != "" {
		host, inside, err := root.resolve(e.interp)
		var ie *elfFile
		if err == nil {
			ie, err = openELF(host, inside)
		}
		if err != nil {
			pr.missing = append(pr.missing, Missing{Name: e.interp, NeededBy: e.path})
		} else {
			lo := l.add(ie, "interpreter of "+e.path)
			pr.objs = append(pr.objs, progObj{loaded: lo, isInterp: true})
		}
	}
	return pr, nil
}

// loadPID loads a running process: its executable and libraries, plus every ELF file
// mapped executable (dlopen'ed modules), read through the process's root.
func (l *linker) loadPID(pid int) (*program, error) {
	pm, err := readProcMaps(pid)
	if err != nil {
		return nil, err
	}
	root, err := newRootFS(fmt.Sprintf("/proc/%d/root", pid))
	if err != nil {
		return nil, err
	}
	host, _, err := root.resolve(pm.exe)
	if err != nil {
		return nil, &InputError{Path: "pid " + strconv.Itoa(pid), Err: err}
	}
	pr, err := l.loadProgram(root, host, pm.exe, fmt.Sprintf("executable of pid %d", pid))
	if err != nil {
		return nil, err
	}
	pr.pid, pr.jit = pid, pm.jit
	have := map[string]bool{}
	for _, o := range pr.objs {
		have[o.e.path] = true
	}
	for _, f := range pm.files {
		if have[f] {
			continue
		}
		h, _, err := root.resolve(f)
		if err != nil {
			continue // unmapped since, or deleted
		}
		e, err := openELF(h, f)
		if err != nil {
			continue // a mapped file that is not ELF code (a font, a locale archive)
		}
		e.path = f
		have[f] = true
		lo := l.add(e, fmt.Sprintf("mapped in pid %d", pid))
		pr.objs = append(pr.objs, progObj{loaded: lo, exported: true})
	}
	return pr, nil
}

// summarize analyzes every object not in the cache, workers at a time.
func (l *linker) summarize(ctx context.Context, cacheDir string, workers int) error {
	var todo []*loaded
	for _, lo := range l.order {
		if s := cacheGet(cacheDir, lo.e); s != nil {
			lo.sum, lo.fromCache = s, true
			continue
		}
		todo = append(todo, lo)
	}
	errs := make([]error, len(todo))
	var wg sync.WaitGroup
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, workers)
	for i, lo := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			s, err := analyzeObject(lo.e)
			if err != nil {
				errs[i] = err
				return
			}
			lo.sum = s
			cachePut(cacheDir, lo.e, s)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return nil
}

// rootExecutables lists the ELF executables in a root filesystem's bin directories.
func rootExecutables(root *rootFS) ([]string, error) {
	var out []string
	for _, d := range []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"} {
		host, inside, err := root.resolve(d)
		if err != nil {
			continue
		}
		ents, err := os.ReadDir(host)
		if err != nil {
			continue
		}
		for _, de := range ents {
			p := path.Join(inside, de.Name())
			h, _, err := root.resolve(p)
			if err != nil {
				continue
			}
			st, err := os.Stat(h)
			if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
				continue
			}
			if isELF(h) {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	out = dedupStrings(out)
	if len(out) == 0 {
		return nil, &InputError{Path: root.root, Err: errors.New("no ELF executables in its bin and sbin directories")}
	}
	return out, nil
}

func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	_, err = f.ReadAt(b[:], 0)
	return err == nil && string(b[:]) == "\x7fELF"
}

func dedupStrings(a []string) []string {
	out := a[:0]
	for i, s := range a {
		if i == 0 || s != a[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func baseName(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}
