package agent

import (
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/seccompctl/seccompctl/agent/internal/controlplane"
)

// APIServerEnv gives the external tests of this directory (which may import the CLI,
// which imports this package) the shared control plane, an admin client, a fresh
// namespace holding the agent's install objects, and a kubeconfig of the agent's
// ServiceAccount.
func APIServerEnv(t *testing.T) (cp *controlplane.ControlPlane, admin kubernetes.Interface, agentNS, agentKubeconfig string) {
	e := newEnv(t, controlPlane(t))
	return e.cp, e.admin, e.ns, e.kubeconfig
}

// SyscallChildEnv is syscallChildEnv, for the external recording tests.
const SyscallChildEnv = syscallChildEnv

// ProcStatusKB is a kB field of this process's /proc/self/status, in bytes.
var ProcStatusKB = procStatusKB
