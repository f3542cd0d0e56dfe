// Package kube generates the Kubernetes manifests that ship seccomp profiles: ConfigMaps
// the node agent installs from, Security Profiles Operator resources, workload patches
// that point pods at a profile, and the agent's own install manifests.
package kube
