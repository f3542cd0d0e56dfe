package kube

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/seccompctl/seccompctl/profile"
)

// Complain mode: a profile installed with defaultAction SCMP_ACT_LOG, so what it would
// deny is allowed and written to the audit log. runc 1.1 refuses
// SECCOMP_FILTER_FLAG_LOG, so complain mode cannot be ERRNO + FLAG_LOG; the default
// the profile will enforce is kept in an annotation for `k8s promote`.
const (
	// LabelComplain marks a profiles ConfigMap whose profiles run in complain mode.
	LabelComplain = "seccompctl.io/complain"
	// AnnotationEnforced holds, as JSON keyed by profile key, the default action each
	// profile enforces once promoted.
	AnnotationEnforced = "seccompctl.io/enforced-default-action"
	// AnnotationComplainSince is when the complain-mode manifest was written (RFC 3339):
	// the start of the clean period when nothing has been logged yet.
	AnnotationComplainSince = "seccompctl.io/complain-since"
)

// Enforced is the default action a complain-mode profile had before, and gets back
// when promoted.
type Enforced struct {
	DefaultAction   profile.Action `json:"defaultAction"`
	DefaultErrnoRet *uint          `json:"defaultErrnoRet,omitempty"`
}

func (e Enforced) String() string {
	if e.DefaultErrnoRet != nil {
		return fmt.Sprintf("%s (errno %d)", e.DefaultAction, *e.DefaultErrnoRet)
	}
	return e.DefaultAction.String()
}

// Complain returns a copy of p with defaultAction SCMP_ACT_LOG and every rule kept, and
// the default it enforces. A profile whose default already permits (ALLOW, LOG) has no
// enforced default to restore and is refused.
func Complain(p *profile.Profile) (*profile.Profile, Enforced, error) {
	switch p.DefaultAction {
	case profile.ActAllow, profile.ActLog:
		return nil, Enforced{}, fmt.Errorf("defaultAction is %s: complain mode needs the enforcing profile (a denying defaultAction such as SCMP_ACT_ERRNO)", p.DefaultAction)
	}
	e := Enforced{DefaultAction: p.DefaultAction, DefaultErrnoRet: p.DefaultErrnoRet}
	if e.DefaultErrnoRet != nil {
		v := *e.DefaultErrnoRet
		e.DefaultErrnoRet = &v
	}
	c := p.Clone()
	c.DefaultAction = profile.ActLog
	c.DefaultErrnoRet = nil
	c.DefaultErrno = ""
	return c, e, nil
}

// complainMeta sets the complain label and annotations on cm.
func complainMeta(cm *corev1.ConfigMap, enforced map[string]Enforced, since time.Time) error {
	data, err := json.Marshal(enforced)
	if err != nil {
		return fmt.Errorf("encoding enforced default actions: %w", err)
	}
	cm.Labels[LabelComplain] = "true"
	cm.Annotations = map[string]string{AnnotationEnforced: string(data)}
	if !since.IsZero() {
		cm.Annotations[AnnotationComplainSince] = since.UTC().Format(time.RFC3339)
	}
	return nil
}

// ComplainState is what a complain-mode ConfigMap says about one of its profiles.
type ComplainState struct {
	Enforced Enforced
	// Recorded says the annotation named the enforced default; without it the caller
	// chooses one (SCMP_ACT_ERRNO).
	Recorded bool
	Since    time.Time // zero when not recorded
}

// ParseConfigMap reads a ConfigMap manifest as `k8s configmap` writes it.
func ParseConfigMap(name string, data []byte) (*corev1.ConfigMap, error) {
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		return nil, fmt.Errorf("%s: not a ConfigMap manifest: %w", name, err)
	}
	if cm.Kind != "ConfigMap" || cm.APIVersion != "v1" {
		return nil, fmt.Errorf("%s: apiVersion %q kind %q, want a v1 ConfigMap", name, cm.APIVersion, cm.Kind)
	}
	return &cm, nil
}

// ComplainStateOf reads the complain annotations of cm for the profile under key.
func ComplainStateOf(cm *corev1.ConfigMap, key string) (ComplainState, error) {
	var st ComplainState
	if raw, ok := cm.Annotations[AnnotationEnforced]; ok {
		var m map[string]Enforced
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return st, fmt.Errorf("ConfigMap %s annotation %s: %w", cm.Name, AnnotationEnforced, err)
		}
		if e, ok := m[key]; ok {
			if !e.DefaultAction.Valid() {
				return st, fmt.Errorf("ConfigMap %s annotation %s: %s has no valid defaultAction", cm.Name, AnnotationEnforced, key)
			}
			st.Enforced, st.Recorded = e, true
		}
	}
	if raw, ok := cm.Annotations[AnnotationComplainSince]; ok {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return st, fmt.Errorf("ConfigMap %s annotation %s: %w", cm.Name, AnnotationComplainSince, err)
		}
		st.Since = t
	}
	return st, nil
}

// InComplainMode reports whether the profile under key in cm is installed in complain
// mode: cm is labelled LabelComplain=true and, when its AnnotationEnforced names
// profiles, names this one (a ConfigMap some of whose profiles were promoted).
func InComplainMode(cm *corev1.ConfigMap, key string) bool {
	if cm.Labels[LabelComplain] != "true" {
		return false
	}
	raw, ok := cm.Annotations[AnnotationEnforced]
	if !ok {
		return true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return true // unreadable: the label decides
	}
	_, ok = m[key]
	return ok
}

// Enforce returns a copy of cm with data under key and that profile out of complain
// mode: its entry leaves AnnotationEnforced, and when no profile is left in complain
// mode the label and both annotations go. Everything else (the resourceVersion
// included, so an update of the copy is refused if cm changed since) is kept.
func Enforce(cm *corev1.ConfigMap, key string, data []byte) *corev1.ConfigMap {
	out := cm.DeepCopy()
	if out.Data == nil {
		out.Data = map[string]string{}
	}
	out.Data[key] = string(data)
	delete(out.BinaryData, key)
	left := 0
	if raw, ok := out.Annotations[AnnotationEnforced]; ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &m); err == nil {
			delete(m, key)
			left = len(m)
			if left > 0 {
				b, _ := json.Marshal(m)
				out.Annotations[AnnotationEnforced] = string(b)
			}
		}
	}
	if left == 0 {
		delete(out.Labels, LabelComplain)
		delete(out.Annotations, AnnotationEnforced)
		delete(out.Annotations, AnnotationComplainSince)
	}
	return out
}

// Keys returns the keys of cm's data, sorted.
func Keys(cm *corev1.ConfigMap) []string {
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
