package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Errors of attribution.
var (
	// ErrNotContainer: the process is not in a container's cgroup.
	ErrNotContainer = errors.New("not in a container")
)

// Container is what the runtime knows about a container.
type Container struct {
	ID        string `json:"containerID,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	PodUID    string `json:"podUID,omitempty"`
	Name      string `json:"container,omitempty"`
	// Profile is the Localhost seccomp profile the container was started with, as the
	// kubelet resolved it (an absolute path on the node), when the runtime reports it.
	Profile string `json:"profile,omitempty"`
	// ProfileType is Localhost, RuntimeDefault or Unconfined, when known.
	ProfileType string `json:"profileType,omitempty"`
}

// Resolver finds the pod a container belongs to.
type Resolver interface {
	Resolve(ctx context.Context, containerID string) (Container, error)
}

// CRI labels the kubelet sets on every container.
const (
	labelPodName      = "io.kubernetes.pod.name"
	labelPodNamespace = "io.kubernetes.pod.namespace"
	labelPodUID       = "io.kubernetes.pod.uid"
	labelContainer    = "io.kubernetes.container.name"
)

// CRIResolver asks the container runtime over its CRI socket (containerd, CRI-O).
// Answers are cached: a container's pod never changes.
type CRIResolver struct {
	conn   *grpc.ClientConn
	client runtimeapi.RuntimeServiceClient

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	c       Container
	err     error
	expires time.Time
}

// NewCRIResolver connects to the CRI socket at endpoint ("unix:///run/containerd/containerd.sock"
// or a plain path). The connection is made lazily, on first use.
func NewCRIResolver(endpoint string) (*CRIResolver, error) {
	if !strings.Contains(endpoint, "://") {
		endpoint = "unix://" + endpoint
	}
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("CRI endpoint %s: %w", endpoint, err)
	}
	return &CRIResolver{conn: conn, client: runtimeapi.NewRuntimeServiceClient(conn), cache: map[string]cached{}}, nil
}

// Close closes the connection.
func (r *CRIResolver) Close() error { return r.conn.Close() }

// Resolve returns the container's pod, namespace, name and seccomp profile.
func (r *CRIResolver) Resolve(ctx context.Context, id string) (Container, error) {
	now := time.Now()
	r.mu.Lock()
	if c, ok := r.cache[id]; ok && now.Before(c.expires) {
		r.mu.Unlock()
		return c.c, c.err
	}
	r.mu.Unlock()
	c, err := r.resolve(ctx, id)
	ttl := 10 * time.Minute
	if err != nil {
		// The runtime may not know a container yet, or be restarting: ask again soon.
		ttl = 5 * time.Second
	}
	r.mu.Lock()
	if len(r.cache) > 4096 {
		for k, v := range r.cache {
			if now.After(v.expires) {
				delete(r.cache, k)
			}
		}
	}
	r.cache[id] = cached{c: c, err: err, expires: now.Add(ttl)}
	r.mu.Unlock()
	return c, err
}

func (r *CRIResolver) resolve(ctx context.Context, id string) (Container, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := r.client.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id, Verbose: true})
	if err != nil {
		// The pause container of a sandbox is not a container to the CRI.
		sb, serr := r.client.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id})
		if serr == nil && sb.GetStatus() != nil {
			md := sb.GetStatus().GetMetadata()
			return Container{ID: id, Namespace: md.GetNamespace(), Pod: md.GetName(), PodUID: md.GetUid(), Name: "POD"}, nil
		}
		return Container{ID: id}, fmt.Errorf("container %.12s: %w", id, err)
	}
	st := resp.GetStatus()
	l := st.GetLabels()
	c := Container{
		ID:        id,
		Namespace: l[labelPodNamespace],
		Pod:       l[labelPodName],
		PodUID:    l[labelPodUID],
		Name:      l[labelContainer],
	}
	if c.Name == "" {
		c.Name = st.GetMetadata().GetName()
	}
	c.ProfileType, c.Profile = seccompFromInfo(resp.GetInfo())
	return c, nil
}

// seccompFromInfo reads the seccomp profile from the runtime's verbose info: containerd
// puts the CRI container config there as JSON under "info".
func seccompFromInfo(info map[string]string) (typ, path string) {
	raw, ok := info["info"]
	if !ok {
		return "", ""
	}
	var v struct {
		Config struct {
			Linux struct {
				SecurityContext struct {
					Seccomp *struct {
						ProfileType  any    `json:"profile_type"`
						LocalhostRef string `json:"localhost_ref"`
					} `json:"seccomp"`
					SeccompProfilePath string `json:"seccomp_profile_path"`
				} `json:"security_context"`
			} `json:"linux"`
		} `json:"config"`
	}
	if json.Unmarshal([]byte(raw), &v) != nil {
		return "", ""
	}
	sc := v.Config.Linux.SecurityContext
	if s := sc.Seccomp; s != nil {
		switch fmt.Sprint(s.ProfileType) {
		case "0", "RuntimeDefault", "<nil>":
			if s.LocalhostRef != "" {
				return "Localhost", s.LocalhostRef
			}
			return "RuntimeDefault", ""
		case "1", "Unconfined":
			return "Unconfined", ""
		case "2", "Localhost":
			return "Localhost", s.LocalhostRef
		}
	}
	if p, ok := strings.CutPrefix(sc.SeccompProfilePath, "localhost/"); ok {
		return "Localhost", p
	}
	return "", ""
}
