// Package heldout holds the held-out test of profile completion: real programs from
// Debian packages are recorded during a small training use, then driven through their
// less common operations under the recorded profile, with and without static
// completion (docs/completion.md).
package heldout
