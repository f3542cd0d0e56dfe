package ociimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readTar returns the regular files of a tarball and the order of all names.
func readTar(t *testing.T, data []byte) (files map[string][]byte, order []string, hdrs map[string]*tar.Header) {
	t.Helper()
	files, hdrs = map[string][]byte{}, map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files, order, hdrs
		}
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, hdr.Name)
		hdrs[hdr.Name] = hdr
		if hdr.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[hdr.Name] = b
		}
	}
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform,omitempty"`
}

// writeLayout writes imgs with WriteLayout and returns the tarball.
func writeLayout(t *testing.T, ref string, imgs ...*Image) []byte {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "image.tar")
	if err := WriteLayout(dst, ref, imgs...); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestImageWriteLayout(t *testing.T) {
	const ref = "localhost/test/app:v2"
	img := &Image{OS: "linux", Arch: "amd64",
		Entrypoint: []string{"/bin/app"},
		Files: []File{
			{Path: "/bin/app", Data: []byte("#!app"), Mode: 0o755},
			{Path: "bin/sh", Link: "app"},
			{Path: "tmp", Dir: true, Mode: 0o1777},
		}}
	files, _, _ := readTar(t, writeLayout(t, ref, img))
	if got := string(files["oci-layout"]); !strings.Contains(got, `"imageLayoutVersion": "1.0.0"`) && !strings.Contains(got, `"imageLayoutVersion":"1.0.0"`) {
		t.Errorf("oci-layout = %q", got)
	}
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 1 {
		t.Fatalf("index has %d manifests, want 1", len(index.Manifests))
	}
	md := index.Manifests[0]
	if md.Annotations[AnnotationImageName] != ref || md.Annotations[AnnotationRefName] != "v2" {
		t.Errorf("manifest annotations = %v", md.Annotations)
	}
	if md.MediaType != "application/vnd.oci.image.manifest.v1+json" || md.Platform == nil || md.Platform.Architecture != "amd64" {
		t.Errorf("manifest descriptor = %+v", md)
	}
	blobOf := func(d descriptor) []byte {
		t.Helper()
		b, ok := files["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")]
		if !ok {
			t.Fatalf("blob %s missing", d.Digest)
		}
		if digest(b) != d.Digest || int64(len(b)) != d.Size {
			t.Fatalf("blob %s: digest %s size %d, descriptor size %d", d.Digest, digest(b), len(b), d.Size)
		}
		return b
	}
	var man struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(blobOf(md), &man); err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Architecture string `json:"architecture"`
		Config       struct {
			Entrypoint []string
		} `json:"config"`
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(blobOf(man.Config), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Architecture != "amd64" || len(cfg.Config.Entrypoint) != 1 || cfg.Config.Entrypoint[0] != "/bin/app" {
		t.Errorf("config = %+v", cfg)
	}
	if len(man.Layers) != 1 || len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != man.Layers[0].Digest {
		t.Fatalf("layers %v, diff_ids %v: want one uncompressed layer whose diff ID is its digest", man.Layers, cfg.RootFS.DiffIDs)
	}

	lfiles, order, hdrs := readTar(t, blobOf(man.Layers[0]))
	want := []string{"bin/", "bin/app", "bin/sh", "tmp/"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("layer entries = %v, want %v", order, want)
	}
	if string(lfiles["bin/app"]) != "#!app" || hdrs["bin/app"].Mode != 0o755 {
		t.Errorf("bin/app = %q mode %o", lfiles["bin/app"], hdrs["bin/app"].Mode)
	}
	if h := hdrs["bin/sh"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "app" {
		t.Errorf("bin/sh = %+v, want symlink to app", h)
	}
	if h := hdrs["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("tmp/ = %+v, want mode 1777", h)
	}
}

// TestImageWriteReproducible: the same files give the same tarball, byte for byte,
// whatever the source files' times, and a multi-platform index too.
func TestImageWriteReproducible(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "app")
	build := func(mtime time.Time) []byte {
		t.Helper()
		if err := os.WriteFile(src, []byte("binary"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(src, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return writeLayout(t, "localhost/test/app:1",
			&Image{OS: "linux", Arch: "amd64", Files: []File{{Path: "b/x", Data: []byte("x")}, {Path: "a", Source: src, Mode: 0o755}}},
			&Image{OS: "linux", Arch: "arm64", Files: []File{{Path: "a", Source: src, Mode: 0o755}}})
	}
	one := build(time.Unix(1e9, 0))
	two := build(time.Unix(2e9, 0))
	if !bytes.Equal(one, two) {
		t.Error("two builds of the same image differ")
	}
	files, _, hdrs := readTar(t, one)
	for name, h := range hdrs {
		if !h.ModTime.Equal(Epoch) || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: time %v owner %d:%d", name, h.ModTime, h.Uid, h.Gid)
		}
	}
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 1 || index.Manifests[0].MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("index.json = %s, want one image index", files["index.json"])
	}
	var inner struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(files["blobs/sha256/"+strings.TrimPrefix(index.Manifests[0].Digest, "sha256:")], &inner); err != nil {
		t.Fatal(err)
	}
	var plats []string
	for _, m := range inner.Manifests {
		if m.Platform != nil {
			plats = append(plats, m.Platform.OS+"/"+m.Platform.Architecture)
		}
	}
	if strings.Join(plats, " ") != "linux/amd64 linux/arm64" {
		t.Errorf("platforms %v", plats)
	}
}

func TestImageWriteRejects(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "x.tar")
	for _, tc := range []struct {
		ref string
		img *Image
	}{
		{"pause", &Image{OS: "linux", Arch: "amd64"}},
		{"localhost/x:1", &Image{OS: "linux", Arch: "amd64", Files: []File{{Path: "../etc/passwd"}}}},
		{"localhost/x:1", &Image{Files: []File{{Path: "a"}}}},
	} {
		if err := WriteLayout(dst, tc.ref, tc.img); err == nil {
			t.Errorf("WriteLayout(%q, %+v) = nil, want an error", tc.ref, tc.img)
		}
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Errorf("a failed write left %s", dst)
		}
	}
}

func TestTagOf(t *testing.T) {
	for ref, want := range map[string]string{
		"localhost/a:1":           "1",
		"localhost:5000/a":        "latest",
		"localhost:5000/a/b:v1.2": "v1.2",
	} {
		if got := tagOf(ref); got != want {
			t.Errorf("tagOf(%q) = %q, want %q", ref, got, want)
		}
	}
}
