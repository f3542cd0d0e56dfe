package agent

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seccompctl/seccompctl/kube"
	"github.com/seccompctl/seccompctl/monitor"
	"github.com/seccompctl/seccompctl/profile"
)

// TestAPIServerPromotedDropsLogged: the agent installs a complain-mode profile, keeps
// what is logged under it, and when the ConfigMap is promoted in place (as 'k8s promote
// --apply' does) and the enforcing profile is installed, drops that profile's logged
// entries, in memory, in the status Lease and in the state file; another profile's
// entries stay.
func TestAPIServerPromotedDropsLogged(t *testing.T) {
	e := newEnv(t, controlPlane(t))
	r := e.start()
	ctx := context.Background()

	enforcing := profile.RuntimeDefault()
	for i := range enforcing.Syscalls {
		enforcing.Syscalls[i].Names = slices.DeleteFunc(enforcing.Syscalls[i].Names, func(n string) bool { return n == "uname" })
	}
	complain, enforced, err := kube.Complain(enforcing)
	if err != nil {
		t.Fatal(err)
	}
	complainData, err := complain.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cm, err := kube.ConfigMap(kube.ConfigMapOptions{Name: "web", Namespace: e.ns, Complain: map[string]kube.Enforced{"web.json": enforced},
		ComplainSince: time.Now()}, []kube.ProfileFile{{Key: "web.json", Data: complainData}})
	if err != nil {
		t.Fatal(err)
	}
	e.create(cm)
	e.waitFile("web.json", string(complainData))

	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	v := monitor.Violation{Time: at, Arch: "x86_64", Syscall: "uname", Action: "SCMP_ACT_LOG",
		Container: monitor.Container{Namespace: "shop", Pod: "web-1", Name: "app", Profile: filepath.Join(e.dir, "web.json")}}
	r.a.ObserveViolation(v)
	other := v
	other.Profile, other.Syscall = filepath.Join(e.dir, "db.json"), "getcwd"
	r.a.ObserveViolation(other)
	logged := func(profile string) (int, []string) {
		nodes, err := ReadLogged(ctx, e.admin, e.ns)
		if err != nil {
			t.Fatal(err)
		}
		var states []LoggedState
		var complain []string
		for _, n := range nodes {
			states = append(states, n.State)
			complain = append(complain, n.State.Complain...)
		}
		got, _ := AggregateLogged(states, profile)
		return len(got), complain
	}
	eventually(t, "uname logged under web.json in the status Lease", func() (bool, string) {
		n, complain := logged("web.json")
		return n == 1 && slices.Equal(complain, []string{"web.json"}), fmt.Sprintf("%d entries, complain-mode profiles %v", n, complain)
	})

	// An enforcing version the agent refuses (it denies everything, so no runtime can
	// start a container) leaves the complain-mode one installed, and its entries.
	cur, err := e.admin.CoreV1().ConfigMaps(e.ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.update(kube.Enforce(cur, "web.json", []byte(`{"defaultAction":"SCMP_ACT_ERRNO"}`)))
	eventually(t, "the refused version in the status Lease", func() (bool, string) {
		_, _, rej := e.lease("node-" + e.ns)
		return len(rej) == 1 && rej[0].Key == "web.json", fmt.Sprintf("rejected %+v", rej)
	})
	if n, complain := logged("web.json"); n != 1 || !slices.Equal(complain, []string{"web.json"}) {
		t.Fatalf("after a refused enforcing version: %d entries, complain-mode %v; want the entry kept, still in complain mode", n, complain)
	}
	e.waitFile("web.json", string(complainData))

	// Promote in place: the same object, enforcing data, no complain metadata.
	cur, err = e.admin.CoreV1().ConfigMaps(e.ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	enforcing.Syscalls = append(enforcing.Syscalls, profile.Rule{Names: []string{"uname"}, Action: profile.ActAllow})
	enforcingData, err := enforcing.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	e.update(kube.Enforce(cur, "web.json", enforcingData))
	e.waitFile("web.json", string(enforcingData))
	eventually(t, "web.json's entries dropped from the status Lease", func() (bool, string) {
		n, complain := logged("web.json")
		dbN, _ := logged("db.json")
		return n == 0 && dbN == 1 && len(complain) == 0, fmt.Sprintf("web.json %d entries, db.json %d, complain-mode %v", n, dbN, complain)
	})

	// The state file holds the drop: a restarted agent does not bring the entries back.
	r.stop()
	r = e.start()
	st := r.a.Logged()
	if len(st.Entries) != 1 || st.Entries[0].Profile != "db.json" || len(st.Complain) != 0 {
		t.Errorf("after a restart the agent keeps %s; want db.json's entry only", mustJSON(st))
	}
}
