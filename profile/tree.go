package profile

import (
	"strconv"
)

// kind is the type of a document value, common to the JSON and YAML readers.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "value"
}

// node is one value of a parsed document with its position. Both readers produce it so
// the decoder, and its messages, are the same for JSON and YAML.
//
// A large profile has a node for every few bytes of input, so a node is kept small
// (44 bytes): no pointers, no strings of its own. Its text and key are spans of the
// tree's text, and its children sit side by side in the tree's node array. A member
// of an object carries its key on the member node itself.
type node struct {
	kind  kind
	flags nodeFlags
	pos   pos32
	// keyPos is where the key of an object member starts.
	keyPos pos32
	// text is a string's value or a number's literal spelling.
	text span
	key  span
	// first and n locate the children of an object or array in tree.nodes.
	first, n int32
}

type nodeFlags uint8

const (
	flagTrue nodeFlags = 1 << iota
	// flagTextDecoded and flagKeyDecoded place a span in tree.decoded rather than
	// tree.src: a JSON string with escapes, or any YAML scalar.
	flagTextDecoded
	flagKeyDecoded
)

// pos32 is a Position in half the space.
type pos32 struct{ line, col int32 }

func (p pos32) Position() Position { return Position{Line: int(p.line), Column: int(p.col)} }

func toPos32(p Position) pos32 { return pos32{int32(p.Line), int32(p.Column)} }

// span is a byte range of tree.src or tree.decoded.
type span struct{ off, end int32 }

// tree holds every value of one input. Strings handed to a Profile are substrings of
// src and decoded: one copy of the input serves them all.
type tree struct {
	// src is the input, copied once.
	src string
	// decoded holds the text of strings that differ from their spelling in src.
	decoded string
	nodes   []node
}

func (t *tree) text(n *node) string {
	if n.flags&flagTextDecoded != 0 {
		return t.decoded[n.text.off:n.text.end]
	}
	return t.src[n.text.off:n.text.end]
}

func (t *tree) key(n *node) string {
	if n.flags&flagKeyDecoded != 0 {
		return t.decoded[n.key.off:n.key.end]
	}
	return t.src[n.key.off:n.key.end]
}

// kids returns the members of an object or the elements of an array.
func (t *tree) kids(n *node) []node { return t.nodes[n.first : n.first+n.n] }

// get returns the value of key in object n, or nil; the first one when repeated.
func (t *tree) get(n *node, key string) *node {
	if n.kind != kindObject {
		return nil
	}
	kids := t.kids(n)
	for i := range kids {
		if t.key(&kids[i]) == key {
			return &kids[i]
		}
	}
	return nil
}

// lookup finds the value at a JSON path ("syscalls[3].names[1]") under root.
func (t *tree) lookup(root *node, path string) (*node, bool) {
	n := root
	for path != "" {
		if path[0] == '[' {
			end := 1
			for end < len(path) && path[end] != ']' {
				end++
			}
			if end == len(path) || n.kind != kindArray {
				return nil, false
			}
			i, err := strconv.Atoi(path[1:end])
			if err != nil || i < 0 || i >= int(n.n) {
				return nil, false
			}
			n = &t.nodes[int(n.first)+i]
			path = path[end+1:]
			continue
		}
		if path[0] == '.' {
			path = path[1:]
		}
		end := 0
		for end < len(path) && path[end] != '.' && path[end] != '[' {
			end++
		}
		n = t.get(n, path[:end])
		if n == nil {
			return nil, false
		}
		path = path[end:]
	}
	return n, true
}

// positions returns a look-up of the positions of paths under root.
func (t *tree) positions(root *node) func(string) (Position, bool) {
	return func(path string) (Position, bool) {
		n, ok := t.lookup(root, path)
		if !ok {
			return Position{}, false
		}
		return n.pos.Position(), true
	}
}

// maxDepth bounds nesting; a real profile is 5 levels deep.
const maxDepth = 64

// maxNodes bounds the size of a YAML document after alias expansion.
const maxNodes = 1 << 20
