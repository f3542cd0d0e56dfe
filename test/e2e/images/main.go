// Command images builds container images as OCI image-layout tarballs with
// internal/ociimage (go-containerregistry), without a registry or a container
// engine: `make image` builds the agent's image with it, and the e2e cluster its
// pause, busybox and agent images, for `ctr -n k8s.io images import`:
//
//	go run ./test/e2e/images -o DIR [-platform linux/amd64,linux/arm64] NAME=REF...
//
// writes DIR/NAME.tar for each NAME:
//   - pause: a static Go program that holds the pod's namespaces (./pause);
//   - busybox: Debian's busybox-static with a link for every applet and a
//     small document root under /www for `busybox httpd`;
//   - redis: Debian's redis-server and redis-cli with the shared libraries
//     ld.so resolves for them on this machine (ldd at build time) and its
//     dynamic loader, plus busybox-static (a shell and applets for the init
//     container and for proving a profile denies what it does not allow);
//   - agent: seccompctl built from this tree with CGO_ENABLED=0 for each
//     -platform (an image index when there are several), or the static binary
//     given with -seccompctl for the one platform.
//
// Each tarball names its image with the io.containerd.image.name and
// org.opencontainers.image.ref.name annotations. The bytes are reproducible:
// fixed owners and times, sorted entries, an uncompressed layer.
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

	"github.com/seccompctl/seccompctl/internal/ociimage"
)

const busyboxPath = "/usr/bin/busybox"

var (
	seccompctlBin string
	ldflags       string
	platforms     []string
)

func main() {
	out := flag.String("o", ".", "output directory for the NAME.tar files")
	flag.StringVar(&seccompctlBin, "seccompctl", "", "static seccompctl `binary` for the agent image (default: build ./cmd/seccompctl)")
	flag.StringVar(&ldflags, "ldflags", "-s -w", "go build -ldflags for the agent's seccompctl")
	platform := flag.String("platform", runtime.GOOS+"/"+runtime.GOARCH, "comma-separated OS/ARCH list for the agent image")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: images [-o DIR] [-platform OS/ARCH,...] NAME=REF...\nNAME is one of pause, busybox, redis, agent\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	platforms = strings.Split(*platform, ",")
	for _, p := range platforms {
		if goos, arch, ok := strings.Cut(p, "/"); !ok || goos == "" || arch == "" {
			fmt.Fprintf(os.Stderr, "images: -platform %q: want OS/ARCH such as linux/arm64\n", p)
			os.Exit(2)
		}
	}
	if seccompctlBin != "" && len(platforms) > 1 {
		fmt.Fprintln(os.Stderr, "images: -seccompctl gives one binary: use one -platform, or let images build one per platform")
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
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}

	img := &ociimage.Image{OS: "linux", Arch: runtime.GOARCH,
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
	switch name {
	case "pause":
		bin := filepath.Join(tmp, "pause")
		if err := goBuild(bin, "./test/e2e/images/pause", runtime.GOOS, runtime.GOARCH, "-s -w"); err != nil {
			return err
		}
		img.Files = []ociimage.File{{Path: "pause", Source: bin, Mode: 0o755}}
		img.Entrypoint = []string{"/pause"}
	case "busybox":
		files, err := busyboxFiles()
		if err != nil {
			return err
		}
		img.Files = files
		img.Cmd = []string{"sh"}
	case "redis":
		files, err := redisFiles()
		if err != nil {
			return err
		}
		img.Files = files
		img.Entrypoint = []string{"/usr/bin/redis-server"}
	case "agent":
		var imgs []*ociimage.Image
		for _, p := range platforms {
			goos, goarch, _ := strings.Cut(p, "/")
			bin := seccompctlBin
			if bin == "" {
				bin = filepath.Join(tmp, goos+"-"+goarch, "seccompctl")
				if err := goBuild(bin, "./cmd/seccompctl", goos, goarch, ldflags); err != nil {
					return err
				}
			} else if err := checkStatic(bin); err != nil {
				return err
			}
			imgs = append(imgs, ociimage.Agent(bin, goos, goarch))
		}
		return ociimage.WriteLayout(dst, ref, imgs...)
	default:
		return fmt.Errorf("unknown image (want pause, busybox, redis or agent)")
	}
	return ociimage.WriteLayout(dst, ref, img)
}

// goBuild builds a static binary of pkg for goos/goarch (pkg is relative to the
// module root, the working directory of `go run ./test/e2e/images`). -trimpath and
// fixed flags make the binary the same for the same tree.
func goBuild(out, pkg, goos, goarch, ldflags string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// busyboxFiles lays out busybox-static as /bin/busybox with a symlink per applet,
// plus what `busybox httpd -h /www` and a shell need.
func busyboxFiles() ([]ociimage.File, error) {
	if err := checkStatic(busyboxPath); err != nil {
		return nil, fmt.Errorf("%w (apt-get install busybox-static)", err)
	}
	list, err := exec.Command(busyboxPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	files := []ociimage.File{
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
		files = append(files, ociimage.File{Path: "bin/" + applet, Link: "busybox"})
	}
	return files, nil
}

// redisBins are the redis programs of the redis image, from Debian's redis-server
// and redis-tools.
var redisBins = []string{"/usr/bin/redis-server", "/usr/bin/redis-cli"}

// redisFiles lays out redis-server and redis-cli with what ld.so loads for them,
// busybox with its applets, and /data for the server's dump file.
func redisFiles() ([]ociimage.File, error) {
	files, err := busyboxFiles()
	if err != nil {
		return nil, err
	}
	files = append(files, ociimage.File{Path: "data", Dir: true, Mode: 0o1777})
	seen := map[string]bool{}
	for _, bin := range redisBins {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%w (apt-get install redis-server redis-tools)", err)
		}
		// redis-server is a link to redis-check-rdb, which acts on the name it is
		// run as: the image holds the program itself under the server's name.
		real, err := filepath.EvalSymlinks(bin)
		if err != nil {
			return nil, err
		}
		files = append(files, ociimage.File{Path: strings.TrimPrefix(bin, "/"), Source: real, Mode: 0o755})
		libs, err := sharedLibraries(bin)
		if err != nil {
			return nil, err
		}
		for _, lib := range libs {
			if seen[lib] {
				continue
			}
			seen[lib] = true
			real, err := filepath.EvalSymlinks(lib)
			if err != nil {
				return nil, err
			}
			files = append(files, ociimage.File{Path: strings.TrimPrefix(lib, "/"), Source: real, Mode: 0o755})
		}
	}
	return files, nil
}

// sharedLibraries returns the absolute paths at which ld.so finds bin's shared
// libraries, its loader included, as ldd (ld.so in its tracing mode) reports them.
// The image lays each out at that path, so the loader finds it the same way.
func sharedLibraries(bin string) ([]string, error) {
	cmd := exec.Command("ldd", bin)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ldd %s: %w", bin, err)
	}
	return parseLdd(string(out))
}

// parseLdd reads ldd's lines "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)"
// and "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vDSO has no file. A library
// ld.so did not find fails the build: the image would not start.
func parseLdd(out string) ([]string, error) {
	var libs []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.Contains(line, "not found") {
			return nil, fmt.Errorf("ldd: %s", line)
		}
		path := line
		if _, after, ok := strings.Cut(line, "=>"); ok {
			path = strings.TrimSpace(after)
		}
		path, _, _ = strings.Cut(path, " (")
		if strings.HasPrefix(path, "/") {
			libs = append(libs, path)
		}
	}
	if len(libs) == 0 {
		return nil, fmt.Errorf("ldd found no library (is the program static?)")
	}
	return libs, nil
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
