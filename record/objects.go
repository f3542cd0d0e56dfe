package record

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strings"
)

// ObjectSet collects the executable files a recorded program ran: the executables it
// exec'd and every file it mapped executable (its shared libraries, and modules it
// dlopen'ed while it ran). Static analysis reads these to find what the program can do
// beyond what the recording saw.
type ObjectSet map[string]bool

// Add adds paths; empty ones are ignored.
func (s ObjectSet) Add(paths ...string) {
	for _, p := range paths {
		if p != "" {
			s[p] = true
		}
	}
}

// Sorted returns the paths in order.
func (s ObjectSet) Sorted() []string {
	out := make([]string, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// MappedObjects returns the files a /proc/PID/maps text maps with execute permission,
// in order of first appearance. Anonymous memory, the kernel's pseudo-mappings
// ([vdso], [vsyscall]), memfd and deleted files have no path static analysis could
// open, so they are left out.
func MappedObjects(maps io.Reader) []string {
	var out []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(maps)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		// "start-end perms offset dev inode   pathname"
		line := sc.Bytes()
		fields := bytes.Fields(line)
		if len(fields) < 6 || len(fields[1]) < 3 || fields[1][2] != 'x' {
			continue
		}
		// The path is everything after the inode: it may hold spaces.
		i := bytes.Index(line, fields[5])
		path := string(line[i:])
		if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, " (deleted)") || strings.HasPrefix(path, "/memfd:") {
			continue
		}
		if !seen[path] {
			seen[path] = true
			out = append(out, path)
		}
	}
	return out
}
