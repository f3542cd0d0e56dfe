#!/usr/bin/env bash
# `make e2e`: installs what the e2e cluster needs, builds the Kubernetes
# binaries (cached in test/e2e/.bin), brings the cluster up, runs the e2e tests
# and always tears the cluster down. See docs/e2e.md.
#
# Usage: scripts/e2e.sh [--prepare]
#   --prepare  only install the packages and build the Kubernetes binaries (the
#              agent's integration tests use etcd and kube-apiserver too).
# Environment: E2E_STATE (default /var/tmp/seccompctl-e2e), E2E_BIN,
# E2E_PORT_BASE (see test/e2e/cluster/lib.sh), E2E_RUN (a go test -run regexp).
set -euo pipefail
prepare=false
case ${1:-} in
"") ;;
--prepare) prepare=true ;;
*) echo "usage: $0 [--prepare]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
export E2E_STATE=${E2E_STATE:-/var/tmp/seccompctl-e2e}
cluster=test/e2e/cluster

[[ $(id -u) == 0 ]] || { echo "e2e: must run as root (containerd, runc, kubelet)" >&2; exit 2; }

# Debian packages: etcd, containerd + runc, the CNI plugins, busybox for the images,
# redis for the image of the lifecycle test's server (lifecycle_test.go).
pkgs=(etcd-server containerd runc containernetworking-plugins busybox-static curl openssl iproute2 redis-server redis-tools)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "e2e: installing ${missing[*]}"
	# Packages must not start their services: the cluster runs its own containerd.
	policy=/usr/sbin/policy-rc.d
	own_policy=false
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=true
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
	$own_policy && rm -f "$policy"
fi
command -v kubectl >/dev/null || { echo "e2e: kubectl must be on PATH" >&2; exit 2; }

start=$SECONDS
"$cluster/build-k8s.sh"
built=$SECONDS
if $prepare; then
	exit 0
fi

# A cluster left over from an interrupted run would hold the ports.
"$cluster/down"

status=0
teardown() {
	if ((status != 0)); then
		echo "e2e: failed; the last lines of each component's log:" >&2
		for f in "$E2E_STATE"/logs/*.log; do
			[[ -f $f ]] || continue
			echo "--- $f" >&2
			tail -n 40 "$f" >&2
		done
	fi
	"$cluster/down" || true
}
trap teardown EXIT

upstart=$SECONDS
"$cluster/up" || status=$?
((status == 0)) || exit $status
up=$SECONDS
go test -tags e2e -count=1 -v -timeout 60m ${E2E_RUN:+-run "$E2E_RUN"} ./test/e2e/... || status=$?
echo "e2e: Kubernetes binaries $((built - start)) s, cluster up $((up - upstart)) s, tests $((SECONDS - up)) s"
exit $status
