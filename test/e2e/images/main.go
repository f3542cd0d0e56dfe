// Command images builds the container images of the e2e cluster as OCI
// image-layout tarballs, without a registry or a container engine, for
// `ctr -n k8s.io images import`:
//
//	go run ./test/e2e/images -o DIR pause=REF busybox=REF agent=REF
//
// writes DIR/pause.tar, DIR/busybox.tar and DIR/agent.tar:
//   - pause: a static Go program that holds the pod's namespaces (./pause);
//   - busybox: Debian's busybox-static with a link for every applet and a
//     small document root under /www for `busybox httpd`;
//   - agent: seccompctl built from this tree with CGO_ENABLED=0 (or the static
//     binary given with -seccompctl).
//
// Each tarball names its image with the io.containerd.image.name annotation.
// The layers are reproducible: fixed owners and times, sorted entries.
package main

import (
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

const busyboxPath = "/usr/bin/busybox"

var seccompctlBin string

func main() {
	out := flag.String("o", ".", "output directory for the NAME.tar files")
	flag.StringVar(&seccompctlBin, "seccompctl", "", "static seccompctl `binary` for the agent image (default: build ./cmd/seccompctl)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: images [-o DIR] NAME=REF...\nNAME is one of pause, busybox, agent\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, arg := range flag.Args() {
		name, ref, ok := strings.Cut(arg, "=")
		if !ok || ref == "" {
			fmt.Fprintf(os.Stderr, "images: %q: want NAME=REF\n", arg)
			os.Exit(2)
		}
		if err := build(name, ref, filepath.Join(*out, name+".tar")); err != nil {
			fmt.Fprintf(os.Stderr, "images: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
}

func build(name, ref, dst string) error {
	tmp, err := os.MkdirTemp("", "e2e-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	img := Image{Ref: ref, OS: "linux", Arch: runtime.GOARCH,
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
	switch name {
	case "pause":
		bin := filepath.Join(tmp, "pause")
		if err := goBuild(bin, "./test/e2e/images/pause"); err != nil {
			return err
		}
		img.Files = []File{{Path: "pause", Source: bin, Mode: 0o755}}
		img.Entrypoint = []string{"/pause"}
	case "busybox":
		files, err := busyboxFiles()
		if err != nil {
			return err
		}
		img.Files = files
		img.Cmd = []string{"sh"}
	case "agent":
		bin := seccompctlBin
		if bin == "" {
			bin = filepath.Join(tmp, "seccompctl")
			if err := goBuild(bin, "./cmd/seccompctl"); err != nil {
				return err
			}
		} else if err := checkStatic(bin); err != nil {
			return err
		}
		img.Files = []File{
			{Path: "usr/local/bin/seccompctl", Source: bin, Mode: 0o755},
			{Path: "etc/passwd", Data: []byte("root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n"), Mode: 0o644},
			{Path: "etc/group", Data: []byte("root:x:0:\nnogroup:x:65534:\n"), Mode: 0o644},
			{Path: "tmp", Dir: true, Mode: 0o1777},
		}
		img.Entrypoint = []string{"/usr/local/bin/seccompctl"}
	default:
		return fmt.Errorf("unknown image (want pause, busybox or agent)")
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return img.WriteFile(dst)
}

// goBuild builds a static binary of pkg (relative to the module root, the
// working directory of `go run ./test/e2e/images`).
func goBuild(out, pkg string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// busyboxFiles lays out busybox-static as /bin/busybox with a symlink per applet,
// plus what `busybox httpd -h /www` and a shell need.
func busyboxFiles() ([]File, error) {
	if err := checkStatic(busyboxPath); err != nil {
		return nil, fmt.Errorf("%w (apt-get install busybox-static)", err)
	}
	list, err := exec.Command(busyboxPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	files := []File{
		{Path: "bin/busybox", Source: busyboxPath, Mode: 0o755},
		{Path: "etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"), Mode: 0o644},
		{Path: "etc/group", Data: []byte("root:x:0:\nnogroup:x:65534:\n"), Mode: 0o644},
		{Path: "www/index.html", Data: []byte("seccompctl e2e\n"), Mode: 0o644},
		{Path: "tmp", Dir: true, Mode: 0o1777},
		{Path: "root", Dir: true, Mode: 0o700},
	}
	for _, applet := range strings.Fields(string(list)) {
		if applet == "busybox" || strings.ContainsRune(applet, '/') {
			continue
		}
		files = append(files, File{Path: "bin/" + applet, Link: "busybox"})
	}
	return files, nil
}

// checkStatic fails unless bin is a statically linked ELF executable: the
// images hold nothing else, no dynamic loader or libc.
func checkStatic(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked", bin)
		}
	}
	return nil
}
