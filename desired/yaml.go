package desired

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// nodeReader reads yaml.v3 nodes strictly, recording every problem at its
// position instead of stopping at the first.
type nodeReader struct {
	source, file string
	errs         *Errors
}

func (r *nodeReader) pos(n *yaml.Node) Pos {
	return Pos{Source: r.source, File: r.file, Line: n.Line, Col: n.Column}
}

func (r *nodeReader) errorf(n *yaml.Node, format string, args ...any) {
	r.errs.Add(r.pos(n), format, args...)
}

// field is how one key of a mapping is read.
type field struct {
	read func(key, value *yaml.Node)
	// readOnly, when set, is why the key may not be declared.
	readOnly string
}

// mapping reads a mapping node: each key with its field, unknown and
// duplicate keys are errors. what names the mapping in messages.
func (r *nodeReader) mapping(n *yaml.Node, what string, fields map[string]field) {
	r.entries(n, what, func(name string, k, v *yaml.Node) {
		f, known := fields[name]
		switch {
		case !known:
			r.errorf(k, "%s: unknown key %q; valid keys: %s", what, name, strings.Join(SortedKeys(withoutReadOnly(fields)), ", "))
		case f.readOnly != "":
			r.errorf(k, "%s: %s cannot be set: %s", what, name, f.readOnly)
		default:
			f.read(k, v)
		}
	})
}

func withoutReadOnly(fields map[string]field) map[string]field {
	out := map[string]field{}
	for k, f := range fields {
		if f.readOnly == "" {
			out[k] = f
		}
	}
	return out
}

// entries reads a mapping: keys (field names, resource names, user and
// group names) to values; duplicate keys are errors.
func (r *nodeReader) entries(n *yaml.Node, what string, read func(name string, k, v *yaml.Node)) {
	if !r.isKind(n, yaml.MappingNode, what, "a mapping") {
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name, ok := r.str(k, what)
		if !ok {
			continue
		}
		if first, dup := seen[name]; dup {
			r.errorf(k, "%s: duplicate key %q (first at line %d)", what, name, first.Line)
			continue
		}
		seen[name] = k
		if r.notAlias(v) {
			read(name, k, v)
		}
	}
}

// items reads a sequence of mappings.
func (r *nodeReader) items(n *yaml.Node, what string, read func(item *yaml.Node)) {
	if !r.isKind(n, yaml.SequenceNode, what, "a list") {
		return
	}
	for _, item := range n.Content {
		if r.notAlias(item) {
			read(item)
		}
	}
}

// notAlias rejects YAML aliases: expanding them could make a small file
// describe an enormous state.
func (r *nodeReader) notAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		r.errorf(n, "YAML aliases (*%s) are not supported: write the value out", n.Value)
		return false
	}
	return true
}

func (r *nodeReader) isKind(n *yaml.Node, kind yaml.Kind, what, want string) bool {
	if n.Kind == kind {
		return true
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && kind != yaml.ScalarNode {
		r.errorf(n, "%s: want %s, got nothing", what, want)
		return false
	}
	r.errorf(n, "%s: want %s, got %s", what, want, describe(n))
	return false
}

// describe names what a node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!bool":
		return "a boolean (" + n.Value + ")"
	case "!!int", "!!float":
		return "a number (" + n.Value + ")"
	case "!!null":
		return "nothing"
	}
	return fmt.Sprintf("the string %q", n.Value)
}

// str reads a string. Numbers are taken as their text (a display name may
// be "2024"); booleans, nulls, lists and mappings are errors.
func (r *nodeReader) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "!!int" || n.Tag == "!!float") {
		return n.Value, true
	}
	r.errorf(n, "%s: want a string, got %s", what, describe(n))
	return "", false
}

func (r *nodeReader) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	r.errorf(n, "%s: want true or false, got %s", what, describe(n))
	return false, false
}

func (r *nodeReader) integer(n *yaml.Node, what string) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return v, true
		}
	}
	r.errorf(n, "%s: want a whole number, got %s", what, describe(n))
	return 0, false
}

// strList reads a list of strings; "[]" is an empty, non-nil list.
func (r *nodeReader) strList(n *yaml.Node, what string) ([]string, bool) {
	if !r.isKind(n, yaml.SequenceNode, what, "a list") {
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		if !r.notAlias(item) {
			ok = false
			continue
		}
		s, good := r.str(item, what)
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// strPtr, boolPtr and intPtr read a scalar field into a pointer.
func (r *nodeReader) strPtr(dst **string, what string) func(k, v *yaml.Node) {
	return func(k, v *yaml.Node) {
		if s, ok := r.str(v, what+": "+k.Value); ok {
			*dst = &s
		}
	}
}

func (r *nodeReader) boolPtr(dst **bool, what string) func(k, v *yaml.Node) {
	return func(k, v *yaml.Node) {
		if b, ok := r.boolean(v, what+": "+k.Value); ok {
			*dst = &b
		}
	}
}

func (r *nodeReader) intPtr(dst **int64, what string) func(k, v *yaml.Node) {
	return func(k, v *yaml.Node) {
		if i, ok := r.integer(v, what+": "+k.Value); ok {
			*dst = &i
		}
	}
}

// yamlLine finds the line in a yaml.v3 syntax error message.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError records a YAML syntax error at its line.
func (r *nodeReader) syntaxError(err error) {
	msg := err.Error()
	pos := Pos{Source: r.source, File: r.file}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Col = 1
		msg = m[2]
	}
	r.errs.Add(pos, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// names lowers and de-duplicates a list of usernames or group names.
func names(list []string) []string {
	out := slices.Clone(list)
	for i, n := range out {
		out[i] = Key(n)
	}
	return set(out)
}
