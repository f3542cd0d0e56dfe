package profile

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// MarshalAs encodes p in format f: FormatJSON as Marshal does, FormatYAML as the same
// fields in YAML, FormatSPO as one SeccompProfile resource (see MarshalSPO).
func (p *Profile) MarshalAs(f Format) ([]byte, error) {
	switch f {
	case FormatJSON, "":
		return p.Marshal()
	case FormatYAML:
		data, err := p.Marshal()
		if err != nil {
			return nil, err
		}
		return jsonToYAML(data)
	case FormatSPO:
		return MarshalSPO(p)
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// jsonToYAML re-encodes our own JSON output as YAML, keeping its field order.
func jsonToYAML(data []byte) ([]byte, error) {
	t, n, serr := parseJSON(data)
	if serr != nil {
		return nil, serr
	}
	return encodeYAML([]*yaml.Node{toYAMLNode(t, n)})
}

func toYAMLNode(t *tree, n *node) *yaml.Node {
	switch n.kind {
	case kindObject:
		y := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		kids := t.kids(n)
		for i := range kids {
			y.Content = append(y.Content, strNode(t.key(&kids[i])), toYAMLNode(t, &kids[i]))
		}
		return y
	case kindArray:
		y := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		kids := t.kids(n)
		for i := range kids {
			y.Content = append(y.Content, toYAMLNode(t, &kids[i]))
		}
		return y
	case kindString:
		return strNode(t.text(n))
	case kindNumber:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: t.text(n)}
	case kindBool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(n.flags&flagTrue != 0)}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func encodeYAML(docs []*yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Name returns the profile's name: the SPO resource name, else the file name without
// its extension, else "profile".
func (p *Profile) Name() string {
	if p.Resource != nil && p.Resource.Name != "" {
		return p.Resource.Name
	}
	if p.Source != nil && p.Source.File != "" {
		base := filepath.Base(p.Source.File)
		return strings.TrimSuffix(base, filepath.Ext(base))
	}
	return "profile"
}

var dnsLabelUnsafe = regexp.MustCompile(`[^a-z0-9.-]+`)

// ResourceName turns s into a valid Kubernetes object name (RFC 1123 subdomain).
func ResourceName(s string) string {
	n := dnsLabelUnsafe.ReplaceAllString(strings.ToLower(s), "-")
	n = strings.Trim(n, "-.")
	if len(n) > 253 {
		n = strings.Trim(n[:253], "-.")
	}
	if n == "" {
		return "profile"
	}
	return n
}

// SPOCompatible reports why p cannot be written as a SeccompProfile without changing
// what it does, or nil: SPO has no archMap nor includes/excludes (resolve first), no
// defaultErrnoRet (its runtime default is EPERM), and reads errnoRet 0 as unset.
func (p *Profile) SPOCompatible() error {
	var problems []string
	if len(p.ArchMap) > 0 {
		problems = append(problems, "archMap (resolve the profile for an architecture first)")
	}
	for i, r := range p.Syscalls {
		if r.Includes != nil || r.Excludes != nil {
			problems = append(problems, fmt.Sprintf("syscalls[%d] includes/excludes (resolve the profile for a container first)", i))
			break
		}
	}
	if p.DefaultErrnoRet != nil && !(p.DefaultAction == ActErrno && *p.DefaultErrnoRet == 1) {
		problems = append(problems, fmt.Sprintf("defaultErrnoRet %d (SPO has no such field; the runtime would return EPERM)", *p.DefaultErrnoRet))
	}
	for i, r := range p.Syscalls {
		if r.ErrnoRet != nil && *r.ErrnoRet == 0 {
			problems = append(problems, fmt.Sprintf("syscalls[%d] errnoRet 0 (SPO reads 0 as unset, which returns EPERM)", i))
			break
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("a SeccompProfile cannot express %s", strings.Join(problems, "; "))
}

// MarshalSPO writes profiles as Security Profiles Operator SeccompProfile resources,
// one YAML document each. The API version is the one the profile was read with, else
// SPOVersion; the name is Name() made valid for Kubernetes. Comments and errno names
// have no place in the resource and are left out; the deprecated "name" goes to names.
func MarshalSPO(profiles ...*Profile) ([]byte, error) {
	var docs []*yaml.Node
	for _, p := range profiles {
		if err := p.SPOCompatible(); err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name(), err)
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		docs = append(docs, spoNode(p))
	}
	return encodeYAML(docs)
}

func spoNode(p *Profile) *yaml.Node {
	res := p.Resource
	if res == nil {
		res = &Resource{}
	}
	apiVersion := res.APIVersion
	if !contains(spoAPIVersions, apiVersion) {
		apiVersion = SPOGroup + "/" + SPOVersion
	}
	meta := mapping("name", strNode(ResourceName(p.Name())))
	if res.Namespace != "" {
		meta.Content = append(meta.Content, strNode("namespace"), strNode(res.Namespace))
	}
	if len(res.Labels) > 0 {
		meta.Content = append(meta.Content, strNode("labels"), stringMapNode(res.Labels))
	}
	if len(res.Annotations) > 0 {
		meta.Content = append(meta.Content, strNode("annotations"), stringMapNode(res.Annotations))
	}
	spec := mapping()
	if res.BaseProfileName != "" {
		spec.Content = append(spec.Content, strNode("baseProfileName"), strNode(res.BaseProfileName))
	}
	if res.Disabled {
		spec.Content = append(spec.Content, strNode("disabled"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	spec.Content = append(spec.Content, strNode("defaultAction"), strNode(p.DefaultAction.String()))
	if len(p.Architectures) > 0 {
		seq := sequence()
		for _, a := range p.Architectures {
			seq.Content = append(seq.Content, strNode(a.String()))
		}
		spec.Content = append(spec.Content, strNode("architectures"), seq)
	}
	if p.ListenerPath != "" {
		spec.Content = append(spec.Content, strNode("listenerPath"), strNode(p.ListenerPath))
	}
	if p.ListenerMetadata != "" {
		spec.Content = append(spec.Content, strNode("listenerMetadata"), strNode(p.ListenerMetadata))
	}
	if len(p.Syscalls) > 0 {
		seq := sequence()
		for _, r := range p.Syscalls {
			seq.Content = append(seq.Content, spoRuleNode(r, apiVersion))
		}
		spec.Content = append(spec.Content, strNode("syscalls"), seq)
	}
	if len(p.Flags) > 0 {
		seq := sequence()
		for _, f := range p.Flags {
			seq.Content = append(seq.Content, strNode(f.String()))
		}
		spec.Content = append(spec.Content, strNode("flags"), seq)
	}
	return mapping(
		"apiVersion", strNode(apiVersion),
		"kind", strNode(SPOKind),
		"metadata", meta,
		"spec", spec,
	)
}

func spoRuleNode(r Rule, apiVersion string) *yaml.Node {
	names := sequence()
	for _, n := range r.AllNames() {
		names.Content = append(names.Content, strNode(n))
	}
	m := mapping("names", names, "action", strNode(r.Action.String()))
	if r.ErrnoRet != nil {
		v := intNode(uint64(*r.ErrnoRet))
		if strings.HasSuffix(apiVersion, "/v1alpha1") {
			v = strNode(v.Value) // v1alpha1 declares errnoRet a string
		}
		m.Content = append(m.Content, strNode("errnoRet"), v)
	}
	if len(r.Args) > 0 {
		args := sequence()
		for _, a := range r.Args {
			am := mapping("index", intNode(uint64(a.Index)), "value", intNode(a.Value))
			if a.ValueTwo != 0 {
				am.Content = append(am.Content, strNode("valueTwo"), intNode(a.ValueTwo))
			}
			am.Content = append(am.Content, strNode("op"), strNode(a.Op.String()))
			args.Content = append(args.Content, am)
		}
		m.Content = append(m.Content, strNode("args"), args)
	}
	return m
}

func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, strNode(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}

func sequence() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"} }

func intNode(v uint64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(v)}
}

func stringMapNode(m map[string]string) *yaml.Node {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := mapping()
	for _, k := range slices.Compact(keys) {
		out.Content = append(out.Content, strNode(k), strNode(m[k]))
	}
	return out
}

// MarshalAll writes the profiles read from one file back in that file's format: one
// JSON or YAML profile, several YAML documents, or SeccompProfile resources. A stream
// that mixes resources and plain profiles is refused: it has no single normal form.
func MarshalAll(ps []*Profile) ([]byte, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("no profiles to write")
	}
	spo := 0
	for _, p := range ps {
		if p.Source != nil && p.Source.Format == FormatSPO {
			spo++
		}
	}
	switch {
	case spo == len(ps):
		return MarshalSPO(ps...)
	case spo > 0:
		return nil, errors.New("mixes SeccompProfile resources and plain profiles; split the file")
	case len(ps) == 1:
		f := FormatJSON
		if ps[0].Source != nil {
			f = ps[0].Source.Format
		}
		return ps[0].MarshalAs(f)
	}
	var buf bytes.Buffer
	for i, p := range ps {
		out, err := p.MarshalAs(FormatYAML)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(out)
	}
	return buf.Bytes(), nil
}
