package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	yaml "go.yaml.in/yaml/v3"
)

// CarryYAMLComments returns normalized (the normal form of orig, as MarshalAll writes
// it) with the # comments of orig put back where they were: on the same mapping key,
// on the same list element (found by its content, else by its index), on the same
// document. The normal form is written without comments because it goes through JSON;
// without this, `fmt -w` would drop every comment of a YAML profile. A comment whose
// place no longer exists is dropped. When orig has no comments, normalized comes back
// unchanged.
func CarryYAMLComments(orig, normalized []byte) ([]byte, error) {
	if !bytes.Contains(orig, []byte("#")) {
		return normalized, nil
	}
	from, err := yamlDocuments(orig)
	if err != nil {
		return nil, err
	}
	to, err := yamlDocuments(normalized)
	if err != nil {
		return nil, err
	}
	if !hasComments(from) {
		return normalized, nil
	}
	for i := range to {
		if i < len(from) {
			carry(from[i], to[i])
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range to {
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func yamlDocuments(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

func hasComments(ns []*yaml.Node) bool {
	for _, n := range ns {
		if n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" || hasComments(n.Content) {
			return true
		}
	}
	return false
}

// carry copies the comments of from onto to and, below them, of matching children.
func carry(from, to *yaml.Node) {
	to.HeadComment, to.LineComment, to.FootComment = from.HeadComment, from.LineComment, from.FootComment
	switch {
	case from.Kind == yaml.DocumentNode && to.Kind == yaml.DocumentNode:
		if len(from.Content) == 1 && len(to.Content) == 1 {
			carry(from.Content[0], to.Content[0])
		}
	case from.Kind == yaml.MappingNode && to.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(to.Content); i += 2 {
			for j := 0; j+1 < len(from.Content); j += 2 {
				if from.Content[j].Value == to.Content[i].Value {
					key, val := to.Content[i], to.Content[i+1]
					carry(from.Content[j], key)
					carry(from.Content[j+1], val)
					if val.LineComment != "" && (val.Kind == yaml.SequenceNode || val.Kind == yaml.MappingNode) && val.Style&yaml.FlowStyle == 0 {
						// "names: [read, write] # I/O" written as a block list: the
						// comment stays on the key's line.
						if key.LineComment == "" {
							key.LineComment = val.LineComment
						}
						val.LineComment = ""
					}
					break
				}
			}
		}
	case from.Kind == yaml.SequenceNode && to.Kind == yaml.SequenceNode:
		used := make([]bool, len(from.Content))
		prints := make([]string, len(from.Content))
		for j, f := range from.Content {
			prints[j] = fingerprint(f)
		}
		for i, t := range to.Content {
			match := -1
			p := fingerprint(t)
			if i < len(from.Content) && !used[i] && prints[i] == p {
				match = i
			}
			for j := 0; match < 0 && j < len(from.Content); j++ {
				if !used[j] && prints[j] == p {
					match = j
				}
			}
			if match < 0 && i < len(from.Content) && !used[i] {
				match = i // changed by normalisation: same place
			}
			if match >= 0 {
				used[match] = true
				carry(from.Content[match], t)
			}
		}
	}
}

// fingerprint is a node's content without comments or style.
func fingerprint(n *yaml.Node) string {
	var v any
	if err := n.Decode(&v); err != nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
