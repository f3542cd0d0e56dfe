package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
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

func TestImageWriteLayout(t *testing.T) {
	img := Image{Ref: "localhost/test/app:v2", OS: "linux", Arch: "amd64",
		Entrypoint: []string{"/bin/app"},
		Files: []File{
			{Path: "/bin/app", Data: []byte("#!app"), Mode: 0o755},
			{Path: "bin/sh", Link: "app"},
			{Path: "tmp", Dir: true, Mode: 0o1777},
		}}
	var out bytes.Buffer
	if err := img.Write(&out); err != nil {
		t.Fatal(err)
	}
	files, _, _ := readTar(t, out.Bytes())
	if got := string(files["oci-layout"]); got != `{"imageLayoutVersion":"1.0.0"}` {
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
	if md.Annotations[annotationImageName] != img.Ref || md.Annotations[annotationRefName] != "v2" {
		t.Errorf("manifest annotations = %v", md.Annotations)
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

func TestImageWriteReproducible(t *testing.T) {
	img := Image{Ref: "localhost/test/app:1", OS: "linux", Arch: "amd64",
		Files: []File{{Path: "b/x", Data: []byte("x")}, {Path: "a", Data: []byte("a")}}}
	var one, two bytes.Buffer
	if err := img.Write(&one); err != nil {
		t.Fatal(err)
	}
	if err := img.Write(&two); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Error("two writes of the same image differ")
	}
}

func TestImageWriteRejects(t *testing.T) {
	for _, img := range []Image{
		{Ref: "pause"},
		{Ref: "localhost/x:1", Files: []File{{Path: "../etc/passwd"}}},
	} {
		if err := img.Write(io.Discard); err == nil {
			t.Errorf("Write(%+v) = nil, want an error", img)
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
