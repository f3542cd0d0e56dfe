# Shared settings of the e2e cluster scripts (sourced by up, down and env).
# Everything the cluster owns lives under $E2E_STATE; every port is on 127.0.0.1.

e2e_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_STATE=${E2E_STATE:-/var/tmp/seccompctl-e2e}
E2E_BIN=${E2E_BIN:-$(cd "$e2e_here/.." && pwd)/.bin}
# Ports are E2E_PORT_BASE + 0..8, so that several control planes (each with its
# own E2E_STATE) can run side by side; a full cluster with a kubelet cannot.
E2E_PORT_BASE=${E2E_PORT_BASE:-23790}

port_etcd=$((E2E_PORT_BASE + 0))
port_etcd_peer=$((E2E_PORT_BASE + 1))
port_etcd_metrics=$((E2E_PORT_BASE + 2))
port_apiserver=$((E2E_PORT_BASE + 3))
port_kcm=$((E2E_PORT_BASE + 4))
port_scheduler=$((E2E_PORT_BASE + 5))
port_kubelet=$((E2E_PORT_BASE + 6))
port_kubelet_healthz=$((E2E_PORT_BASE + 7))
# Not used by the cluster: the port the e2e tests give the node agent.
port_agent=$((E2E_PORT_BASE + 8))

node_name=localhost
# The pod network: a host bridge without an address (isGateway false) and no
# masquerading, so the host's routes and iptables stay untouched.
bridge=scctl-e2e0
pod_subnet=10.213.0.0/24
service_cidr=10.214.0.0/24

# Images imported into containerd's k8s.io namespace by the image builder.
image_pause=localhost/seccompctl-e2e/pause:1
image_busybox=localhost/seccompctl-e2e/busybox:1
image_agent=localhost/seccompctl-e2e/seccompctl:dev

run=$E2E_STATE/run
logs=$E2E_STATE/logs
pki=$E2E_STATE/pki
ctrd=$E2E_STATE/containerd
ctrd_sock=$ctrd/containerd.sock
kubelet_root=$E2E_STATE/kubelet
seccomp_dir=$kubelet_root/seccomp

# Paths outside $E2E_STATE that containerd, CNI and the kubelet write to no
# matter how they are configured. `up` notes which of them it created so that
# `down` removes those and only those.
host_paths=(/run/containerd /run/netns /run/runc /var/lib/cni /var/log/containers /var/log/pods
	/var/lib/kubelet/device-plugins /var/lib/kubelet)

log() { echo "e2e-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

# alive NAME: the process recorded in run/NAME.pid is running.
alive() {
	local f=$run/$1.pid pid
	[[ -f $f ]] || return 1
	pid=$(<"$f")
	[[ -n $pid && -d /proc/$pid ]] || return 1
	# A recycled pid would belong to another program.
	[[ $(tr '\0' ' ' 2>/dev/null </proc/"$pid"/cmdline) == *"$E2E_STATE"* ]]
}

# stop_pid PID [NAME]: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		[[ -d /proc/$pid ]] || return 0
		# A zombie of ours still has a /proc entry.
		[[ $(awk '/^State:/{print $2}' /proc/"$pid"/status 2>/dev/null) == Z ]] && return 0
		sleep 0.1
	done
	log "${2:-pid $pid} ignored SIGTERM, killing"
	kill -KILL "$pid" 2>/dev/null || true
}
