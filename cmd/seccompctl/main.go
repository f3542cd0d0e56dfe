// Command seccompctl discovers, generates, checks, tests and ships seccomp profiles for
// Kubernetes containers. Run `seccompctl --help` for the verbs.
package main

import (
	"os"

	"github.com/seccompctl/seccompctl/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
