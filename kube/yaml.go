package kube

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime"
)

// Marshal renders objects as a multi-document YAML stream in a stable, readable form:
// apiVersion, kind, metadata and name first, other keys sorted, multi-line strings as
// literal blocks, no empty status or null creationTimestamp.
func Marshal(objs ...runtime.Object) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, fmt.Errorf("converting %T: %w", o, err)
		}
		clean(u)
		// Manifests say what is wanted; the server owns status.
		delete(u, "status")
		if spec, ok := u["spec"].(map[string]any); ok && len(spec) == 0 {
			delete(u, "spec")
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(toNode(u)); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// clean drops the fields every typed object carries but no manifest needs.
func clean(m map[string]any) {
	for k, v := range m {
		switch vv := v.(type) {
		case nil:
			if k == "creationTimestamp" {
				delete(m, k)
			}
		case map[string]any:
			clean(vv)
			if len(vv) == 0 && k == "status" {
				delete(m, k)
			}
		case []any:
			for _, e := range vv {
				if em, ok := e.(map[string]any); ok {
					clean(em)
				}
			}
		}
	}
}

var firstKeys = map[string]int{"apiVersion": 1, "kind": 2, "metadata": 3, "name": 4, "namespace": 5}

func toNode(v any) *yaml.Node {
	switch vv := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(vv))
		for k := range vv {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			ri, rj := firstKeys[keys[i]], firstKeys[keys[j]]
			if ri != rj {
				if ri == 0 || rj == 0 {
					return ri != 0
				}
				return ri < rj
			}
			return keys[i] < keys[j]
		})
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range keys {
			n.Content = append(n.Content, strNode(k), toNode(vv[k]))
		}
		return n
	case map[string]string:
		m := make(map[string]any, len(vv))
		for k, s := range vv {
			m[k] = s
		}
		return toNode(m)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range vv {
			n.Content = append(n.Content, toNode(e))
		}
		return n
	case string:
		return strNode(vv)
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(vv)}
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(vv, 10)}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(vv)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(vv, 'g', -1, 64)}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return strNode(fmt.Sprint(v))
}

func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}
