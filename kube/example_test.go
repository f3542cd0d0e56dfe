package kube_test

import (
	"fmt"

	"github.com/seccompctl/seccompctl/kube"
)

func ExamplePatch() {
	manifest := []byte(`apiVersion: v1
kind: Pod
metadata:
  name: web # the server
spec:
  containers:
  - name: app
    image: busybox
`)
	res, err := kube.Patch(manifest, kube.PatchOptions{
		Type:             kube.TypeLocalhost,
		LocalhostProfile: kube.LocalhostProfile(kube.DefaultDir, kube.ProfileKey("build/web.json")),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(res.Data))
	fmt.Println(res.Targets)
	// Output:
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web # the server
	// spec:
	//   containers:
	//   - name: app
	//     image: busybox
	//   securityContext:
	//     seccompProfile:
	//       type: Localhost
	//       localhostProfile: profiles/web.json
	// [Pod/web]
}

func ExampleConfigMap() {
	cm, err := kube.ConfigMap(kube.ConfigMapOptions{Name: "web-profiles"}, []kube.ProfileFile{
		{Key: "web.json", Data: []byte(`{"defaultAction": "SCMP_ACT_ERRNO"}`)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := kube.Marshal(cm)
	fmt.Print(string(out))
	// Output:
	// apiVersion: v1
	// kind: ConfigMap
	// metadata:
	//   name: web-profiles
	//   namespace: seccompctl-system
	//   labels:
	//     app.kubernetes.io/managed-by: seccompctl
	//     seccompctl.io/profiles: "true"
	// data:
	//   web.json: '{"defaultAction": "SCMP_ACT_ERRNO"}'
}

func ExampleValidProfileName() {
	for _, name := range []string{"web.json", ".hidden.json", "a..b.json", "x/y.json"} {
		fmt.Println(name, kube.ValidProfileName(name) == nil)
	}
	// Output:
	// web.json true
	// .hidden.json false
	// a..b.json false
	// x/y.json false
}
