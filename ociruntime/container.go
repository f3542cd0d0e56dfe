package ociruntime

import (
	"time"

	"github.com/seccompctl/seccompctl/profile"
)

// ContainerOptions describe a container to start under a profile.
type ContainerOptions struct {
	// Runtime is "runc" or "crun".
	Runtime string
	// Profile is the seccomp profile; it is resolved for Caps and this machine.
	Profile *profile.Profile
	// Args is the container's command.
	Args []string
	// Rootfs is the container's root filesystem; empty means a directory holding only a
	// static busybox (from Debian's busybox-static), with an applet link for Args[0].
	Rootfs string
	// NoNewPrivs sets process.noNewPrivileges.
	NoNewPrivs bool
	// Caps is the container's capability set; nil means profile.DefaultCaps().
	Caps []string
	// Timeout bounds the run; zero means 30 seconds.
	Timeout time.Duration
}

// ContainerResult says how the container run went.
type ContainerResult struct {
	// Runtime is the runtime and its version ("runc 1.1.5").
	Runtime string `json:"runtime"`
	// Started is false when the runtime failed before the command ran.
	Started  bool   `json:"started"`
	ExitCode int    `json:"exitCode"`
	Signal   string `json:"signal,omitempty"`
	// Error is the runtime's last error line, or why the run was stopped.
	Error string `json:"error,omitempty"`
	// Output is what the runtime and the command printed.
	Output string `json:"output,omitempty"`
}
