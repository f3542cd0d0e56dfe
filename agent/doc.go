// Package agent is the node agent: it watches labelled ConfigMaps and installs the
// seccomp profiles they hold into the kubelet's seccomp directory, atomically and
// touching only files it owns, and reports what each node holds.
package agent
