package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Every verb that prints must fail when its output cannot be written: exit 0 with the
// output lost would tell a script that, say, a merged profile was written.
func TestStdoutWriteErrorFails(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	a, b := seedDir+"seed-minimal.json", seedDir+"seed-configmap-minimal.json"
	allowAll := writeTemp(t, "allow.json", `{"defaultAction": "SCMP_ACT_ALLOW"}`)
	for _, args := range [][]string{
		{"fmt", a},
		{"merge", a, b},
		{"compare", a},
		{"explain", dockerProfile, "read", "--arch", "x86_64"},
		{"test", allowAll},
		{"syscalls", "read"},
		{"version"},
		{"lint", "--list-rules"},
		{"compile", a},
		{"convert", a, "--to", "oci"},
		{"diff", a, a},
	} {
		var errOut strings.Builder
		code := Main(append([]string{"seccompctl"}, args...), strings.NewReader(""), full, &errOut)
		if code != ExitUsage || !strings.Contains(errOut.String(), "no space left on device") {
			t.Errorf("%v > /dev/full: exit %d, stderr %q; want exit 2 and a message", args, code, errOut.String())
		}
	}
}

// -o names a file to write; what is there decides how: /dev/null must stay a device.
func TestOutputThroughDeviceAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a device node")
	}
	null := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod: %v", err)
	}
	_, errOut, code := execCLI(t, "", "compile", dockerProfile, "--stats", "-o", null)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if fi, _ := os.Lstat(null); fi.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("compile -o replaced the device node with a %v", fi.Mode().Type())
	}
}

func TestFmtWriteFollowsSymlink(t *testing.T) {
	real := writeTemp(t, "real.json", messyProfile)
	link := filepath.Join(filepath.Dir(real), "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := execCLI(t, "", "fmt", "-w", link); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("fmt -w replaced the symbolic link with a %v", fi.Mode().Type())
	}
	if got, _ := os.ReadFile(real); string(got) != tidyProfile {
		t.Errorf("the link's target was not normalised:\n%s", got)
	}
}
