#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubelet
# from the k8s.io/kubernetes version pinned in k8s/go.mod, into $E2E_BIN
# (default test/e2e/.bin). The binaries are kept between runs and rebuilt only
# when the pin (go.mod/go.sum), this script or the Go toolchain changes.
#
# A cold build compiles about 2,500 packages: several minutes on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${E2E_BIN:-$(cd "$here/.." && pwd)/.bin}
mod=$here/k8s
tools=(kube-apiserver kube-controller-manager kube-scheduler kubelet)

version=$(cd "$mod" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
stamp=$( { cat "$mod/go.mod" "$mod/go.sum" "${BASH_SOURCE[0]}"; go version; } | sha256sum | cut -c1-64)

have=true
for t in "${tools[@]}"; do [[ -x $bin/$t ]] || have=false; done
if $have && [[ -f $bin/.stamp && $(<"$bin/.stamp") == "$stamp" ]]; then
	echo "build-k8s: $version binaries up to date in $bin"
	exit 0
fi

# vMAJOR.MINOR.PATCH → gitMajor/gitMinor, which kubectl and the kubelet's
# version skew checks parse; an unset version reads v0.0.0-master+$Format:%H$.
[[ $version =~ ^v([0-9]+)\.([0-9]+)\. ]] || { echo "build-k8s: cannot parse version $version" >&2; exit 2; }
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
	ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

mkdir -p "$bin"
rm -f "$bin/.stamp"
echo "build-k8s: building Kubernetes $version (${tools[*]}) into $bin"
start=$SECONDS
# One go build for all four shares the compile of their common packages.
(cd "$mod" && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$bin/" tool)
echo "$stamp" >"$bin/.stamp"
echo "build-k8s: built in $((SECONDS - start)) s"
