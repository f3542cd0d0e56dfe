package ociimage

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// TestAgentImageRunsUnderRuncAsRoot builds the agent image as `make image` does (the
// same program, for this machine's platform), unpacks its rootfs from the OCI layout
// and runs `seccompctl version` in it under a real runc.
func TestAgentImageRunsUnderRuncAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("runc run needs root")
	}
	if testing.Short() {
		t.Skip("builds seccompctl and runs a container")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Fatalf("runc is not installed (scripts/deps.sh installs it): %v", err)
	}
	dir := t.TempDir()
	build := exec.Command("go", "run", "./test/e2e/images", "-o", dir, "-platform", "linux/"+runtime.GOARCH,
		"agent=localhost/seccompctl/agent:test")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the image: %v\n%s", err, out)
	}

	lay := filepath.Join(dir, "layout")
	untar(t, filepath.Join(dir, "agent.tar"), lay)
	idx, err := layout.ImageIndexFromPath(lay)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations[AnnotationImageName] != "localhost/seccompctl/agent:test" {
		t.Fatalf("index.json: %+v", im.Manifests)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != runtime.GOARCH || len(cf.Config.Entrypoint) != 1 {
		t.Fatalf("config: %s %v", cf.Architecture, cf.Config.Entrypoint)
	}

	bundle := filepath.Join(dir, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	rc := mutate.Extract(img)
	defer rc.Close()
	untarReader(t, rc, rootfs)

	// runc's own default spec, with the image's entrypoint and `version` as the process.
	spec := exec.Command(runc, "spec")
	spec.Dir = bundle
	if out, err := spec.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	cfgPath := filepath.Join(bundle, "config.json")
	var cfg map[string]any
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	proc := cfg["process"].(map[string]any)
	proc["terminal"] = false
	proc["args"] = append(append([]string{}, cf.Config.Entrypoint...), "version", "--format", "json")
	proc["env"] = cf.Config.Env
	if data, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("seccompctl-image-test-%d", os.Getpid())
	run := exec.Command(runc, "run", "--bundle", bundle, id)
	var stderr strings.Builder
	run.Stderr = &stderr
	out, err := run.Output()
	exec.Command(runc, "delete", "--force", id).Run()
	if err != nil {
		t.Fatalf("runc run: %v\n%s", err, stderr.String())
	}
	var v struct {
		Version  string `json:"version"`
		Platform string `json:"platform"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("seccompctl version in the container printed %q: %v", out, err)
	}
	if v.Platform != "linux/"+runtime.GOARCH || v.Version == "" {
		t.Errorf("seccompctl version in the container: %+v", v)
	}
}

func untar(t *testing.T, file, dst string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	untarReader(t, f, dst)
}

// untarReader unpacks the regular files, directories and symbolic links of r.
func untarReader(t *testing.T, r io.Reader, dst string) {
	t.Helper()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, os.FileMode(h.Mode).Perm()|os.ModeDir)
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.Symlink(h.Linkname, p)
			}
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				break
			}
			var f *os.File
			if f, err = os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode).Perm()); err != nil {
				break
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
