package policy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
	"go.yaml.in/yaml/v3"
)

// decoder walks a yaml.Node tree of one policy file and records every
// problem with its position, so that one run of `policy validate` lists
// them all. It never panics on any input (FuzzLoad holds it to that).
type decoder struct {
	file  string
	lines []string // the source, for positions inside CEL expressions
	errs  ErrorList
	// budget bounds the nodes visited, so that aliases referring to
	// aliases (a "billion laughs" document) cannot make loading explode.
	budget int
	// repoFile is set for a repository's own .ospo-scan.yml.
	repoFile bool
}

// maxNodes is far above any real policy (200 custom rules use ~3,000).
const maxNodes = 200_000

func newDecoder(file string, src []byte) *decoder {
	return &decoder{file: file, lines: strings.Split(string(src), "\n"), budget: maxNodes}
}

func (d *decoder) at(n *yaml.Node) pos { return pos{file: d.file, line: n.Line, col: n.Column} }

func (d *decoder) fail(n *yaml.Node, hint, format string, args ...any) {
	d.errs = append(d.errs, d.at(n).err(hint, format, args...))
}

// resolve follows aliases. It returns nil once the budget is spent (after
// recording the problem once).
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	d.budget--
	if d.budget == 0 {
		d.fail(n, "write the values out instead of nesting aliases", "the document expands to more than %d values through aliases", maxNodes)
	}
	if d.budget <= 0 {
		return nil
	}
	return n
}

// kindName names what a node holds, for "must be X, not Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "empty"
		case "!!bool":
			return "true or false"
		case "!!int", "!!float":
			return "a number"
		}
		return fmt.Sprintf("the text %q", clip(n.Value))
	}
	return "something else"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// kv is one key of a mapping with its value.
type kv struct {
	key   string
	k, v  *yaml.Node
	index int
}

// mapping returns the pairs of a mapping node, with YAML merge keys ("<<")
// expanded and duplicate keys reported. ok is false when n is not a
// mapping (which is reported with what, e.g. "rules").
func (d *decoder) mapping(n *yaml.Node, what, hint string) ([]kv, bool) {
	n = d.resolve(n)
	if n == nil {
		return nil, false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, true // "rules:" with nothing after it is an empty mapping
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, hint, "%s must be a mapping, not %s", what, kindName(n))
		return nil, false
	}
	var out []kv
	seen := map[string]*yaml.Node{}
	var merged []kv
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.resolve(n.Content[i]), n.Content[i+1]
		if k == nil {
			return nil, false
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, "write a plain name", "a key in %s must be a name, not %s", what, kindName(k))
			continue
		}
		if k.Tag == "!!merge" {
			merged = append(merged, d.mergeSources(v, what)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, "keep one of them", "%s is set twice in %s (first at line %d)", k.Value, what, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, kv{key: k.Value, k: k, v: v, index: len(out)})
	}
	// Merged keys come first and explicit keys override them, as YAML
	// specifies.
	var pre []kv
	for _, m := range merged {
		if _, ok := seen[m.key]; ok {
			continue
		}
		seen[m.key] = m.k
		pre = append(pre, m)
	}
	return append(pre, out...), true
}

func (d *decoder) mergeSources(v *yaml.Node, what string) []kv {
	v = d.resolve(v)
	if v == nil {
		return nil
	}
	var srcs []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		srcs = []*yaml.Node{v}
	case yaml.SequenceNode:
		srcs = v.Content
	default:
		d.fail(v, "merge a mapping, e.g. <<: *defaults", "<< in %s must be a mapping or a list of mappings, not %s", what, kindName(v))
		return nil
	}
	var out []kv
	for _, s := range srcs {
		pairs, _ := d.mapping(s, what, "")
		out = append(out, pairs...)
	}
	return out
}

// object reads a mapping with a fixed set of keys; an unknown key is
// reported with the closest known one.
func (d *decoder) object(n *yaml.Node, what string, keys []string) (map[string]kv, bool) {
	pairs, ok := d.mapping(n, what, "")
	if !ok {
		return nil, false
	}
	out := make(map[string]kv, len(pairs))
	for _, p := range pairs {
		if !contains(keys, p.key) {
			d.fail(p.k, suggestHint(p.key, keys), "unknown key %q in %s", p.key, what)
			continue
		}
		out[p.key] = p
	}
	return out, true
}

func suggestHint(got string, keys []string) string {
	if s := closest(got, keys); s != "" {
		return fmt.Sprintf("did you mean %q? (valid keys: %s)", s, strings.Join(keys, ", "))
	}
	return "valid keys are " + strings.Join(keys, ", ")
}

// closest returns the candidate nearest to s, or "" when none is close.
func closest(s string, cands []string) string {
	best, bestD := "", 1<<30
	sorted := append([]string(nil), cands...)
	sort.Strings(sorted)
	for _, c := range sorted {
		dist := levenshtein.ComputeDistance(strings.ToLower(s), strings.ToLower(c))
		if dist < bestD {
			best, bestD = c, dist
		}
	}
	if bestD > max(2, len(s)/3) {
		return ""
	}
	return best
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str is a string value with its position.
type str struct {
	v  string
	at pos
}

// scalar reads a text value. Numbers and dates are accepted as their
// text ("title: 2027" is the title "2027"); true/false and empty are not.
func (d *decoder) scalar(n *yaml.Node, what, hint string) (str, bool) {
	n = d.resolve(n)
	if n == nil {
		return str{}, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Tag == "!!bool" {
		d.fail(n, hint, "%s must be text, not %s", what, kindName(n))
		return str{}, false
	}
	return str{v: n.Value, at: d.at(n)}, true
}

// strings reads a list of text values; a single value is a list of one.
func (d *decoder) strings(n *yaml.Node, what, hint string) ([]str, bool) {
	n = d.resolve(n)
	if n == nil {
		return nil, false
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		s, ok := d.scalar(n, what, hint)
		return []str{s}, ok
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, hint, "%s must be a list of text values, not %s", what, kindName(n))
		return nil, false
	}
	out := make([]str, 0, len(n.Content))
	ok := true
	for _, e := range n.Content {
		s, good := d.scalar(e, what+" entries", hint)
		if !good {
			ok = false
			continue
		}
		out = append(out, s)
	}
	return out, ok
}

// boolean reads true or false.
func (d *decoder) boolean(n *yaml.Node, what string) (bool, pos, bool) {
	n = d.resolve(n)
	if n == nil {
		return false, pos{}, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.fail(n, "write true or false", "%s must be true or false, not %s", what, kindName(n))
		return false, d.at(n), false
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	if err != nil {
		d.fail(n, "write true or false", "%s must be true or false, not %q", what, n.Value)
		return false, d.at(n), false
	}
	return b, d.at(n), true
}

// integer reads a whole number.
func (d *decoder) integer(n *yaml.Node, what string) (int, bool) {
	n = d.resolve(n)
	if n == nil {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.fail(n, "write a whole number, e.g. 200", "%s must be a whole number, not %s", what, kindName(n))
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 0)
	if err != nil {
		d.fail(n, "write a whole number, e.g. 200", "%s is not a whole number this program can hold: %s", what, n.Value)
		return 0, false
	}
	return int(v), true
}
