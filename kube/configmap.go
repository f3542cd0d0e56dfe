package kube

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// ProfileFile is one profile destined for a node: Key is the file name the agent
// installs it under, Data the JSON the kubelet reads.
type ProfileFile struct {
	Key  string
	Data []byte
}

// ConfigMapOptions names the ConfigMap.
type ConfigMapOptions struct {
	Name      string // required
	Namespace string // default DefaultNamespace
	// Complain, when not nil, marks the ConfigMap as complain mode (LabelComplain) and
	// records each profile's enforced default (AnnotationEnforced), keyed by profile key.
	Complain map[string]Enforced
	// ComplainSince is written as AnnotationComplainSince in complain mode; zero omits it.
	ComplainSince time.Time
}

// SizeError reports a ConfigMap over the API server's 1 MiB limit.
type SizeError struct {
	Name    string
	Size    int
	Largest []ProfileFile // the biggest profiles, largest first, at most three
}

func (e *SizeError) Error() string {
	var big []string
	for _, f := range e.Largest {
		big = append(big, fmt.Sprintf("%s %d bytes", f.Key, len(f.Data)))
	}
	return fmt.Sprintf("ConfigMap %q would hold %d bytes of profiles, over the %d-byte (1 MiB) limit the API server enforces (largest: %s); split the profiles across several ConfigMaps with --name",
		e.Name, e.Size, MaxConfigMapBytes, strings.Join(big, ", "))
}

// ConfigMap builds a ConfigMap holding files, labelled for the node agent. It refuses
// unsafe or duplicate keys and a total size over MaxConfigMapBytes.
func ConfigMap(opts ConfigMapOptions, files []ProfileFile) (*corev1.ConfigMap, error) {
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if errs := validation.IsDNS1123Subdomain(opts.Name); len(errs) > 0 {
		return nil, fmt.Errorf("ConfigMap name %q: %s", opts.Name, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1123Label(opts.Namespace); len(errs) > 0 {
		return nil, fmt.Errorf("namespace %q: %s", opts.Namespace, strings.Join(errs, "; "))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("ConfigMap %q: no profiles", opts.Name)
	}
	data := make(map[string]string, len(files))
	size := 0
	for _, f := range files {
		if err := ValidProfileName(f.Key); err != nil {
			return nil, err
		}
		if _, dup := data[f.Key]; dup {
			return nil, fmt.Errorf("two profiles would both be installed as %q: rename one of them", f.Key)
		}
		data[f.Key] = string(f.Data)
		size += len(f.Key) + len(f.Data)
	}
	if size > MaxConfigMapBytes {
		sorted := append([]ProfileFile(nil), files...)
		sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i].Data) > len(sorted[j].Data) })
		return nil, &SizeError{Name: opts.Name, Size: size, Largest: sorted[:min(3, len(sorted))]}
	}
	cm := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      opts.Name,
			Namespace: opts.Namespace,
			Labels:    map[string]string{LabelProfiles: "true", "app.kubernetes.io/managed-by": "seccompctl"},
		},
		Data: data,
	}
	if opts.Complain != nil {
		for _, f := range files {
			if _, ok := opts.Complain[f.Key]; !ok {
				return nil, fmt.Errorf("complain mode: no enforced default action for %s", f.Key)
			}
		}
		if err := complainMeta(cm, opts.Complain, opts.ComplainSince); err != nil {
			return nil, err
		}
	}
	return cm, nil
}
