// Package profile reads, validates, writes and converts seccomp profiles in the
// Docker/moby JSON format, its YAML spelling and Security Profiles Operator resources.
package profile
