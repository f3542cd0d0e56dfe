package profile

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/seccompctl/seccompctl/syscalls"
)

// Format is the way a profile is written.
type Format string

// Formats a profile can be read from and written to.
const (
	// FormatJSON is the Docker/moby seccomp JSON format.
	FormatJSON Format = "json"
	// FormatYAML is the same model spelt in YAML.
	FormatYAML Format = "yaml"
	// FormatSPO is a Security Profiles Operator SeccompProfile resource.
	FormatSPO Format = "spo"
)

// ParseOptions tunes the loader.
type ParseOptions struct {
	// AllowUnknownFields turns unknown fields from errors into warnings (Source.Warnings).
	// Runtimes ignore unknown fields, but a misspelt "excludes" or "errnoRet" silently
	// changes what a profile does, so the default is to reject them.
	AllowUnknownFields bool
}

// dialect selects the fields a document may hold.
type dialect int

const (
	dialectDocker dialect = iota
	dialectSPO
)

// decoder turns a parsed tree into a Profile, recording positions and problems.
type decoder struct {
	*reporter
	t       *tree
	opts    ParseOptions
	dialect dialect
	// warnings collects unknown fields when they are allowed.
	warnings []*Error
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func joinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// article returns "a" or "an" for the kind's name.
func article(k kind) string {
	switch k {
	case kindArray, kindObject:
		return "an " + k.String()
	case kindNull:
		return "null"
	}
	return "a " + k.String()
}

func (d *decoder) typeErr(n *node, path, want string) {
	d.atPos(n.pos.Position(), path, "", "expected %s, got %s", want, article(n.kind))
}

// fields walks an object's members: it records their positions, reports duplicates and
// unknown keys, and calls fn for each known key.
func (d *decoder) fields(n *node, path string, known []string, fn func(key string, v *node, p string)) bool {
	if n.kind != kindObject {
		d.typeErr(n, path, "an object")
		return false
	}
	kids := d.t.kids(n)
	// Objects in a profile have a few keys, where a scan costs less than a map; a
	// hostile object with many keys must not take quadratic time.
	var seen map[string]*node
	if len(kids) > 16 {
		seen = make(map[string]*node, len(kids))
	}
	for i := range kids {
		m := &kids[i]
		key := d.t.key(m)
		p := joinKey(path, key)
		var dup *node
		if seen != nil {
			if dup = seen[key]; dup == nil {
				seen[key] = m
			}
		} else {
			dup = d.t.get(&node{kind: kindObject, first: n.first, n: int32(i)}, key)
		}
		if dup != nil {
			d.atPos(m.keyPos.Position(), p, "", "duplicate field %q (first at line %d)", key, dup.keyPos.line)
			continue
		}
		if !contains(known, key) {
			sugg := nearestString(key, known)
			if d.opts.AllowUnknownFields {
				d.warnings = append(d.warnings, &Error{File: d.file, Line: int(m.keyPos.line), Column: int(m.keyPos.col),
					Path: d.shown(p), Msg: fmt.Sprintf("unknown field %q ignored", key), Suggestion: sugg})
				continue
			}
			d.atPos(m.keyPos.Position(), p, sugg, "unknown field %q", key)
			continue
		}
		fn(key, m, p)
	}
	return true
}

func (d *decoder) shown(path string) string {
	if d.prefix == "" {
		return path
	}
	return strings.TrimSuffix(d.prefix+path, ".")
}

// elems walks an array, recording element positions. A null is an absent array.
func (d *decoder) elems(n *node, path, want string, fn func(i int, v *node, p string)) {
	if n.kind == kindNull {
		return
	}
	if n.kind != kindArray {
		d.typeErr(n, path, want)
		return
	}
	kids := d.t.kids(n)
	for i := range kids {
		fn(i, &kids[i], joinIndex(path, i))
	}
}

func (d *decoder) str(n *node, path string) (string, bool) {
	if n.kind != kindString {
		d.typeErr(n, path, "a string")
		return "", false
	}
	return d.t.text(n), true
}

// optStr is a string field where null means absent.
func (d *decoder) optStr(n *node, path string) string {
	if n.kind == kindNull {
		return ""
	}
	s, _ := d.str(n, path)
	return s
}

func (d *decoder) strings(n *node, path string) []string {
	if n.kind != kindArray {
		d.elems(n, path, "an array of strings", nil) // null is absent; others are reported
		return nil
	}
	// Names are most of a large profile's values: their paths are built only for a
	// message.
	kids := d.t.kids(n)
	if len(kids) == 0 {
		return nil
	}
	out := make([]string, len(kids)) // indices stay aligned with the document
	for i := range kids {
		if kids[i].kind != kindString {
			d.typeErr(&kids[i], joinIndex(path, i), "a string")
			continue
		}
		out[i] = d.t.text(&kids[i])
	}
	return out
}

// uint parses a non-negative integer no larger than max.
func (d *decoder) uint(n *node, path string, max uint64) (uint64, bool) {
	lit := d.t.text(n)
	k := n.kind
	if k == kindString && d.dialect == dialectSPO && lit != "" {
		// Older SPO versions declare errnoRet as a string.
		if _, err := strconv.ParseUint(lit, 10, 64); err == nil {
			k = kindNumber
		}
	}
	if k != kindNumber {
		d.typeErr(n, path, "a non-negative integer")
		return 0, false
	}
	clean := strings.ReplaceAll(strings.TrimPrefix(lit, "+"), "_", "")
	if strings.HasPrefix(clean, "-") {
		if v, err := strconv.ParseFloat(clean, 64); err == nil && v == 0 {
			return 0, true
		}
		d.atPos(n.pos.Position(), path, "", "negative number %s not allowed", lit)
		return 0, false
	}
	v, err := strconv.ParseUint(clean, 0, 64)
	if err == nil {
		if v > max {
			d.atPos(n.pos.Position(), path, "", "%s is out of range (0 to %d)", lit, max)
			return 0, false
		}
		return v, true
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		d.atPos(n.pos.Position(), path, "", "%s overflows a 64-bit unsigned integer", lit)
		return 0, false
	}
	d.atPos(n.pos.Position(), path, "", "%s is not an integer", lit)
	return 0, false
}

func (d *decoder) uintPtr(n *node, path string, max uint64) *uint {
	if n.kind == kindNull {
		return nil
	}
	v, ok := d.uint(n, path, max)
	if !ok {
		return nil
	}
	u := uint(v)
	return &u
}

var profileFields = []string{"defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap",
	"flags", "listenerPath", "listenerMetadata", "syscalls"}

var spoSpecFields = []string{"baseProfileName", "disabled", "defaultAction", "architectures",
	"listenerPath", "listenerMetadata", "syscalls", "flags"}

// profile decodes a Docker profile object, or the spec of an SPO resource.
func (d *decoder) profile(n *node, path string, res *Resource) *Profile {
	p := &Profile{}
	known := profileFields
	if d.dialect == dialectSPO {
		known = spoSpecFields
	}
	ok := d.fields(n, path, known, func(key string, v *node, fp string) {
		switch key {
		case "defaultAction":
			if v.kind == kindNull {
				return
			}
			if s, ok := d.str(v, fp); ok {
				p.DefaultAction = d.action(s, fp)
			}
		case "defaultErrnoRet":
			p.DefaultErrnoRet = d.uintPtr(v, fp, math.MaxUint32)
		case "defaultErrno":
			p.DefaultErrno = d.optStr(v, fp)
		case "architectures":
			d.elems(v, fp, "an array of architectures", func(i int, e *node, ep string) {
				p.Architectures = append(p.Architectures, d.arch(e, ep))
			})
		case "archMap":
			d.elems(v, fp, "an array of objects", func(i int, e *node, ep string) {
				p.ArchMap = append(p.ArchMap, d.archMap(e, ep))
			})
		case "flags":
			d.elems(v, fp, "an array of flags", func(i int, e *node, ep string) {
				var f Flag
				if s, ok := d.str(e, ep); ok {
					f = d.flag(s, ep)
				}
				p.Flags = append(p.Flags, f)
			})
		case "listenerPath":
			p.ListenerPath = d.optStr(v, fp)
		case "listenerMetadata":
			p.ListenerMetadata = d.optStr(v, fp)
		case "syscalls":
			if v.kind == kindArray {
				p.Syscalls = make([]Rule, 0, v.n)
			}
			d.elems(v, fp, "an array of rules", func(i int, e *node, ep string) {
				p.Syscalls = append(p.Syscalls, d.rule(e, ep))
			})
		case "baseProfileName":
			if res != nil {
				res.BaseProfileName = d.optStr(v, fp)
			}
		case "disabled":
			if v.kind == kindNull {
				return
			}
			if v.kind != kindBool {
				d.typeErr(v, fp, "a boolean")
				return
			}
			if res != nil {
				res.Disabled = v.flags&flagTrue != 0
			}
		}
	})
	if ok && d.t.get(n, "defaultAction") == nil {
		d.atPos(n.pos.Position(), joinKey(path, "defaultAction"), "", "missing defaultAction")
	}
	return p
}

func (d *decoder) archMap(n *node, path string) ArchMap {
	var m ArchMap
	ok := d.fields(n, path, []string{"architecture", "subArchitectures"}, func(key string, v *node, fp string) {
		switch key {
		case "architecture":
			m.Arch = d.arch(v, fp)
		case "subArchitectures":
			d.elems(v, fp, "an array of architectures", func(i int, e *node, ep string) {
				m.SubArches = append(m.SubArches, d.arch(e, ep))
			})
		}
	})
	if ok && d.t.get(n, "architecture") == nil {
		d.atPos(n.pos.Position(), joinKey(path, "architecture"), "", "missing architecture")
	}
	return m
}

var ruleFields = []string{"name", "names", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"}

var spoRuleFields = []string{"names", "action", "errnoRet", "args"}

func (d *decoder) rule(n *node, path string) Rule {
	var r Rule
	known := ruleFields
	if d.dialect == dialectSPO {
		known = spoRuleFields
	}
	ok := d.fields(n, path, known, func(key string, v *node, fp string) {
		switch key {
		case "name":
			r.Name = d.optStr(v, fp)
		case "names":
			r.Names = d.strings(v, fp)
		case "action":
			if s, ok := d.str(v, fp); ok {
				r.Action = d.action(s, fp)
			}
		case "errnoRet":
			r.ErrnoRet = d.uintPtr(v, fp, math.MaxUint32)
			if d.dialect == dialectSPO && r.ErrnoRet != nil && *r.ErrnoRet == 0 {
				r.ErrnoRet = nil // SPO documents 0 as unset
			}
		case "errno":
			r.Errno = d.optStr(v, fp)
		case "args":
			d.elems(v, fp, "an array of argument conditions", func(i int, e *node, ep string) {
				r.Args = append(r.Args, d.arg(e, ep))
			})
		case "comment":
			r.Comment = d.optStr(v, fp)
		case "includes":
			r.Includes = d.filter(v, fp)
		case "excludes":
			r.Excludes = d.filter(v, fp)
		}
	})
	if ok && d.t.get(n, "action") == nil {
		d.atPos(n.pos.Position(), joinKey(path, "action"), "", "missing action")
	}
	return r
}

func (d *decoder) arg(n *node, path string) Arg {
	var a Arg
	ok := d.fields(n, path, []string{"index", "value", "valueTwo", "op"}, func(key string, v *node, fp string) {
		switch key {
		case "index":
			// The range (0-5) is checked by validate, which knows the rule.
			if x, ok := d.uint(v, fp, math.MaxUint32); ok {
				a.Index = uint(x)
			}
		case "value":
			if v.kind != kindNull {
				a.Value, _ = d.uint(v, fp, math.MaxUint64)
			}
		case "valueTwo":
			if v.kind != kindNull {
				a.ValueTwo, _ = d.uint(v, fp, math.MaxUint64)
			}
		case "op":
			if s, ok := d.str(v, fp); ok {
				a.Op = d.operator(s, fp)
			}
		}
	})
	if ok {
		if d.t.get(n, "index") == nil {
			d.atPos(n.pos.Position(), joinKey(path, "index"), "", "missing index")
		}
		if d.t.get(n, "op") == nil {
			d.atPos(n.pos.Position(), joinKey(path, "op"), "", "missing op")
		}
	}
	return a
}

// filter decodes includes/excludes; an empty or null filter is no filter.
func (d *decoder) filter(n *node, path string) *Filter {
	if n.kind == kindNull {
		return nil
	}
	f := &Filter{}
	d.fields(n, path, []string{"caps", "arches", "minKernel"}, func(key string, v *node, fp string) {
		switch key {
		case "caps":
			f.Caps = d.strings(v, fp)
		case "arches":
			f.Arches = d.strings(v, fp)
		case "minKernel":
			f.MinKernel = d.optStr(v, fp)
		}
	})
	if len(f.Caps) == 0 && len(f.Arches) == 0 && f.MinKernel == "" {
		return nil
	}
	return f
}

func (d *decoder) action(s, path string) Action {
	a, err := ParseAction(s)
	if err == nil {
		return a
	}
	d.at(path, enumSuggestion(s, "SCMP_ACT_", err), "unknown action %q", s)
	return ActInvalid
}

func (d *decoder) operator(s, path string) Operator {
	o, err := ParseOperator(s)
	if err == nil {
		return o
	}
	d.at(path, enumSuggestion(s, "SCMP_CMP_", err), "unknown operator %q", s)
	return OpInvalid
}

func (d *decoder) flag(s, path string) Flag {
	f, err := ParseFlag(s)
	if err == nil {
		return f
	}
	d.at(path, enumSuggestion(s, "SECCOMP_FILTER_FLAG_", err), "unknown flag %q", s)
	return FlagInvalid
}

// enumSuggestion offers the prefixed spelling ("allow" → SCMP_ACT_ALLOW) before the
// nearest one.
func enumSuggestion(s, prefix string, err error) string {
	up := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(up, prefix) {
		up = prefix + up
	}
	for _, try := range []func(string) error{
		func(v string) error { _, e := ParseAction(v); return e },
		func(v string) error { _, e := ParseOperator(v); return e },
		func(v string) error { _, e := ParseFlag(v); return e },
	} {
		if try(up) == nil && up != s {
			return up
		}
	}
	if ee, ok := err.(*EnumError); ok {
		return ee.Suggestion
	}
	return ""
}

// arch decodes an SCMP_ARCH_* name. Runtimes accept only that exact spelling, so
// "x86_64" is an error that suggests SCMP_ARCH_X86_64.
func (d *decoder) arch(n *node, path string) syscalls.Arch {
	s, ok := d.str(n, path)
	if !ok {
		return syscalls.ArchInvalid
	}
	a, err := syscalls.ParseArch(s)
	if err == nil && a.String() == s {
		return a
	}
	sugg := ""
	if err == nil {
		sugg = a.String()
	} else {
		sugg = nearestString(strings.ToUpper(s), syscalls.ArchNames())
	}
	if s == "SCMP_ARCH_NATIVE" {
		d.at(path, "", "SCMP_ARCH_NATIVE is not supported: name the architecture (e.g. SCMP_ARCH_X86_64)")
		return syscalls.ArchInvalid
	}
	d.at(path, sugg, "unknown architecture %q", s)
	return syscalls.ArchInvalid
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// nearestString returns the candidate closest to s (case-insensitively), or "" when
// none is close enough to be a likely typo.
func nearestString(s string, candidates []string) string {
	best, bestD := "", len(s)/4+2
	for _, c := range candidates {
		d := syscalls.Distance(strings.ToLower(s), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
