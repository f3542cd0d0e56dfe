// Package monitor turns SECCOMP audit records into violations attributed to Kubernetes
// containers (pid → container ID from /proc/PID/cgroup → pod, namespace and container
// from the CRI runtime), counts them for Prometheus, and suggests the profile change
// that would have allowed what was denied.
package monitor
