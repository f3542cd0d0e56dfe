package ociruntime

import (
	"fmt"
	"strings"
	"sync"
)

// Feature says whether a runtime accepts one profile construct: a busybox container was
// started under a profile using it (ociruntime/measure -features).
type Feature struct {
	Runtime string `json:"runtime"`
	Version string `json:"version"`
	// Construct names what was tried: "action SCMP_ACT_NOTIFY", "defaultAction
	// SCMP_ACT_LOG", "flag SECCOMP_FILTER_FLAG_LOG", "argument index 6", ...
	Construct string `json:"construct"`
	OK        bool   `json:"ok"`
	// Message is what the runtime printed when it refused to start the container.
	Message string `json:"message,omitempty"`
}

var features = sync.OnceValues(func() ([]Feature, error) {
	data, err := measuredFS.ReadFile("measured/features.txt")
	if err != nil {
		return nil, err
	}
	var out []Feature
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 || (f[3] != "ok" && f[3] != "rejected") {
			return nil, fmt.Errorf("measured/features.txt:%d: want 5 tab-separated fields", i+1)
		}
		out = append(out, Feature{Runtime: f[0], Version: f[1], Construct: f[2], OK: f[3] == "ok", Message: f[4]})
	}
	return out, nil
})

// Accepts reports what runtime did with construct (see Feature.Construct); known is
// false when that combination was not measured.
func Accepts(runtime, construct string) (f Feature, known bool) {
	all, err := features()
	if err != nil {
		return Feature{}, false
	}
	for _, f := range all {
		if f.Runtime == runtime && f.Construct == construct {
			return f, true
		}
	}
	return Feature{}, false
}

// Features returns every measured construct for runtime.
func Features(runtime string) []Feature {
	all, _ := features()
	var out []Feature
	for _, f := range all {
		if f.Runtime == runtime {
			out = append(out, f)
		}
	}
	return out
}
