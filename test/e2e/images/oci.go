package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// Media types and the annotation from the OCI image spec and containerd.
const (
	mediaIndex    = "application/vnd.oci.image.index.v1+json"
	mediaManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig   = "application/vnd.oci.image.config.v1+json"
	mediaLayer    = "application/vnd.oci.image.layer.v1.tar"
	// containerd's importer names the image after this annotation.
	annotationImageName = "io.containerd.image.name"
	annotationRefName   = "org.opencontainers.image.ref.name"
)

// epoch is the time stamp of every entry, for reproducible layers.
var epoch = time.Unix(0, 0).UTC()

// Image is a one-layer image.
type Image struct {
	Ref        string // full reference, e.g. localhost/seccompctl-e2e/pause:1
	OS, Arch   string
	Env        []string
	Entrypoint []string
	Cmd        []string
	Files      []File
}

// File is one entry of the layer: a regular file (from Source or Data), a
// directory (Dir) or a symbolic link (Link). Paths are relative to /.
type File struct {
	Path   string
	Source string
	Data   []byte
	Mode   int64
	Dir    bool
	Link   string
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// blob is content and its descriptor.
type blob struct {
	desc descriptor
	data []byte
}

func newBlob(mediaType string, data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{descriptor{MediaType: mediaType, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(data))}, data}
}

// WriteFile writes the image as an OCI image-layout tarball to dst, atomically.
func (img *Image) WriteFile(dst string) error {
	tmp, err := os.CreateTemp(path.Dir(dst), ".image-*.tar")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := img.Write(tmp); err != nil {
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

// Write writes the image as an OCI image-layout tarball.
func (img *Image) Write(w io.Writer) error {
	if img.Ref == "" || !strings.Contains(img.Ref, "/") {
		return fmt.Errorf("image reference %q: want a full name such as localhost/NAME:TAG", img.Ref)
	}
	layerData, err := img.layer()
	if err != nil {
		return err
	}
	layer := newBlob(mediaLayer, layerData)

	type rootfs struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	}
	type execConfig struct {
		Env        []string `json:"Env,omitempty"`
		Entrypoint []string `json:"Entrypoint,omitempty"`
		Cmd        []string `json:"Cmd,omitempty"`
		WorkingDir string   `json:"WorkingDir,omitempty"`
	}
	cfgData, err := json.Marshal(struct {
		Created      time.Time  `json:"created"`
		Architecture string     `json:"architecture"`
		OS           string     `json:"os"`
		Config       execConfig `json:"config"`
		RootFS       rootfs     `json:"rootfs"`
	}{epoch, img.Arch, img.OS, execConfig{img.Env, img.Entrypoint, img.Cmd, "/"},
		// The layer is uncompressed, so its diff ID is its digest.
		rootfs{"layers", []string{layer.desc.Digest}}})
	if err != nil {
		return err
	}
	cfg := newBlob(mediaConfig, cfgData)

	manData, err := json.Marshal(struct {
		SchemaVersion int          `json:"schemaVersion"`
		MediaType     string       `json:"mediaType"`
		Config        descriptor   `json:"config"`
		Layers        []descriptor `json:"layers"`
	}{2, mediaManifest, cfg.desc, []descriptor{layer.desc}})
	if err != nil {
		return err
	}
	man := newBlob(mediaManifest, manData)
	man.desc.Annotations = map[string]string{annotationImageName: img.Ref, annotationRefName: tagOf(img.Ref)}

	indexData, err := json.Marshal(struct {
		SchemaVersion int          `json:"schemaVersion"`
		MediaType     string       `json:"mediaType"`
		Manifests     []descriptor `json:"manifests"`
	}{2, mediaIndex, []descriptor{man.desc}})
	if err != nil {
		return err
	}

	tw := tar.NewWriter(w)
	entries := []struct {
		name string
		data []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", indexData},
	}
	for _, b := range []blob{layer, cfg, man} {
		entries = append(entries, struct {
			name string
			data []byte
		}{"blobs/sha256/" + strings.TrimPrefix(b.desc.Digest, "sha256:"), b.data})
	}
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: epoch}); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: epoch}); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
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
		if p == "." || strings.HasPrefix(p, "../") {
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
		hdr := &tar.Header{Name: p, Mode: f.Mode, ModTime: epoch}
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
