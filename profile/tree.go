package profile

// kind is the type of a document value, common to the JSON and YAML readers.
type kind int

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
type node struct {
	kind kind
	pos  Position
	// text is a string's value or a number's literal spelling.
	text    string
	boolean bool
	members []member
	elems   []*node
}

// member is one key of an object, in document order.
type member struct {
	key    string
	keyPos Position
	value  *node
}

// count returns the number of values in the tree under n, n included.
func (n *node) count() int {
	c := 1
	for _, m := range n.members {
		c += m.value.count()
	}
	for _, e := range n.elems {
		c += e.count()
	}
	return c
}

// get returns the value of key, or nil.
func (n *node) get(key string) *node {
	for i := range n.members {
		if n.members[i].key == key {
			return n.members[i].value
		}
	}
	return nil
}

// maxDepth bounds nesting; a real profile is 5 levels deep.
const maxDepth = 64

// maxNodes bounds the size of a YAML document after alias expansion.
const maxNodes = 1 << 20
