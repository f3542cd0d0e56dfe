package agent

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/seccompctl/seccompctl/kube"
)

// Store installs files into one directory and remembers which ones it owns. Every
// operation goes through a descriptor of that directory with O_NOFOLLOW, so a symlink
// planted inside it is never followed, and names are single components checked by
// kube.ValidProfileName.
type Store struct {
	path string
	dir  *os.File

	mu    sync.Mutex
	owned map[string]Owned
	// stats remembers what each owned file looked like when last read or written, so a
	// sync can skip re-reading unchanged files.
	stats map[string]fileStat
}

type fileStat struct {
	ino, size uint64
	mtime     unix.Timespec
	ctime     unix.Timespec
	sha256    string
}

// OpenStore opens (creating if needed) dir below base: base must exist (the kubelet's
// seccomp directory, which may itself be reached through symlinks), and each
// component of dir is created or opened without following symlinks. It loads the
// ownership record and removes temporary files a crash left behind.
func OpenStore(base, dir string) (*Store, error) {
	if err := kube.ValidDir(dir); err != nil {
		return nil, err
	}
	fd, err := unix.Open(base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", base, err)
	}
	for _, c := range strings.Split(dir, "/") {
		if err := unix.Mkdirat(fd, c, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			unix.Close(fd)
			return nil, fmt.Errorf("creating %s: %w", filepath.Join(base, dir), err)
		}
		next, err := unix.Openat(fd, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
				return nil, fmt.Errorf("%s: %w", filepath.Join(base, dir), ErrNotRegular)
			}
			return nil, fmt.Errorf("opening %s: %w", filepath.Join(base, dir), err)
		}
		fd = next
	}
	s := &Store{
		path:  filepath.Join(base, dir),
		dir:   os.NewFile(uintptr(fd), filepath.Join(base, dir)),
		owned: map[string]Owned{},
		stats: map[string]fileStat{},
	}
	if err := s.load(); err != nil {
		s.dir.Close()
		return nil, err
	}
	if err := s.removeTemps(); err != nil {
		s.dir.Close()
		return nil, err
	}
	return s, nil
}

// Path is the directory the store installs into.
func (s *Store) Path() string { return s.path }

// Close releases the directory.
func (s *Store) Close() error { return s.dir.Close() }

func (s *Store) fd() int { return int(s.dir.Fd()) }

func (s *Store) load() error {
	data, err := s.readFile(recordName)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading ownership record %s: %w", filepath.Join(s.path, recordName), err)
	}
	var r ownershipRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("ownership record %s is corrupt (remove it to start over; the agent then owns nothing): %w",
			filepath.Join(s.path, recordName), err)
	}
	for name, o := range r.Files {
		// A record edited by hand must not make the agent touch other names.
		if kube.ValidProfileName(name) == nil {
			s.owned[name] = o
		}
	}
	return nil
}

func (s *Store) removeTemps() error {
	names, err := s.names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if !strings.HasPrefix(n, tempPrefix) {
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstatat(s.fd(), n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		if err := unix.Unlinkat(s.fd(), n, 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("removing leftover %s: %w", n, err)
		}
	}
	return nil
}

func (s *Store) names() ([]string, error) {
	d, err := unix.Openat(s.fd(), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(d), s.path)
	defer f.Close()
	return f.Readdirnames(-1)
}

// Owned returns a copy of the ownership record.
func (s *Store) Owned() map[string]Owned {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Owned, len(s.owned))
	for k, v := range s.owned {
		out[k] = v
	}
	return out
}

// Claim adds names to the ownership record and saves it, before their files are
// written: a crash in between leaves a record that names a missing file, which is
// harmless, never a file the agent would later refuse as someone else's. A name held
// by a file the agent does not own is refused; the error for it is returned by name.
func (s *Store) Claim(claims map[string]Owned) (map[string]error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	refused := map[string]error{}
	changed := false
	for name, o := range claims {
		if err := kube.ValidProfileName(name); err != nil {
			refused[name] = err
			continue
		}
		cur, ok := s.owned[name]
		if ok && cur.Source == o.Source {
			continue
		}
		if !ok {
			if err := s.checkFree(name); err != nil {
				refused[name] = err
				continue
			}
		}
		changed = true
		s.owned[name] = Owned{SHA256: cur.SHA256, Source: o.Source}
	}
	if !changed {
		return refused, nil
	}
	return refused, s.saveLocked()
}

// checkFree reports whether name is absent (so the agent may create it).
func (s *Store) checkFree(name string) error {
	var st unix.Stat_t
	err := unix.Fstatat(s.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case err != nil:
		return err
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return ErrNotRegular
	}
	return ErrNotOwned
}

// Current reports whether the owned file name holds data with digest sha.
func (s *Store) Current(name, sha string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st unix.Stat_t
	if err := unix.Fstatat(s.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false
	}
	if fs, ok := s.stats[name]; ok && fs.sha256 == sha && fs.same(&st) {
		return true
	}
	data, err := s.readFile(name)
	if err != nil {
		return false
	}
	got := sum(data)
	s.stats[name] = statOf(&st, got)
	return got == sha
}

func statOf(st *unix.Stat_t, sha string) fileStat {
	return fileStat{ino: st.Ino, size: uint64(st.Size), mtime: st.Mtim, ctime: st.Ctim, sha256: sha}
}

func (f fileStat) same(st *unix.Stat_t) bool {
	return f.ino == st.Ino && f.size == uint64(st.Size) && f.mtime == st.Mtim && f.ctime == st.Ctim
}

// Write atomically replaces the owned file name with data: a temporary file in the
// same directory, fsync, rename over the name. A reader sees the old content or the
// new, never a part. The rename is durable once SyncDir has run. The name must have
// been claimed. Writes of different names may run concurrently.
func (s *Store) Write(name string, data []byte) error {
	s.mu.Lock()
	o, ok := s.owned[name]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: %w", name, ErrNotOwned)
	}
	var st unix.Stat_t
	err := unix.Fstatat(s.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == nil && st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%s: %w", name, ErrNotRegular)
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	tmp, err := s.tempName(name)
	if err != nil {
		return err
	}
	fd, err := unix.Openat(s.fd(), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return fmt.Errorf("creating temporary file for %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), tmp)
	renamed := false
	defer func() {
		if !renamed {
			unix.Unlinkat(s.fd(), tmp, 0)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	// The umask may have narrowed the mode; a predictable one makes the files easy to
	// inspect.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	// Without this a crash after the rename could leave an empty file under the name.
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("syncing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := unix.Renameat(s.fd(), tmp, s.fd(), name); err != nil {
		return fmt.Errorf("renaming into place %s: %w", name, err)
	}
	renamed = true
	sha := sum(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owned[name] = Owned{SHA256: sha, Source: o.Source}
	if err := unix.Fstatat(s.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
		s.stats[name] = statOf(&st, sha)
	}
	return nil
}

// SyncDir makes the renames and removals so far durable (fsync of the directory), once
// for a whole batch.
func (s *Store) SyncDir() error {
	if err := unix.Fsync(s.fd()); err != nil {
		return fmt.Errorf("syncing directory %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) tempName(name string) (string, error) {
	var b [6]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		return "", err
	}
	// Keep the whole name within NAME_MAX whatever the profile's name length.
	short := name
	if len(short) > 200 {
		short = short[:200]
	}
	return tempPrefix + short + "." + hex.EncodeToString(b[:]), nil
}

// Remove deletes the owned file name and forgets it (durable after SyncDir). A name that is no longer a
// regular file (someone replaced it with a symlink or directory) is forgotten but left
// alone.
func (s *Store) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.owned[name]; !ok {
		return fmt.Errorf("%s: %w", name, ErrNotOwned)
	}
	var st unix.Stat_t
	err := unix.Fstatat(s.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	var keepErr error
	switch {
	case errors.Is(err, unix.ENOENT):
	case err != nil:
		return err
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		keepErr = fmt.Errorf("%s: left in place: %w", name, ErrNotRegular)
	default:
		if err := unix.Unlinkat(s.fd(), name, 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("removing %s: %w", name, err)
		}
	}
	delete(s.owned, name)
	delete(s.stats, name)
	if err := s.saveLocked(); err != nil {
		return err
	}
	return keepErr
}

// Save writes the ownership record (digests included) atomically.
func (s *Store) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Store) saveLocked() error {
	r := ownershipRecord{Version: 1, Files: s.owned}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if cur, err := s.readFile(recordName); err == nil && bytes.Equal(cur, data) {
		return nil
	}
	tmp, err := s.tempName(recordName[1:])
	if err != nil {
		return err
	}
	fd, err := unix.Openat(s.fd(), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return fmt.Errorf("writing ownership record: %w", err)
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = unix.Renameat(s.fd(), tmp, s.fd(), recordName)
	}
	if werr != nil {
		unix.Unlinkat(s.fd(), tmp, 0)
		return fmt.Errorf("writing ownership record: %w", werr)
	}
	return unix.Fsync(s.fd())
}

// readFile reads name inside the directory without following a symlink.
func (s *Store) readFile(name string) ([]byte, error) {
	fd, err := unix.Openat(s.fd(), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return nil, ErrNotRegular
		}
		if errors.Is(err, unix.ENOENT) {
			return nil, os.ErrNotExist
		}
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	return io.ReadAll(f)
}

// List returns the owned names, sorted.
func (s *Store) List() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.owned))
	for n := range s.owned {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
