// Package ociimage builds small container images from a list of files, with
// github.com/google/go-containerregistry, and writes them as OCI image-layout
// tarballs that `ctr images import`, `skopeo copy oci-archive:` and `crane push`
// read, without a registry or a container engine. The bytes depend only on the
// files' contents: owners, times and order are fixed, so building twice gives the
// same digests (what `make image` promises).
package ociimage

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations on the image's entry in index.json: containerd's importer names the
// image after the first, skopeo and crane pick an entry by the second.
const (
	AnnotationImageName = "io.containerd.image.name"
	AnnotationRefName   = "org.opencontainers.image.ref.name"
)

// Epoch is the time stamp of every file and of the image config.
var Epoch = time.Unix(0, 0).UTC()

// Image is a one-layer image for one platform.
type Image struct {
	OS, Arch   string // GOOS and GOARCH values: linux, amd64
	Variant    string // arm: v7
	Env        []string
	Entrypoint []string
	Cmd        []string
	User       string
	Labels     map[string]string
	Files      []File
}

// File is one entry of the layer: a regular file (from Source or Data), a directory
// (Dir) or a symbolic link (Link). Paths are relative to /.
type File struct {
	Path   string
	Source string
	Data   []byte
	Mode   int64
	Dir    bool
	Link   string
}

// Build makes the v1.Image: an OCI manifest and config, and one uncompressed layer
// whose entries are sorted, owned by root and dated Epoch.
func (img *Image) Build() (v1.Image, error) {
	if img.OS == "" || img.Arch == "" {
		return nil, errors.New("image without OS or architecture")
	}
	data, err := img.layer()
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	// An uncompressed layer: its digest is its diff ID, and no compressor's version can
	// change the bytes.
	out, err := mutate.AppendLayers(base, static.NewLayer(data, types.OCIUncompressedLayer))
	if err != nil {
		return nil, err
	}
	cf, err := out.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = img.OS, img.Arch, img.Variant
	cf.Created = v1.Time{Time: Epoch}
	cf.Config = v1.Config{Env: img.Env, Entrypoint: img.Entrypoint, Cmd: img.Cmd, User: img.User, WorkingDir: "/", Labels: img.Labels}
	cf.History = nil
	return mutate.ConfigFile(out, cf)
}

func (img *Image) platform() v1.Platform {
	return v1.Platform{OS: img.OS, Architecture: img.Arch, Variant: img.Variant}
}

// WriteLayout writes imgs as one OCI image-layout tarball at dst, named ref: one image
// as a manifest, several (one per platform) as an image index. The file is written
// to a temporary name and renamed, so a failed build leaves no partial tarball.
func WriteLayout(dst, ref string, imgs ...*Image) error {
	if len(imgs) == 0 {
		return errors.New("no image to write")
	}
	if !strings.Contains(ref, "/") {
		return fmt.Errorf("image reference %q: want a full name such as localhost/NAME:TAG", ref)
	}
	dir, err := os.MkdirTemp(filepath.Dir(dst), ".oci-layout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	ann := layout.WithAnnotations(map[string]string{AnnotationImageName: ref, AnnotationRefName: tagOf(ref)})
	if len(imgs) == 1 {
		im, err := imgs[0].Build()
		if err != nil {
			return err
		}
		if err := lp.AppendImage(im, ann, layout.WithPlatform(imgs[0].platform())); err != nil {
			return err
		}
	} else {
		idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
		for _, img := range imgs {
			im, err := img.Build()
			if err != nil {
				return fmt.Errorf("%s/%s: %w", img.OS, img.Arch, err)
			}
			p := img.platform()
			idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: im, Descriptor: v1.Descriptor{Platform: &p}})
		}
		if err := lp.AppendIndex(idx, ann); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tarDir(tmp, dir); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// tarDir writes the layout directory as a tar with sorted entries, fixed owners,
// modes and times: the layout's files are content-addressed, the tar around them is
// made so too.
func tarDir(w io.Writer, dir string) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	tw := tar.NewWriter(w)
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: rel, Mode: 0o644, ModTime: Epoch, Format: tar.FormatPAX}
		if fi.IsDir() {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, rel+"/", 0o755
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			continue
		}
		hdr.Typeflag, hdr.Size = tar.TypeReg, fi.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// tagOf returns the tag of ref, or "latest".
func tagOf(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return "latest"
}

// layer returns the uncompressed layer tar: parents before children, sorted.
func (img *Image) layer() ([]byte, error) {
	byPath := map[string]File{}
	for _, f := range img.Files {
		p := path.Clean(strings.TrimPrefix(f.Path, "/"))
		if p == "." || p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("bad path %q in image", f.Path)
		}
		f.Path = p
		byPath[p] = f
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := byPath[d]; !ok {
				byPath[d] = File{Path: d, Dir: true, Mode: 0o755}
			}
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		f := byPath[p]
		hdr := &tar.Header{Name: p, Mode: f.Mode, ModTime: Epoch, Format: tar.FormatPAX}
		var data []byte
		switch {
		case f.Dir:
			hdr.Typeflag, hdr.Name = tar.TypeDir, p+"/"
		case f.Link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, f.Link, 0o777
		default:
			data = f.Data
			if f.Source != "" {
				var err error
				if data, err = os.ReadFile(f.Source); err != nil {
					return nil, err
				}
			}
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Agent is the node agent's image for one platform: the static seccompctl binary at
// /usr/local/bin/seccompctl as the entrypoint, and the few files a process running as
// root or nobody expects.
func Agent(seccompctl, goos, goarch string) *Image {
	return &Image{
		OS: goos, Arch: goarch,
		Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Entrypoint: []string{"/usr/local/bin/seccompctl"},
		Labels: map[string]string{
			"org.opencontainers.image.title":  "seccompctl",
			"org.opencontainers.image.source": "https://github.com/seccompctl/seccompctl",
		},
		Files: []File{
			{Path: "usr/local/bin/seccompctl", Source: seccompctl, Mode: 0o755},
			{Path: "etc/passwd", Data: []byte("root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n"), Mode: 0o644},
			{Path: "etc/group", Data: []byte("root:x:0:\nnogroup:x:65534:\n"), Mode: 0o644},
			{Path: "tmp", Dir: true, Mode: 0o1777},
		},
	}
}
