package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// parseYAML parses every document of a YAML stream into one tree, returning the
// index of each document's root. Empty documents are skipped.
func parseYAML(data []byte) (t *tree, roots []int32, serr *syntaxError) {
	defer func() {
		// The YAML library has panicked on hostile input in the past; a loader must not.
		if r := recover(); r != nil {
			t, roots, serr = nil, nil, &syntaxError{msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	b := &yamlBuilder{budget: maxNodes}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return &tree{decoded: string(b.text), nodes: b.nodes}, roots, nil
		}
		if err != nil {
			return nil, nil, yamlSyntaxError(err)
		}
		if doc.Kind == yaml.DocumentNode && len(doc.Content) == 0 {
			continue
		}
		n, ok, serr := b.node(&doc, 0)
		if serr != nil {
			return nil, nil, serr
		}
		if ok {
			b.nodes = append(b.nodes, n)
			roots = append(roots, int32(len(b.nodes)-1))
		}
	}
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlSyntaxError turns the library's "yaml: line 3: ..." into a positioned error.
func yamlSyntaxError(err error) *syntaxError {
	msg := err.Error()
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return &syntaxError{msg: "invalid YAML: " + msg}
	}
	line, _ := strconv.Atoi(m[1])
	p := Position{}
	if line > 0 {
		p = Position{Line: line, Column: 1}
	}
	return &syntaxError{pos: p, msg: "invalid YAML: " + m[2]}
}

// yamlBuilder turns YAML nodes into a tree; all text goes to text (tree.decoded).
type yamlBuilder struct {
	nodes, stack []node
	text         []byte
	budget       int
}

func (b *yamlBuilder) span(s string) span {
	start := len(b.text)
	b.text = append(b.text, s...)
	return span{int32(start), int32(len(b.text))}
}

// close moves the children of a container, stack[base:], to the tree.
func (b *yamlBuilder) close(n *node, base int) {
	n.first, n.n = int32(len(b.nodes)), int32(len(b.stack)-base)
	b.nodes = append(b.nodes, b.stack[base:]...)
	b.stack = b.stack[:base]
}

func (b *yamlBuilder) node(y *yaml.Node, depth int) (node, bool, *syntaxError) {
	pos := Position{Line: y.Line, Column: y.Column}
	if depth > maxDepth {
		return node{}, false, &syntaxError{pos: pos, msg: fmt.Sprintf("nested too deeply (more than %d levels)", maxDepth)}
	}
	b.budget--
	if b.budget < 0 || len(b.text) > math.MaxInt32/2 {
		return node{}, false, &syntaxError{pos: pos, msg: "document too large (aliases expand to too many values)"}
	}
	p32 := toPos32(pos)
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return node{}, false, nil
		}
		return b.node(y.Content[0], depth)
	case yaml.AliasNode:
		if y.Alias == nil {
			return node{}, false, &syntaxError{pos: pos, msg: "invalid YAML: unknown alias"}
		}
		return b.node(y.Alias, depth+1)
	case yaml.MappingNode:
		n := node{kind: kindObject, pos: p32}
		base := len(b.stack)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.ShortTag() == "!!merge" {
				return node{}, false, &syntaxError{pos: Position{k.Line, k.Column}, msg: "YAML merge keys (<<) are not supported in profiles"}
			}
			if k.Kind != yaml.ScalarNode {
				return node{}, false, &syntaxError{pos: Position{k.Line, k.Column}, msg: "a mapping key must be a plain value"}
			}
			val, ok, err := b.node(v, depth+1)
			if err != nil {
				return node{}, false, err
			}
			if !ok {
				val = node{kind: kindNull, pos: toPos32(Position{v.Line, v.Column})}
			}
			val.key, val.keyPos = b.span(k.Value), toPos32(Position{k.Line, k.Column})
			val.flags |= flagKeyDecoded
			b.stack = append(b.stack, val)
		}
		b.close(&n, base)
		return n, true, nil
	case yaml.SequenceNode:
		n := node{kind: kindArray, pos: p32}
		base := len(b.stack)
		for _, e := range y.Content {
			v, ok, err := b.node(e, depth+1)
			if err != nil {
				return node{}, false, err
			}
			if !ok {
				v = node{kind: kindNull, pos: toPos32(Position{e.Line, e.Column})}
			}
			b.stack = append(b.stack, v)
		}
		b.close(&n, base)
		return n, true, nil
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!null":
			return node{kind: kindNull, pos: p32}, true, nil
		case "!!bool":
			n := node{kind: kindBool, pos: p32}
			if v, _ := strconv.ParseBool(strings.ToLower(y.Value)); v {
				n.flags = flagTrue
			}
			return n, true, nil
		case "!!int", "!!float":
			return node{kind: kindNumber, pos: p32, text: b.span(y.Value), flags: flagTextDecoded}, true, nil
		default:
			return node{kind: kindString, pos: p32, text: b.span(y.Value), flags: flagTextDecoded}, true, nil
		}
	}
	return node{}, false, &syntaxError{pos: pos, msg: "invalid YAML: unexpected node"}
}
