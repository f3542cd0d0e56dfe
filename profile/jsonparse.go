package profile

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser is a small RFC 8259 parser that records the line and column of every
// value and key, which encoding/json cannot tell us.
type jsonParser struct {
	data []byte
	off  int
	line int
	// lineStart is the offset of the first byte of the current line.
	lineStart int
	depth     int
	// nodes is the tree being built; stack holds the children of the containers still
	// open, which move to nodes side by side when their container closes.
	nodes, stack []node
	// decoded collects the text of strings with escapes.
	decoded []byte
}

// syntaxError is a JSON or YAML syntax problem; parsing stops there.
type syntaxError struct {
	pos Position
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.pos.Line, e.pos.Column, e.msg)
}

// parseJSON parses one JSON value that must fill data (surrounding whitespace aside).
func parseJSON(data []byte) (*tree, *node, *syntaxError) {
	if len(data) > math.MaxInt32 {
		return nil, nil, &syntaxError{msg: "document larger than 2 GiB"}
	}
	// Every value but the first follows a ',' or opens a container's first element:
	// sizing the node array once spares its repeated growth.
	size := 1
	for _, c := range data {
		if c == ',' || c == '[' || c == '{' {
			size++
		}
	}
	p := &jsonParser{data: data, line: 1, nodes: make([]node, 0, size)}
	// A UTF-8 byte order mark is harmless; editors on some systems add one.
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		p.off, p.lineStart = 3, 3
	}
	p.skipSpace()
	if p.off >= len(p.data) {
		return nil, nil, p.errf("empty document")
	}
	n, err := p.value()
	if err != nil {
		return nil, nil, err
	}
	p.skipSpace()
	if p.off < len(p.data) {
		return nil, nil, p.errf("unexpected %s after the top-level value", p.describe())
	}
	p.nodes = append(p.nodes, n)
	t := &tree{src: string(data), decoded: string(p.decoded), nodes: p.nodes}
	return t, &t.nodes[len(t.nodes)-1], nil
}

func (p *jsonParser) pos32() pos32 {
	return pos32{int32(p.line), int32(p.off - p.lineStart + 1)}
}

// close moves the children of a container, stack[base:], to the tree.
func (p *jsonParser) close(n *node, base int) {
	n.first, n.n = int32(len(p.nodes)), int32(len(p.stack)-base)
	p.nodes = append(p.nodes, p.stack[base:]...)
	p.stack = p.stack[:base]
}

func (p *jsonParser) pos() Position {
	return Position{Line: p.line, Column: p.off - p.lineStart + 1}
}

func (p *jsonParser) errf(format string, args ...any) *syntaxError {
	return &syntaxError{pos: p.pos(), msg: fmt.Sprintf(format, args...)}
}

// describe names the byte at the current offset for error messages.
func (p *jsonParser) describe() string {
	if p.off >= len(p.data) {
		return "end of input"
	}
	c := p.data[p.off]
	if c < 0x20 || c >= 0x7f {
		r, _ := utf8.DecodeRune(p.data[p.off:])
		if r == utf8.RuneError {
			return fmt.Sprintf("byte 0x%02x", c)
		}
		return fmt.Sprintf("character %U", r)
	}
	return fmt.Sprintf("character %q", c)
}

func (p *jsonParser) skipSpace() {
	for p.off < len(p.data) {
		switch p.data[p.off] {
		case ' ', '\t', '\r':
			p.off++
		case '\n':
			p.off++
			p.line++
			p.lineStart = p.off
		default:
			return
		}
	}
}

func (p *jsonParser) value() (node, *syntaxError) {
	if p.off >= len(p.data) {
		return node{}, p.errf("unexpected end of input, expected a value")
	}
	start := p.pos32()
	switch c := p.data[p.off]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, decoded, err := p.str()
		if err != nil {
			return node{}, err
		}
		n := node{kind: kindString, pos: start, text: s}
		if decoded {
			n.flags |= flagTextDecoded
		}
		return n, nil
	case c == '-' || (c >= '0' && c <= '9'):
		lit, err := p.number()
		if err != nil {
			return node{}, err
		}
		return node{kind: kindNumber, pos: start, text: lit}, nil
	case c == 't':
		return p.literal("true", node{kind: kindBool, pos: start, flags: flagTrue})
	case c == 'f':
		return p.literal("false", node{kind: kindBool, pos: start})
	case c == 'n':
		return p.literal("null", node{kind: kindNull, pos: start})
	default:
		return node{}, p.errf("unexpected %s, expected a value", p.describe())
	}
}

func (p *jsonParser) literal(word string, n node) (node, *syntaxError) {
	if len(p.data)-p.off < len(word) || string(p.data[p.off:p.off+len(word)]) != word {
		return node{}, p.errf("invalid literal, expected %s", word)
	}
	p.off += len(word)
	return n, nil
}

func (p *jsonParser) enter() *syntaxError {
	p.depth++
	if p.depth > maxDepth {
		return p.errf("nested too deeply (more than %d levels)", maxDepth)
	}
	return nil
}

func (p *jsonParser) object() (node, *syntaxError) {
	n := node{kind: kindObject, pos: p.pos32()}
	if err := p.enter(); err != nil {
		return node{}, err
	}
	defer func() { p.depth-- }()
	base := len(p.stack)
	p.off++ // {
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == '}' {
		p.off++
		return n, nil
	}
	for {
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != '"' {
			if p.off < len(p.data) && p.data[p.off] == '}' {
				return node{}, p.errf("trailing comma before '}'")
			}
			return node{}, p.errf("unexpected %s, expected a quoted field name", p.describe())
		}
		keyPos := p.pos32()
		key, keyDecoded, err := p.str()
		if err != nil {
			return node{}, err
		}
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			return node{}, p.errf("unexpected %s, expected ':' after field name", p.describe())
		}
		p.off++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return node{}, err
		}
		v.key, v.keyPos = key, keyPos
		if keyDecoded {
			v.flags |= flagKeyDecoded
		}
		p.stack = append(p.stack, v)
		p.skipSpace()
		if p.off >= len(p.data) {
			return node{}, p.errf("unexpected end of input, expected ',' or '}'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case '}':
			p.off++
			p.close(&n, base)
			return n, nil
		default:
			return node{}, p.errf("unexpected %s, expected ',' or '}'", p.describe())
		}
	}
}

func (p *jsonParser) array() (node, *syntaxError) {
	n := node{kind: kindArray, pos: p.pos32()}
	if err := p.enter(); err != nil {
		return node{}, err
	}
	defer func() { p.depth-- }()
	base := len(p.stack)
	p.off++ // [
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		return n, nil
	}
	for {
		p.skipSpace()
		if p.off < len(p.data) && p.data[p.off] == ']' {
			return node{}, p.errf("trailing comma before ']'")
		}
		v, err := p.value()
		if err != nil {
			return node{}, err
		}
		p.stack = append(p.stack, v)
		p.skipSpace()
		if p.off >= len(p.data) {
			return node{}, p.errf("unexpected end of input, expected ',' or ']'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case ']':
			p.off++
			p.close(&n, base)
			return n, nil
		default:
			return node{}, p.errf("unexpected %s, expected ',' or ']'", p.describe())
		}
	}
}

// number scans a JSON number and returns its literal; the decoder interprets it.
func (p *jsonParser) number() (span, *syntaxError) {
	start := p.off
	if p.data[p.off] == '-' {
		p.off++
	}
	digits := func() int {
		n := 0
		for p.off < len(p.data) && p.data[p.off] >= '0' && p.data[p.off] <= '9' {
			p.off++
			n++
		}
		return n
	}
	if p.off < len(p.data) && p.data[p.off] == '0' {
		p.off++
		if p.off < len(p.data) && p.data[p.off] >= '0' && p.data[p.off] <= '9' {
			return span{}, p.errf("invalid number: leading zero")
		}
	} else if digits() == 0 {
		return span{}, p.errf("invalid number: expected a digit")
	}
	if p.off < len(p.data) && p.data[p.off] == '.' {
		p.off++
		if digits() == 0 {
			return span{}, p.errf("invalid number: expected a digit after '.'")
		}
	}
	if p.off < len(p.data) && (p.data[p.off] == 'e' || p.data[p.off] == 'E') {
		p.off++
		if p.off < len(p.data) && (p.data[p.off] == '+' || p.data[p.off] == '-') {
			p.off++
		}
		if digits() == 0 {
			return span{}, p.errf("invalid number: expected a digit in the exponent")
		}
	}
	return span{int32(start), int32(p.off)}, nil
}

// str scans a quoted string. A string without escapes is its spelling in the input;
// one with escapes is decoded into p.decoded, and decoded is true.
func (p *jsonParser) str() (s span, decoded bool, err *syntaxError) {
	p.off++ // opening quote
	start := p.off
	escaped := false
	for p.off < len(p.data) {
		c := p.data[p.off]
		if c == '"' {
			break
		}
		if c == '\\' {
			escaped = true
			break
		}
		if c < 0x20 {
			break
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRune(p.data[p.off:])
			if r == utf8.RuneError && size == 1 {
				return span{}, false, p.errf("invalid UTF-8 in string")
			}
			p.off += size
			continue
		}
		p.off++
	}
	if !escaped && p.off < len(p.data) && p.data[p.off] == '"' {
		p.off++
		return span{int32(start), int32(p.off - 1)}, false, nil
	}
	decStart := len(p.decoded)
	buf := append(p.decoded, p.data[start:p.off]...)
	defer func() { p.decoded = buf }()
	for {
		if p.off >= len(p.data) {
			return span{}, false, p.errf("unterminated string")
		}
		c := p.data[p.off]
		switch {
		case c == '"':
			p.off++
			return span{int32(decStart), int32(len(buf))}, true, nil
		case c == '\n':
			return span{}, false, p.errf("unterminated string (newline inside a string)")
		case c < 0x20:
			return span{}, false, p.errf("invalid control character %U in string", rune(c))
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return span{}, false, err
			}
			buf = utf8.AppendRune(buf, r)
		case c < 0x80:
			buf = append(buf, c)
			p.off++
		default:
			r, size := utf8.DecodeRune(p.data[p.off:])
			if r == utf8.RuneError && size == 1 {
				return span{}, false, p.errf("invalid UTF-8 in string")
			}
			buf = append(buf, p.data[p.off:p.off+size]...)
			p.off += size
		}
	}
}

func (p *jsonParser) escape() (rune, *syntaxError) {
	if p.off+1 >= len(p.data) {
		p.off = len(p.data)
		return 0, p.errf("unterminated string")
	}
	c := p.data[p.off+1]
	if r, ok := jsonEscapes[c]; ok {
		p.off += 2
		return r, nil
	}
	if c != 'u' {
		return 0, p.errf("invalid escape \\%c in string", c)
	}
	r, err := p.hex4()
	if err != nil {
		return 0, err
	}
	if utf16.IsSurrogate(r) {
		// A high surrogate must be followed by \u and a low one.
		if p.off+1 < len(p.data) && p.data[p.off] == '\\' && p.data[p.off+1] == 'u' {
			save := p.off
			r2, err := p.hex4()
			if err != nil {
				return 0, err
			}
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, nil
			}
			p.off = save
		}
		return utf8.RuneError, nil
	}
	return r, nil
}

var jsonEscapes = map[byte]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads \uXXXX at the current offset.
func (p *jsonParser) hex4() (rune, *syntaxError) {
	if p.off+6 > len(p.data) {
		return 0, p.errf("invalid \\u escape in string")
	}
	v, err := strconv.ParseUint(string(p.data[p.off+2:p.off+6]), 16, 16)
	if err != nil {
		return 0, p.errf("invalid \\u escape in string")
	}
	p.off += 6
	return rune(v), nil
}
