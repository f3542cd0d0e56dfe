#!/usr/bin/env bash
# Builds the kubectl-seccomp archives for the krew manifest and writes the manifest
# with their version, URIs and sha256 sums: bin/krew/. Usage: scripts/krew.sh VERSION LDFLAGS
set -euo pipefail
version=$1 ldflags=$2
out=bin/krew
mkdir -p "$out"
manifest=$(sed "s/v0\.0\.0/$version/g" deploy/krew/seccomp.yaml)
for arch in amd64 arm64; do
	dir=$(mktemp -d)
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "$dir/kubectl-seccomp" ./cmd/seccompctl
	# Fixed owner, order and time: the same tree gives the same archive.
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$dir" -cf - kubectl-seccomp | gzip -n -9 >"$out/kubectl-seccomp_linux_$arch.tar.gz"
	rm -rf "$dir"
	sum=$(sha256sum "$out/kubectl-seccomp_linux_$arch.tar.gz" | cut -d' ' -f1)
	# Each platform's sha256 line follows its uri line.
	manifest=$(printf '%s\n' "$manifest" | awk -v a="linux_$arch" -v s="$sum" '
		index($0, "kubectl-seccomp_" a ".tar.gz") { print; getline; sub(/"0+"/, "\"" s "\"") } { print }')
done
printf '%s\n' "$manifest" >"$out/seccomp.yaml"
echo "$out/seccomp.yaml"
