//go:build !linux

package cli

func kernelRelease() string { return "" }
