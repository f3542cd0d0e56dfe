// Package e2e holds the end-to-end tests of seccompctl against a real
// single-node Kubernetes (test/e2e/cluster). They are built only with the
// `e2e` build tag; see docs/e2e.md for how to run them.
package e2e
