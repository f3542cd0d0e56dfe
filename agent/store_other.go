//go:build !linux

package agent

import (
	"fmt"

	"github.com/seccompctl/seccompctl/syscalls"
)

var errNotSupported = fmt.Errorf("the node agent needs Linux: %w", syscalls.ErrNotSupported)

// Store installs files into one directory; only Linux is supported.
type Store struct{}

func OpenStore(base, dir string) (*Store, error)                  { return nil, errNotSupported }
func (s *Store) Path() string                                     { return "" }
func (s *Store) Close() error                                     { return nil }
func (s *Store) Owned() map[string]Owned                          { return nil }
func (s *Store) Claim(map[string]Owned) (map[string]error, error) { return nil, errNotSupported }
func (s *Store) Current(name, sha string) bool                    { return false }
func (s *Store) Write(name string, b []byte) error                { return errNotSupported }
func (s *Store) Remove(name string) error                         { return errNotSupported }
func (s *Store) SyncDir() error                                   { return errNotSupported }
func (s *Store) Save() error                                      { return errNotSupported }
func (s *Store) List() []string                                   { return nil }
