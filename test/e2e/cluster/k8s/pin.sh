#!/usr/bin/env bash
# Moves the Kubernetes pin of the e2e cluster: rewrites go.mod for
# k8s.io/kubernetes VERSION, with a replace line for each staging module that
# release's own go.mod points at ./staging, then tidies go.sum.
#
# Usage: test/e2e/cluster/k8s/pin.sh v1.32.4
# Kubelets from 1.35 on refuse cgroup v1 hosts unless the KubeletConfiguration
# says failCgroupV1: false (see docs/e2e.md).
set -euo pipefail
version=${1:-}
if [[ ! $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]]; then
	echo "usage: $0 v1.MINOR.PATCH" >&2
	exit 2
fi
staging=v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
cd "$(dirname "${BASH_SOURCE[0]}")"

upstream=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
[[ -f $upstream ]] || { echo "pin: could not download k8s.io/kubernetes $version" >&2; exit 1; }
mapfile -t modules < <(sed -n 's#^\s*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$upstream" | sort -u)
((${#modules[@]} > 0)) || { echo "pin: no staging modules in $upstream" >&2; exit 1; }

{
	echo '// Tools module: builds the Kubernetes control plane and kubelet used by the'
	echo '// end-to-end cluster. The k8s.io/kubernetes version below is the one pin;'
	echo '// every staging module is replaced by its v0.MINOR.PATCH twin of that release.'
	echo '// Written by pin.sh.'
	echo 'module github.com/seccompctl/seccompctl/test/e2e/cluster/k8s'
	echo
	echo 'go 1.26.0'
	echo
	echo 'tool ('
	for t in kube-apiserver kube-controller-manager kube-scheduler kubelet; do
		echo "	k8s.io/kubernetes/cmd/$t"
	done
	echo ')'
	echo
	echo "require k8s.io/kubernetes $version"
	echo
	echo 'replace ('
	for m in "${modules[@]}"; do echo "	$m => $m $staging"; done
	echo ')'
} >go.mod.new
mv go.mod.new go.mod
rm -f go.sum
go mod tidy
echo "pin: k8s.io/kubernetes $version with ${#modules[@]} staging modules at $staging"
