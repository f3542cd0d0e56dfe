package profile

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// SPO API group and the versions of SeccompProfile the loader reads.
const (
	SPOGroup = "security-profiles-operator.x-k8s.io"
	// SPOVersion is the version written by default: the one every released SPO serves.
	SPOVersion = "v1beta1"
	SPOKind    = "SeccompProfile"
)

var spoAPIVersions = []string{SPOGroup + "/v1alpha1", SPOGroup + "/v1beta1", SPOGroup + "/v1"}

// Resource is the Kubernetes side of a Security Profiles Operator SeccompProfile.
type Resource struct {
	// APIVersion as read ("security-profiles-operator.x-k8s.io/v1beta1").
	APIVersion  string
	Name        string
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
	// BaseProfileName names a profile SPO unions into this one on the cluster.
	BaseProfileName string
	Disabled        bool
}

// Decode reads every profile in data: Docker JSON, the same in YAML, or SPO
// SeccompProfile resources (one, several YAML documents, or a List). It validates them
// and returns every problem at once as an ErrorList.
func Decode(name string, data []byte, opts ParseOptions) ([]*Profile, error) {
	ext := strings.ToLower(filepath.Ext(name))
	t, docs, format, serr := parseDocument(data, ext == ".yaml" || ext == ".yml")
	if serr != nil {
		return nil, ErrorList{{File: name, Line: serr.pos.Line, Column: serr.pos.Column, Msg: serr.msg}}
	}
	if len(docs) == 0 {
		return nil, ErrorList{{File: name, Msg: "empty document, expected a seccomp profile"}}
	}
	var (
		out  []*Profile
		errs ErrorList
	)
	add := func(p *Profile, d *decoder) {
		errs = append(errs, d.errs...)
		if p != nil {
			out = append(out, p)
		}
	}
	for i, root := range docs {
		doc := &t.nodes[root]
		if isResource(t, doc) {
			for _, item := range resourceItems(t, name, doc, &errs) {
				p, d := decodeResource(t, name, item.node, item.path, opts)
				if p != nil {
					p.Source.Document = i + item.index
				}
				add(p, d)
			}
			continue
		}
		d := &decoder{reporter: newReporter(name, t.positions(doc)), t: t, opts: opts}
		if doc.kind != kindObject {
			d.atPos(doc.pos.Position(), "", "", "expected a seccomp profile (a JSON or YAML object), got %s", article(doc.kind))
			add(nil, d)
			continue
		}
		p := d.profile(doc, "", nil)
		p.Source = &Source{File: name, Format: format, Document: i, lookup: d.lookup, Warnings: d.warnings}
		p.validate(d.reporter)
		add(p, d)
	}
	if len(errs) > 0 {
		sortErrors(errs)
		if len(errs) > maxErrors {
			errs = append(errs[:maxErrors], &Error{File: name, Msg: fmt.Sprintf("too many errors (showing the first %d)", maxErrors)})
		}
		return nil, errs
	}
	return out, nil
}

// parseDocument picks the reader: JSON when the input starts like JSON, YAML otherwise.
// A YAML flow mapping also starts with '{': in a file named .yaml or .yml a JSON syntax
// error falls back to YAML before it is reported (elsewhere YAML would accept broken
// JSON such as {"a": } and hide the mistake).
func parseDocument(data []byte, yamlName bool) (*tree, []int32, Format, *syntaxError) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		t, _, jerr := parseJSON(data)
		if jerr == nil {
			return t, []int32{int32(len(t.nodes) - 1)}, FormatJSON, nil
		}
		if yamlName {
			if t, docs, yerr := parseYAML(data); yerr == nil && len(docs) > 0 {
				return t, docs, FormatYAML, nil
			}
		}
		jerr.msg = "invalid JSON: " + jerr.msg
		return nil, nil, FormatJSON, jerr
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, FormatJSON, nil
	}
	t, docs, yerr := parseYAML(data)
	if yerr != nil {
		return nil, nil, FormatYAML, yerr
	}
	return t, docs, FormatYAML, nil
}

// isResource tells a Kubernetes object from a profile: profiles have no apiVersion/kind.
func isResource(t *tree, n *node) bool {
	return n.kind == kindObject && (t.get(n, "apiVersion") != nil || t.get(n, "kind") != nil)
}

type resourceItem struct {
	node  *node
	path  string // "" or "items[3]."
	index int
}

// resourceItems returns the SeccompProfile objects of a document: itself, or the items
// of a List (what kubectl get -o yaml prints).
func resourceItems(t *tree, file string, n *node, errs *ErrorList) []resourceItem {
	kindNode := t.get(n, "kind")
	if kindNode != nil && kindNode.kind == kindString && (t.text(kindNode) == "List" || t.text(kindNode) == SPOKind+"List") {
		items := t.get(n, "items")
		if items == nil || items.kind != kindArray {
			*errs = append(*errs, &Error{File: file, Line: int(n.pos.line), Column: int(n.pos.col), Path: "items", Msg: "expected an array of SeccompProfile objects"})
			return nil
		}
		var out []resourceItem
		kids := t.kids(items)
		for i := range kids {
			out = append(out, resourceItem{node: &kids[i], path: joinIndex("items", i) + ".", index: i})
		}
		return out
	}
	return []resourceItem{{node: n}}
}

func decodeResource(t *tree, file string, n *node, prefix string, opts ParseOptions) (*Profile, *decoder) {
	d := &decoder{reporter: newReporter(file, nil), t: t, opts: opts, dialect: dialectSPO}
	d.prefix = prefix
	if n.kind != kindObject {
		d.atPos(n.pos.Position(), "", "", "expected a SeccompProfile object, got %s", article(n.kind))
		return nil, d
	}
	res := &Resource{}
	var spec *node
	// Resource-level keys are reported with the item prefix; positions of the model
	// paths are recorded relative to spec.
	top := &decoder{reporter: newReporter(file, t.positions(n)), t: t, opts: opts, dialect: dialectSPO}
	top.prefix = prefix
	top.fields(n, "", []string{"apiVersion", "kind", "metadata", "spec", "status"}, func(key string, v *node, fp string) {
		switch key {
		case "apiVersion":
			s, ok := top.str(v, fp)
			if ok && !contains(spoAPIVersions, s) {
				sugg := nearestString(s, spoAPIVersions)
				if !strings.Contains(s, "/") {
					sugg = SPOGroup + "/" + SPOVersion
				}
				top.at(fp, sugg, "unsupported apiVersion %q (want %s/v1alpha1, v1beta1 or v1)", s, SPOGroup)
			}
			res.APIVersion = s
		case "kind":
			if s, ok := top.str(v, fp); ok && s != SPOKind {
				sugg := ""
				if strings.EqualFold(s, SPOKind) {
					sugg = SPOKind
				}
				top.at(fp, sugg, "kind %q is not a %s", s, SPOKind)
			}
		case "metadata":
			top.metadata(v, fp, res)
		case "spec":
			spec = v
		}
	})
	if t.get(n, "apiVersion") == nil {
		top.atPos(n.pos.Position(), "apiVersion", "", "missing apiVersion")
	}
	if t.get(n, "kind") == nil {
		top.atPos(n.pos.Position(), "kind", "", "missing kind")
	}
	if md := t.get(n, "metadata"); md == nil {
		top.atPos(n.pos.Position(), "metadata.name", "", "missing metadata.name")
	} else if md.kind == kindObject && t.get(md, "name") == nil {
		top.atPos(md.pos.Position(), "metadata.name", "", "missing metadata.name")
	} else if nameNode := t.get(md, "name"); res.Name == "" && nameNode != nil && !top.quiet("metadata.name") {
		top.atPos(nameNode.pos.Position(), "metadata.name", "", "empty metadata.name")
	}
	d.errs = append(d.errs, top.errs...)
	d.warnings = append(d.warnings, top.warnings...)
	if spec == nil {
		if n.kind == kindObject {
			d.atPos(n.pos.Position(), "spec", "", "missing spec")
		}
		return nil, d
	}
	d.prefix = prefix + "spec."
	d.lookup = t.positions(spec)
	p := d.profile(spec, "", res)
	p.Resource = res
	p.Source = &Source{File: file, Format: FormatSPO, lookup: d.lookup, Warnings: d.warnings}
	p.validate(d.reporter)
	return p, d
}

// metadata keeps name, namespace, labels and annotations; the server-set fields
// (uid, resourceVersion, managedFields ...) are ignored.
func (d *decoder) metadata(n *node, path string, res *Resource) {
	if n.kind != kindObject {
		d.typeErr(n, path, "an object")
		return
	}
	kids := d.t.kids(n)
	for i := range kids {
		m := &kids[i]
		key := d.t.key(m)
		p := joinKey(path, key)
		switch key {
		case "name":
			res.Name, _ = d.str(m, p)
		case "namespace":
			res.Namespace = d.optStr(m, p)
		case "labels":
			res.Labels = d.stringMap(m, p)
		case "annotations":
			res.Annotations = d.stringMap(m, p)
		}
	}
}

func (d *decoder) stringMap(n *node, path string) map[string]string {
	if n.kind == kindNull {
		return nil
	}
	if n.kind != kindObject {
		d.typeErr(n, path, "an object of strings")
		return nil
	}
	out := map[string]string{}
	kids := d.t.kids(n)
	for i := range kids {
		key := d.t.key(&kids[i])
		if s, ok := d.str(&kids[i], joinKey(path, key)); ok {
			out[key] = s
		}
	}
	return out
}
