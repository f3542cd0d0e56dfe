// Package outfile writes the files a user names on the command line (-o, fmt -w,
// k8s patch -i) without surprising them: a regular file is replaced atomically and
// keeps its mode and owner, a symbolic link is followed and its target written, a
// character device or FIFO is written through, and anything else is refused.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Write puts data at path. For a regular file (or a new one) it writes a temporary
// file in the same directory, syncs it and renames it over path, so a reader sees the
// old or the new content, never a part; an existing file keeps its mode and owner, a
// new one gets perm. A symbolic link is resolved and its target written, the link
// kept. A character device (/dev/null, /dev/stdout) or a FIFO is opened and written,
// never replaced: renaming over /dev/null as root would break the whole machine.
// Directories, block devices and sockets are refused.
//
// Errors read "writing PATH: reason", PATH as the caller gave it.
func Write(path string, data []byte, perm fs.FileMode) error {
	target, fi, err := resolve(path)
	if err == nil {
		if fi != nil && !fi.Mode().IsRegular() {
			err = writeThrough(target, fi, data)
		} else {
			err = replace(target, fi, data, perm)
		}
	}
	if err != nil {
		// The os errors name the temporary file or the link's target; say the
		// path the user named once, with the reason.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// resolve follows path's symbolic links. It returns the file to write and its
// information, nil when it does not exist yet.
func resolve(path string) (string, fs.FileInfo, error) {
	lfi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	if lfi.Mode()&fs.ModeSymlink == 0 {
		return path, lfi, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// The link's last element may name a file yet to be made; the directories on
		// the way must exist.
		dest, rerr := os.Readlink(path)
		if rerr != nil {
			return "", nil, rerr
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		if l, lerr := os.Lstat(dest); lerr == nil && l.Mode()&fs.ModeSymlink != 0 {
			return "", nil, fmt.Errorf("a symbolic link to a missing file through another link (%s): name the final path instead", dest)
		}
		return dest, nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	fi, err := os.Stat(target)
	if err != nil {
		return "", nil, err
	}
	return target, fi, nil
}

func writeThrough(target string, fi fs.FileInfo, data []byte) error {
	m := fi.Mode()
	switch {
	case m.IsDir():
		return errors.New("is a directory: name a file to write")
	case m&fs.ModeCharDevice != 0, m&fs.ModeNamedPipe != 0:
	default:
		return fmt.Errorf("not a regular file, character device or FIFO (%v): refusing to write it", m.Type())
	}
	f, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func replace(path string, old fs.FileInfo, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	fail := func(err error) error {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	mode := perm
	if old != nil {
		mode = old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		if st, ok := old.Sys().(*syscall.Stat_t); ok {
			if err := keepOwner(f, int(st.Uid), int(st.Gid)); err != nil {
				return fail(fmt.Errorf("keeping its owner %d:%d: %w (write it as that user or as root)", st.Uid, st.Gid, err))
			}
		}
	}
	// Chmod after chown: chown clears the setuid and setgid bits.
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// keepOwner gives the temporary file the replaced file's owner, when it differs.
func keepOwner(f *os.File, uid, gid int) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (int(st.Uid) == uid && int(st.Gid) == gid) {
		return nil
	}
	return f.Chown(uid, gid)
}
