package profile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found while loading or validating a profile, with where it is.
// Line and Column are 1-based (columns count bytes); zero when unknown, e.g. for a
// profile built in code.
type Error struct {
	File   string
	Line   int
	Column int
	// Path is the JSON path of the offending value ("syscalls[3].action"), "" for the
	// document as a whole.
	Path string
	Msg  string
	// Suggestion is the nearest valid spelling, if one is close.
	Suggestion string
}

// Error formats e as `file:line:col: path: message (did you mean X?)`, leaving out the
// parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Suggestion != "" {
		fmt.Fprintf(&b, " (did you mean %s?)", e.Suggestion)
	}
	return b.String()
}

// Position returns where the error is.
func (e *Error) Position() Position { return Position{Line: e.Line, Column: e.Column} }

// ErrorList is every problem found in one input, in file order. Loading never stops at
// the first problem except for syntax errors, after which nothing can be trusted.
type ErrorList []*Error

// maxErrors bounds the list so a huge broken file cannot flood the terminal.
const maxErrors = 200

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As find each *Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sortErrors orders by position, then path, then message, so output is stable.
func sortErrors(l ErrorList) {
	slices.SortStableFunc(l, func(a, b *Error) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Line, b.Line); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Column, b.Column); c != 0 {
			return c
		}
		return cmp.Compare(a.Path, b.Path)
	})
}

// reporter collects errors for one document.
type reporter struct {
	file string
	// prefix is prepended to every path in messages ("spec." inside an SPO resource);
	// position look-ups use the unprefixed path.
	prefix string
	// lookup finds the position of a path (unprefixed); nil when none are known.
	lookup func(path string) (Position, bool)
	errs   ErrorList
	// seen marks paths that already have an error so later checks stay quiet about them.
	seen      map[string]bool
	truncated bool
}

func newReporter(file string, lookup func(string) (Position, bool)) *reporter {
	return &reporter{file: file, lookup: lookup, seen: map[string]bool{}}
}

// posOf returns the position of path, or the zero Position when unknown.
func (r *reporter) posOf(path string) (Position, bool) {
	if r.lookup == nil {
		return Position{}, false
	}
	return r.lookup(path)
}

// at reports a problem at the position recorded for path.
func (r *reporter) at(path, suggestion, format string, args ...any) {
	p, _ := r.posOf(path)
	r.atPos(p, path, suggestion, format, args...)
}

// atPos reports a problem at an explicit position.
func (r *reporter) atPos(p Position, path, suggestion, format string, args ...any) {
	r.seen[path] = true
	if len(r.errs) >= maxErrors {
		r.truncated = true
		return
	}
	shown := path
	if r.prefix != "" {
		shown = strings.TrimSuffix(r.prefix+path, ".")
	}
	r.errs = append(r.errs, &Error{
		File: r.file, Line: p.Line, Column: p.Column, Path: shown,
		Msg: fmt.Sprintf(format, args...), Suggestion: suggestion,
	})
}

// err returns the collected problems as an ErrorList, or nil.
func (r *reporter) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	sortErrors(r.errs)
	if r.truncated {
		r.errs = append(r.errs, &Error{File: r.file, Msg: fmt.Sprintf("too many errors (showing the first %d)", maxErrors)})
	}
	return r.errs
}
