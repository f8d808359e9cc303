package files

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Limits that keep hostile documents from exhausting memory or stack.
const (
	// maxDepth is the deepest nesting accepted; real manifests (CRD schemas included) stay far below.
	maxDepth = 512
	// maxAliasNodes bounds the nodes produced by expanding aliases in one document (alias bombs).
	maxAliasNodes = 100_000
)

// converter turns one parsed YAML document into JSON-compatible values, as the API server
// would read it (YAML 1.1 scalars, as sigs.k8s.io/yaml does), and records the position of every
// field on the way. It never panics on input: every limit becomes an error.
type converter struct {
	pos        *inventory.Positions
	lineOffset int // added to yaml.v3's 1-based document-relative lines
	// lines maps the lines of rendered output (a Helm chart, a kustomization) back to the
	// files they came from; nil for a plain file.
	lines      *lineMap
	text       []byte
	lineStarts []int
	aliasNodes int
	warnings   []fieldWarning
	err        *convertError
	// segs is the path to the node being converted, rendered only for errors and warnings:
	// building a path string per field cost more than the conversion itself.
	segs []segment
}

type segment struct {
	key   string
	index int // -1 for a key segment
}

func (c *converter) push(key string, index int) {
	c.segs = append(c.segs, segment{key: key, index: index})
}
func (c *converter) pop() { c.segs = c.segs[:len(c.segs)-1] }

// path renders the current path.
func (c *converter) path() fieldpath.Path {
	p := fieldpath.Root
	for _, s := range c.segs {
		if s.index >= 0 {
			p = p.Index(s.index)
		} else {
			p = p.Key(s.key)
		}
	}
	return p
}

type fieldWarning struct {
	file      string // "" for the object's own file
	line, col int
	path      fieldpath.Path
	msg       string
}

type convertError struct {
	file      string // "" for the object's own file
	line, col int
	path      fieldpath.Path
	msg       string
	hint      string
}

func (c *converter) fail(n *yaml.Node, hint, format string, args ...any) {
	if c.err == nil {
		file, line, col := c.at(n.Line, n.Column)
		c.err = &convertError{file: file, line: line, col: col, path: c.path(), msg: fmt.Sprintf(format, args...), hint: hint}
	}
}

// at maps a document-relative line and column to the position recorded for it: the file
// ("" for the object's own), line and column.
func (c *converter) at(line, col int) (string, int, int) {
	if c.lines == nil {
		return "", line + c.lineOffset, col
	}
	return c.lines.at(line+c.lineOffset, col)
}

// record adds the position of node n, the field whose path hashes to h.
func (c *converter) record(h fieldpath.Hash, n *yaml.Node) {
	if c.lines == nil {
		c.pos.Add(h, n.Line+c.lineOffset, n.Column)
		return
	}
	file, line, col := c.lines.at(n.Line+c.lineOffset, n.Column)
	c.pos.AddIn(h, file, line, col)
}

// value converts n, whose path hashes to h, at depth d.
func (c *converter) value(n *yaml.Node, h fieldpath.Hash, d int, viaAlias bool) any {
	if c.err != nil {
		return nil
	}
	if d > maxDepth {
		c.fail(n, "", "document is nested deeper than %d levels", maxDepth)
		return nil
	}
	if viaAlias {
		c.aliasNodes++
		if c.aliasNodes > maxAliasNodes {
			c.fail(n, "", "aliases expand to more than %d nodes (a YAML alias bomb?)", maxAliasNodes)
			return nil
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.value(n.Content[0], h, d, viaAlias)
	case yaml.AliasNode:
		if n.Alias == nil {
			c.fail(n, "", "unknown alias %q", n.Value)
			return nil
		}
		return c.value(n.Alias, h, d+1, true)
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			ih := h.Index(i)
			c.record(ih, n.Content[i])
			c.push("", i)
			list = append(list, c.value(item, ih, d+1, viaAlias))
			c.pop()
		}
		return list
	case yaml.MappingNode:
		if n.Style&yaml.FlowStyle != 0 && c.startsWithTemplateAction(n) {
			c.fail(n, helmHint, "unrendered template action")
			return nil
		}
		m := make(map[string]any, len(n.Content)/2)
		c.mapping(n, m, h, d, viaAlias)
		return m
	}
	c.fail(n, "", "unsupported YAML node")
	return nil
}

// mapping fills m from mapping node n.
// smallMapping is the key count up to which duplicate keys are found by scanning.
const smallMapping = 16

// earlierKey finds key among the keys of pairs (key, value, key, value, ...), returning the
// line of its latest occurrence, as the map of larger mappings does. Merge keys ("<<") never
// match a written key.
func earlierKey(pairs []*yaml.Node, key string) (line int, found bool) {
	for i := len(pairs) - 2; i >= 0; i -= 2 {
		kn := pairs[i]
		if kn.Kind == yaml.AliasNode && kn.Alias != nil {
			kn = kn.Alias
		}
		if kn.Value == key && !(key == "<<" && kn.Style == 0 && kn.Tag != "!!str") {
			return kn.Line, true
		}
	}
	return 0, false
}

func (c *converter) mapping(n *yaml.Node, m map[string]any, h fieldpath.Hash, d int, viaAlias bool) {
	// Merge sources are walked here, not through value, so limits are enforced here too:
	// a mapping may merge itself (&a {<<: *a}) and merges may fan out exponentially.
	if d > maxDepth {
		c.fail(n, "", "document is nested deeper than %d levels", maxDepth)
		return
	}
	if viaAlias {
		c.aliasNodes += len(n.Content) / 2
		if c.aliasNodes > maxAliasNodes {
			c.fail(n, "", "aliases expand to more than %d nodes (a YAML alias bomb?)", maxAliasNodes)
			return
		}
	}
	var merges []*yaml.Node
	// Duplicate keys: small mappings (nearly all of a manifest) compare with the keys before
	// them instead of building a map per mapping.
	var seen map[string]int
	if len(n.Content) > 2*smallMapping {
		seen = make(map[string]int, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.AliasNode && kn.Alias != nil {
			kn = kn.Alias
		}
		if kn.Kind != yaml.ScalarNode {
			c.fail(kn, "", "mapping key is a %s; Kubernetes objects only have string keys", kindName(kn.Kind))
			return
		}
		key := kn.Value
		if key == "<<" && kn.Style == 0 && kn.Tag != "!!str" {
			merges = append(merges, vn)
			continue
		}
		first, dup := 0, false
		if seen != nil {
			first, dup = seen[key]
			seen[key] = kn.Line
		} else {
			first, dup = earlierKey(n.Content[:i], key)
		}
		if dup {
			file, line, col := c.at(kn.Line, kn.Column)
			_, firstLine, _ := c.at(first, 0)
			c.warnings = append(c.warnings, fieldWarning{
				file: file, line: line, col: col, path: c.path().Key(key),
				msg: fmt.Sprintf("duplicate key %q (first at line %d); the last value wins, as in the API server", key, firstLine),
			})
		}
		kh := h.Key(len(c.segs) == 0, key)
		c.record(kh, kn)
		c.push(key, -1)
		m[key] = c.value(vn, kh, d+1, viaAlias)
		c.pop()
		if c.err != nil {
			return
		}
	}
	// Merge keys (YAML 1.1, honoured by the API server's YAML reader): keys written in this
	// mapping win over merged ones; earlier merge sources win over later ones.
	for _, mn := range merges {
		src := mn
		via := viaAlias
		if src.Kind == yaml.AliasNode && src.Alias != nil {
			src, via = src.Alias, true
		}
		sources := []*yaml.Node{src}
		if src.Kind == yaml.SequenceNode {
			sources = sources[:0]
			for _, s := range src.Content {
				if s.Kind == yaml.AliasNode && s.Alias != nil {
					s = s.Alias
				}
				sources = append(sources, s)
			}
			via = true
		}
		for _, s := range sources {
			if s.Kind != yaml.MappingNode {
				c.fail(mn, "", "merge key (<<) value must be a mapping or a list of mappings")
				return
			}
			merged := make(map[string]any)
			c.mapping(s, merged, h, d+1, via)
			if c.err != nil {
				return
			}
			for k, v := range merged {
				if _, ok := m[k]; !ok {
					m[k] = v
				}
			}
		}
	}
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

func (c *converter) scalar(n *yaml.Node) any {
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.ShortTag() {
		case "!!str", "!!binary", "!!timestamp":
			return n.Value
		case "!!null":
			return nil
		case "!!bool", "!!int", "!!float":
			v := resolvePlain(n.Value)
			if v == nil || isString(v) {
				c.fail(n, "", "value %q is not a valid %s", truncate(n.Value), n.ShortTag())
			}
			return v
		}
		// Local tags (!foo) carry no meaning for Kubernetes: read the value as untagged.
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	return resolvePlain(n.Value)
}

func isString(v any) bool { _, ok := v.(string); return ok }

var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolvePlain resolves an unquoted scalar with YAML 1.1 rules, as go-yaml v2 (behind
// sigs.k8s.io/yaml, which the API server and kubectl use) does: "yes"/"on" are true,
// 0644 is octal. A security tool must read privileged: yes as the cluster will.
func resolvePlain(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return math.Inf(1)
	case "-.inf", "-.Inf", "-.INF":
		return math.Inf(-1)
	case ".nan", ".NaN", ".NAN":
		return math.NaN()
	}
	c := s[0]
	if !(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
		return s
	}
	plain := strings.ReplaceAll(s, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return i
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return float64(u)
	}
	if yamlFloat.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return int64(f) // JSON has one number type; integral values decode into int fields
			}
			return f
		}
	}
	for _, p := range []string{"0b", "-0b", "+0b"} {
		if strings.HasPrefix(plain, p) {
			if i, err := strconv.ParseInt(strings.Replace(plain, "0b", "", 1), 2, 64); err == nil {
				return i
			}
		}
	}
	return s
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// startsWithTemplateAction reports whether a flow mapping starts with "{{": YAML reads a
// Helm action such as {{- include "x" . }} as nested flow mappings, which no manifest means.
func (c *converter) startsWithTemplateAction(n *yaml.Node) bool {
	off := c.offset(n.Line, n.Column)
	return off >= 0 && off+1 < len(c.text) && c.text[off] == '{' && c.text[off+1] == '{'
}

// offset maps a document-relative 1-based line and column to a byte offset in c.text.
func (c *converter) offset(line, col int) int {
	if c.lineStarts == nil {
		c.lineStarts = []int{0}
		for i, b := range c.text {
			if b == '\n' {
				c.lineStarts = append(c.lineStarts, i+1)
			}
		}
	}
	if line < 1 || line > len(c.lineStarts) {
		return -1
	}
	// yaml.v3 columns count runes; the bytes before a "{{" on its line are nearly always ASCII.
	return c.lineStarts[line-1] + col - 1
}
