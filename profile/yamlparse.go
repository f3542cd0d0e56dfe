package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// parseYAML parses every document of a YAML stream into trees. Empty documents are
// skipped.
func parseYAML(data []byte) (docs []*node, serr *syntaxError) {
	defer func() {
		// The YAML library has panicked on hostile input in the past; a loader must not.
		if r := recover(); r != nil {
			docs, serr = nil, &syntaxError{msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	budget := maxNodes
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, yamlSyntaxError(err)
		}
		if doc.Kind == yaml.DocumentNode && len(doc.Content) == 0 {
			continue
		}
		n, serr := fromYAML(&doc, 0, &budget)
		if serr != nil {
			return nil, serr
		}
		if n != nil {
			docs = append(docs, n)
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

func fromYAML(y *yaml.Node, depth int, budget *int) (*node, *syntaxError) {
	pos := Position{Line: y.Line, Column: y.Column}
	if depth > maxDepth {
		return nil, &syntaxError{pos: pos, msg: fmt.Sprintf("nested too deeply (more than %d levels)", maxDepth)}
	}
	*budget--
	if *budget < 0 {
		return nil, &syntaxError{pos: pos, msg: "document too large (aliases expand to too many values)"}
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return nil, nil
		}
		return fromYAML(y.Content[0], depth, budget)
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, &syntaxError{pos: pos, msg: "invalid YAML: unknown alias"}
		}
		return fromYAML(y.Alias, depth+1, budget)
	case yaml.MappingNode:
		n := &node{kind: kindObject, pos: pos}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.ShortTag() == "!!merge" {
				return nil, &syntaxError{pos: Position{k.Line, k.Column}, msg: "YAML merge keys (<<) are not supported in profiles"}
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &syntaxError{pos: Position{k.Line, k.Column}, msg: "a mapping key must be a plain value"}
			}
			val, err := fromYAML(v, depth+1, budget)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: k.Value, keyPos: Position{k.Line, k.Column}, value: val})
		}
		return n, nil
	case yaml.SequenceNode:
		n := &node{kind: kindArray, pos: pos}
		for _, e := range y.Content {
			v, err := fromYAML(e, depth+1, budget)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, v)
		}
		return n, nil
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!null":
			return &node{kind: kindNull, pos: pos}, nil
		case "!!bool":
			b, _ := strconv.ParseBool(strings.ToLower(y.Value))
			return &node{kind: kindBool, pos: pos, boolean: b}, nil
		case "!!int", "!!float":
			return &node{kind: kindNumber, pos: pos, text: y.Value}, nil
		default:
			return &node{kind: kindString, pos: pos, text: y.Value}, nil
		}
	}
	return nil, &syntaxError{pos: pos, msg: "invalid YAML: unexpected node"}
}
