package generate

import (
	"strings"
	"testing"

	"github.com/seccompctl/seccompctl/syscalls"
)

// A line over the limit (strace prints huge string arguments with -s) is malformed,
// not the end of the import: the lines after it still count.
func TestImportOverlongLine(t *testing.T) {
	in := `1234  openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3
1234  write(1, "` + strings.Repeat("x", 5<<20) + `", 5242880) = 5242880
1234  read(3, "host\n", 4096) = 5
`
	rec, st, err := Import("strace.log", strings.NewReader(in), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Malformed != 1 || st.Lines != 3 {
		t.Errorf("stats %+v: want 1 malformed of 3 lines", st)
	}
	names := strings.Join(rec.Names(syscalls.Native()), " ")
	if !strings.Contains(names, "openat") || !strings.Contains(names, "read") {
		t.Errorf("recorded %s; want openat and read around the long line", names)
	}
}
