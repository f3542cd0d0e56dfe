package kube

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Seccomp profile types a pod or container can name.
const (
	TypeLocalhost      = "Localhost"
	TypeRuntimeDefault = "RuntimeDefault"
	TypeUnconfined     = "Unconfined"
)

// PatchOptions says which seccompProfile to set and where.
type PatchOptions struct {
	// Type is Localhost, RuntimeDefault or Unconfined.
	Type string
	// LocalhostProfile is the path relative to <kubelet root>/seccomp, for Localhost.
	LocalhostProfile string
	// Container, when set, patches only containers (and init containers) of that name;
	// otherwise the pod-level securityContext is patched.
	Container string
}

func (o PatchOptions) validate() error {
	switch o.Type {
	case TypeLocalhost:
		if o.LocalhostProfile == "" {
			return errors.New("a Localhost profile needs its path")
		}
		if strings.HasPrefix(o.LocalhostProfile, "/") || strings.Contains("/"+o.LocalhostProfile+"/", "/../") {
			return fmt.Errorf("localhostProfile %q must be relative to the kubelet's seccomp directory and stay inside it", o.LocalhostProfile)
		}
	case TypeRuntimeDefault, TypeUnconfined:
		if o.LocalhostProfile != "" {
			return fmt.Errorf("a %s profile takes no path", o.Type)
		}
	default:
		return fmt.Errorf("unknown seccomp profile type %q (want %s, %s or %s)", o.Type, TypeLocalhost, TypeRuntimeDefault, TypeUnconfined)
	}
	return nil
}

// PatchResult is the patched stream and what was done to it.
type PatchResult struct {
	Data []byte
	// Targets lists what was set, e.g. "Deployment/web" or "Deployment/web container app".
	Targets []string
	// Unchanged lists targets that already had the wanted profile.
	Unchanged []string
	// Warnings are things the user should know: overriding container settings,
	// deprecated annotations, a workload without the named container.
	Warnings []string
}

// podSpecPaths says where the pod spec sits in each workload kind.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// Patch sets securityContext.seccompProfile on every workload in a multi-document YAML
// stream. Everything else is kept byte for byte: the change is made as a text edit at
// the right place and checked by decoding the result; only where that is impossible
// (flow-style mappings) is the document re-encoded, which keeps comments but may change
// indentation and quoting.
func Patch(data []byte, opts PatchOptions) (*PatchResult, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	res := &PatchResult{}
	var out bytes.Buffer
	workloads := 0
	containerFound := false
	for i, d := range splitDocuments(data) {
		out.Write(d.marker)
		var root yaml.Node
		if err := yaml.Unmarshal(d.body, &root); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
			out.Write(d.body)
			continue
		}
		p := &docPatcher{opts: opts, res: res, lines: splitLines(d.body), step: indentStep(root.Content[0])}
		p.object(root.Content[0], "")
		workloads += p.workloads
		containerFound = containerFound || p.containerFound
		if len(p.edits) == 0 {
			out.Write(d.body)
			continue
		}
		body, err := p.apply(&root)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		out.Write(body)
	}
	if workloads == 0 {
		return nil, fmt.Errorf("no %s found", kindList())
	}
	if opts.Container != "" && !containerFound {
		return nil, fmt.Errorf("no container named %q in any workload", opts.Container)
	}
	res.Data = out.Bytes()
	return res, nil
}

func kindList() string {
	return "Pod, PodTemplate, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob"
}

type document struct {
	marker []byte // the "---" line that opened the document, as written (nil for the first)
	body   []byte
}

// splitDocuments cuts a YAML stream at its "---" lines. A line starting with "---" at
// column 0 cannot occur inside a scalar of a block mapping, so this is exact for
// Kubernetes manifests.
func splitDocuments(data []byte) []document {
	var docs []document
	cur := document{}
	off, bodyStart := 0, 0
	for _, line := range splitLines(data) {
		if isMarker(line) {
			cur.body = data[bodyStart:off]
			if cur.marker != nil || len(cur.body) > 0 {
				docs = append(docs, cur)
			}
			cur = document{marker: line}
			bodyStart = off + len(line)
		}
		off += len(line)
	}
	cur.body = data[bodyStart:]
	return append(docs, cur)
}

func isMarker(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}

// splitLines splits after each '\n', keeping it.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1])
		data = data[i+1:]
	}
	return lines
}

// indentStep guesses the document's indentation from its first nested block mapping.
func indentStep(n *yaml.Node) int {
	if n.Kind != yaml.MappingNode {
		return 2
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 {
			if s := v.Content[0].Column - k.Column; s > 0 && s <= 8 {
				return s
			}
		}
	}
	return 2
}

// edit sets keys (a path of mapping keys) under the mapping m to the wanted profile.
type edit struct {
	m    *yaml.Node
	keys []string
}

type docPatcher struct {
	opts           PatchOptions
	res            *PatchResult
	lines          [][]byte
	step           int
	edits          []edit
	workloads      int
	containerFound bool
}

func (p *docPatcher) object(n *yaml.Node, parent string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	kind := scalar(lookup(n, "kind"))
	if kind == "List" || strings.HasSuffix(kind, "List") {
		if items := lookup(n, "items"); items != nil && items.Kind == yaml.SequenceNode {
			for _, it := range items.Content {
				p.object(it, parent)
			}
		}
		return
	}
	path, ok := podSpecPaths[kind]
	if !ok {
		return
	}
	name := kind + "/" + scalar(lookup(lookup(n, "metadata"), "name"))
	spec := n
	for _, k := range path {
		spec = lookup(spec, k)
	}
	if spec == nil || spec.Kind != yaml.MappingNode {
		p.res.Warnings = append(p.res.Warnings, fmt.Sprintf("%s has no pod spec; left unchanged", name))
		return
	}
	p.workloads++
	p.checkAnnotations(n, name, path)
	if p.opts.Container == "" {
		p.target(spec, name)
		for _, c := range containers(spec) {
			if sp := lookup(lookup(c, "securityContext"), "seccompProfile"); sp != nil {
				p.res.Warnings = append(p.res.Warnings, fmt.Sprintf("%s: container %q sets its own seccompProfile (type %s), which overrides the pod-level one",
					name, scalar(lookup(c, "name")), scalar(lookup(sp, "type"))))
			}
		}
		return
	}
	found := false
	for _, c := range containers(spec) {
		if scalar(lookup(c, "name")) == p.opts.Container {
			found = true
			p.target(c, fmt.Sprintf("%s container %s", name, p.opts.Container))
		}
	}
	if !found {
		p.res.Warnings = append(p.res.Warnings, fmt.Sprintf("%s has no container named %q; left unchanged", name, p.opts.Container))
	}
	p.containerFound = p.containerFound || found
}

// checkAnnotations warns about the alpha seccomp annotations, which kubelets since 1.27
// ignore and which would contradict the field.
func (p *docPatcher) checkAnnotations(n *yaml.Node, name string, path []string) {
	metas := []*yaml.Node{lookup(n, "metadata")}
	t := n
	for _, k := range path[:len(path)-1] {
		t = lookup(t, k)
	}
	metas = append(metas, lookup(t, "metadata"))
	for _, m := range metas {
		ann := lookup(m, "annotations")
		if ann == nil || ann.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i < len(ann.Content); i += 2 {
			k := ann.Content[i].Value
			if strings.HasPrefix(k, "seccomp.security.alpha.kubernetes.io/") || strings.HasPrefix(k, "container.seccomp.security.alpha.kubernetes.io/") {
				p.res.Warnings = append(p.res.Warnings, fmt.Sprintf("%s: annotation %s is deprecated and ignored by current kubelets; remove it", name, k))
			}
		}
	}
}

func containers(spec *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, list := range []string{"initContainers", "containers"} {
		if s := lookup(spec, list); s != nil && s.Kind == yaml.SequenceNode {
			for _, c := range s.Content {
				if c.Kind == yaml.MappingNode {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func (p *docPatcher) target(m *yaml.Node, what string) {
	if p.has(lookup(lookup(m, "securityContext"), "seccompProfile")) {
		p.res.Unchanged = append(p.res.Unchanged, what)
		return
	}
	p.edits = append(p.edits, edit{m: m, keys: []string{"securityContext", "seccompProfile"}})
	p.res.Targets = append(p.res.Targets, what)
}

// has reports whether sp already is exactly the wanted profile.
func (p *docPatcher) has(sp *yaml.Node) bool {
	if sp == nil {
		return false
	}
	var got map[string]any
	if err := sp.Decode(&got); err != nil {
		return false
	}
	return reflect.DeepEqual(got, p.want())
}

func (p *docPatcher) want() map[string]any {
	w := map[string]any{"type": p.opts.Type}
	if p.opts.Type == TypeLocalhost {
		w["localhostProfile"] = p.opts.LocalhostProfile
	}
	return w
}

// apply makes the edits as text; if that is not possible or the result does not decode
// to what a tree edit gives, it re-encodes the edited tree instead.
func (p *docPatcher) apply(root *yaml.Node) ([]byte, error) {
	text, textErr := p.applyText()
	for _, e := range p.edits {
		setTree(e.m, e.keys, p.valueNode())
	}
	var want any
	if err := root.Decode(&want); err != nil {
		return nil, err
	}
	if textErr == nil {
		var got any
		if err := yaml.Unmarshal(text, &got); err == nil && reflect.DeepEqual(got, want) {
			return text, nil
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(p.step)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	enc.Close()
	return buf.Bytes(), nil
}

func (p *docPatcher) valueNode() *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, strNode("type"), strNode(p.opts.Type))
	if p.opts.Type == TypeLocalhost {
		n.Content = append(n.Content, strNode("localhostProfile"), strNode(p.opts.LocalhostProfile))
	}
	return n
}

func setTree(m *yaml.Node, keys []string, v *yaml.Node) {
	for {
		if m.Kind != yaml.MappingNode {
			*m = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		cur := lookup(m, keys[0])
		if len(keys) == 1 {
			if cur != nil {
				*cur = *v
			} else {
				m.Content = append([]*yaml.Node{strNode(keys[0]), v}, m.Content...)
			}
			return
		}
		if cur == nil {
			cur = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append([]*yaml.Node{strNode(keys[0]), cur}, m.Content...)
		} else if cur.Kind != yaml.MappingNode {
			*cur = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		m, keys = cur, keys[1:]
	}
}

// lineEdit replaces lines [from, to) (0-based) with text; from == to inserts.
type lineEdit struct {
	from, to int
	text     []byte
}

var errNoText = errors.New("cannot patch as text")

func (p *docPatcher) applyText() ([]byte, error) {
	var edits []lineEdit
	for _, e := range p.edits {
		le, err := p.textEdit(e.m, e.keys)
		if err != nil {
			return nil, err
		}
		edits = append(edits, le)
	}
	// Apply bottom-up so earlier line numbers stay valid; edits never overlap since
	// each targets a different mapping.
	lines := append([][]byte(nil), p.lines...)
	for i := len(edits) - 1; i >= 0; i-- {
		for j := 0; j < i; j++ {
			if edits[j].from > edits[i].from {
				edits[i], edits[j] = edits[j], edits[i]
			}
		}
	}
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		if e.to > len(lines) || (i > 0 && edits[i-1].to > e.from) {
			return nil, errNoText
		}
		tail := append([][]byte{e.text}, lines[e.to:]...)
		lines = append(lines[:e.from], tail...)
	}
	return bytes.Join(lines, nil), nil
}

func (p *docPatcher) newline() string {
	for _, l := range p.lines {
		if bytes.HasSuffix(l, []byte("\r\n")) {
			return "\r\n"
		}
	}
	return "\n"
}

// render writes keys → value as block YAML, the first key at column indent (0-based).
func (p *docPatcher) render(keys []string, indent, step int) []string {
	var out []string
	for i, k := range keys {
		out = append(out, strings.Repeat(" ", indent+i*step)+k+":")
	}
	in := strings.Repeat(" ", indent+len(keys)*step)
	out = append(out, in+"type: "+p.opts.Type)
	if p.opts.Type == TypeLocalhost {
		out = append(out, in+"localhostProfile: "+quoteIfNeeded(p.opts.LocalhostProfile))
	}
	return out
}

// textEdit finds where keys go under the block mapping m.
func (p *docPatcher) textEdit(m *yaml.Node, keys []string) (lineEdit, error) {
	nl := p.newline()
	if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		return lineEdit{}, errNoText
	}
	step := localStep(m, p.step)
	k := lookupKey(m, keys[0])
	if k == nil {
		// Append after the mapping's last entry, so comments above its first key stay
		// with that key.
		lastK, lastV := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
		if !p.keyStartsLine(lastK) {
			return lineEdit{}, errNoText
		}
		end := p.entryEnd(lastK, lastV)
		col := lastK.Column - 1
		var text string
		for _, l := range p.render(keys, col, step) {
			text += l + nl
		}
		if end > 0 && !bytes.HasSuffix(p.lines[end-1], []byte("\n")) {
			text = nl + text // the document ended without a newline
		}
		return lineEdit{from: end, to: end, text: []byte(text)}, nil
	}
	v := lookup(m, keys[0])
	if !p.keyStartsLine(k) {
		return lineEdit{}, errNoText
	}
	if len(keys) > 1 && v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 {
		return p.textEdit(v, keys[1:])
	}
	// Replace the key's whole entry.
	li, col := k.Line-1, k.Column-1
	r := p.render(keys, col, step)
	text := string(p.lines[li][:col]) + strings.TrimLeft(r[0], " ") + nl
	for _, l := range r[1:] {
		text += l + nl
	}
	return lineEdit{from: li, to: p.entryEnd(k, v), text: []byte(text)}, nil
}

// keyStartsLine reports whether only indentation or a sequence dash precede k.
func (p *docPatcher) keyStartsLine(k *yaml.Node) bool {
	li, col := k.Line-1, k.Column-1
	if li < 0 || li >= len(p.lines) || col > len(p.lines[li]) {
		return false
	}
	return strings.TrimLeft(string(p.lines[li][:col]), " -") == ""
}

// entryEnd returns the index of the line after the last non-blank line of the entry
// k: v: its own line and every following line indented deeper than k, plus the
// "- " items of a block sequence written at k's own indentation.
func (p *docPatcher) entryEnd(k, v *yaml.Node) int {
	col := k.Column - 1
	seq := v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0
	last := k.Line
	for i := k.Line; i < len(p.lines); i++ {
		t := strings.TrimRight(string(p.lines[i]), "\r\n")
		trimmed := strings.TrimLeft(t, " ")
		if trimmed == "" {
			continue
		}
		indent := len(t) - len(trimmed)
		if indent > col || (seq && indent == col && (trimmed == "-" || strings.HasPrefix(trimmed, "- "))) {
			last = i + 1
			continue
		}
		break
	}
	return last
}

// localStep is the indentation step used inside m, or def if m shows none.
func localStep(m *yaml.Node, def int) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Line > k.Line {
			if s := v.Content[0].Column - k.Column; s > 0 && s <= 8 {
				return s
			}
		}
	}
	return def
}

func quoteIfNeeded(s string) string {
	n := strNode(s)
	b, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func lookupKey(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return nil
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}
