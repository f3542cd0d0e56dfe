package record

import "github.com/seccompctl/seccompctl/internal/launch"

// HelperVerb is the hidden first argument that makes the seccompctl binary run as the
// launcher of ptrace mode (internal/launch): the program that records must call
// RunHelper when its os.Args[1] is HelperVerb.
//
// Go cannot run code between fork and exec, and a seccomp filter applies to the thread
// that loads it. So the recorder starts its own binary with this verb; the launcher
// waits until the recorder has attached with ptrace, loads a filter answering every
// syscall with SECCOMP_RET_TRACE on its main thread, and executes the command from
// that same thread. The recorder ignores everything before the command's execve.
const HelperVerb = launch.Verb

// RunHelper is the launcher's body. It returns only on failure, with the exit status
// to use (see internal/launch).
func RunHelper() int { return launch.Main() }
