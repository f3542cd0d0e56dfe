package profile

import (
	"fmt"
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
func parseJSON(data []byte) (*node, *syntaxError) {
	p := &jsonParser{data: data, line: 1}
	// A UTF-8 byte order mark is harmless; editors on some systems add one.
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		p.off, p.lineStart = 3, 3
	}
	p.skipSpace()
	if p.off >= len(p.data) {
		return nil, p.errf("empty document")
	}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.off < len(p.data) {
		return nil, p.errf("unexpected %s after the top-level value", p.describe())
	}
	return n, nil
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

func (p *jsonParser) value() (*node, *syntaxError) {
	if p.off >= len(p.data) {
		return nil, p.errf("unexpected end of input, expected a value")
	}
	start := p.pos()
	switch c := p.data[p.off]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &node{kind: kindString, pos: start, text: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		lit, err := p.number()
		if err != nil {
			return nil, err
		}
		return &node{kind: kindNumber, pos: start, text: lit}, nil
	case c == 't':
		return p.literal("true", &node{kind: kindBool, pos: start, boolean: true})
	case c == 'f':
		return p.literal("false", &node{kind: kindBool, pos: start})
	case c == 'n':
		return p.literal("null", &node{kind: kindNull, pos: start})
	default:
		return nil, p.errf("unexpected %s, expected a value", p.describe())
	}
}

func (p *jsonParser) literal(word string, n *node) (*node, *syntaxError) {
	if len(p.data)-p.off < len(word) || string(p.data[p.off:p.off+len(word)]) != word {
		return nil, p.errf("invalid literal, expected %s", word)
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

func (p *jsonParser) object() (*node, *syntaxError) {
	n := &node{kind: kindObject, pos: p.pos()}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
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
				return nil, p.errf("trailing comma before '}'")
			}
			return nil, p.errf("unexpected %s, expected a quoted field name", p.describe())
		}
		keyPos := p.pos()
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.off >= len(p.data) || p.data[p.off] != ':' {
			return nil, p.errf("unexpected %s, expected ':' after field name", p.describe())
		}
		p.off++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: key, keyPos: keyPos, value: v})
		p.skipSpace()
		if p.off >= len(p.data) {
			return nil, p.errf("unexpected end of input, expected ',' or '}'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case '}':
			p.off++
			return n, nil
		default:
			return nil, p.errf("unexpected %s, expected ',' or '}'", p.describe())
		}
	}
}

func (p *jsonParser) array() (*node, *syntaxError) {
	n := &node{kind: kindArray, pos: p.pos()}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.off++ // [
	p.skipSpace()
	if p.off < len(p.data) && p.data[p.off] == ']' {
		p.off++
		return n, nil
	}
	for {
		p.skipSpace()
		if p.off < len(p.data) && p.data[p.off] == ']' {
			return nil, p.errf("trailing comma before ']'")
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		p.skipSpace()
		if p.off >= len(p.data) {
			return nil, p.errf("unexpected end of input, expected ',' or ']'")
		}
		switch p.data[p.off] {
		case ',':
			p.off++
		case ']':
			p.off++
			return n, nil
		default:
			return nil, p.errf("unexpected %s, expected ',' or ']'", p.describe())
		}
	}
}

// number scans a JSON number and returns its literal; the decoder interprets it.
func (p *jsonParser) number() (string, *syntaxError) {
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
			return "", p.errf("invalid number: leading zero")
		}
	} else if digits() == 0 {
		return "", p.errf("invalid number: expected a digit")
	}
	if p.off < len(p.data) && p.data[p.off] == '.' {
		p.off++
		if digits() == 0 {
			return "", p.errf("invalid number: expected a digit after '.'")
		}
	}
	if p.off < len(p.data) && (p.data[p.off] == 'e' || p.data[p.off] == 'E') {
		p.off++
		if p.off < len(p.data) && (p.data[p.off] == '+' || p.data[p.off] == '-') {
			p.off++
		}
		if digits() == 0 {
			return "", p.errf("invalid number: expected a digit in the exponent")
		}
	}
	return string(p.data[start:p.off]), nil
}

// str scans a quoted string, decoding escapes.
func (p *jsonParser) str() (string, *syntaxError) {
	p.off++ // opening quote
	start := p.off
	// Fast path: no escapes.
	for p.off < len(p.data) {
		c := p.data[p.off]
		if c == '"' {
			s := string(p.data[start:p.off])
			p.off++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		p.off++
	}
	buf := append([]byte(nil), p.data[start:p.off]...)
	for {
		if p.off >= len(p.data) {
			return "", p.errf("unterminated string")
		}
		c := p.data[p.off]
		switch {
		case c == '"':
			p.off++
			return string(buf), nil
		case c == '\n':
			return "", p.errf("unterminated string (newline inside a string)")
		case c < 0x20:
			return "", p.errf("invalid control character %U in string", rune(c))
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			buf = utf8.AppendRune(buf, r)
		case c < 0x80:
			buf = append(buf, c)
			p.off++
		default:
			r, size := utf8.DecodeRune(p.data[p.off:])
			if r == utf8.RuneError && size == 1 {
				return "", p.errf("invalid UTF-8 in string")
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
