// Package lint checks seccomp profiles against a catalogue of rules with stable IDs
// (SC1001...), and writes findings as text, JSON or SARIF 2.1.0.
package lint
