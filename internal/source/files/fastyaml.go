package files

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// parseFast builds the yaml.v3 node tree of one document written in the block style nearly
// every manifest uses (block mappings and sequences, plain and one-line quoted scalars,
// literal and folded block scalars, one-line flow collections, comments), several times
// faster than yaml.v3's libyaml port, which spent half of a scan's CPU time on tokens and
// events. It returns ok=false, having decided nothing, for anything outside that subset:
// anchors, aliases, tags, merge keys, multi-line plain or quoted scalars, multi-line flow
// collections, tabs, CR, non-ASCII text, directives and any error. The caller then parses the
// document with yaml.v3, so results, positions and error messages never depend on which
// parser ran; TestFastParserAgreesWithYAMLv3 and FuzzFastParser hold the two to the same tree.
//
// The tree lives in p's buffers: it is valid until p parses the next document.
func (p *fastParser) parse(text []byte) (doc *yaml.Node, ok bool) {
	for _, b := range text {
		if (b < 0x20 && b != '\n') || b >= 0x7f {
			return nil, false
		}
	}
	p.text, p.i, p.depth = text, 0, 0
	p.splitLines()
	defer func() {
		if r := recover(); r != nil {
			if r != errBail {
				panic(r)
			}
			doc, ok = nil, false
		}
	}()
	return p.document(), true
}

// errBail unwinds the fast parser when the document leaves its subset.
var errBail = &struct{ string }{"leave the fast YAML path"}

func bail() { panic(errBail) }

type fastLine struct {
	start, end int // byte offsets of the line, without its newline
	indent     int // leading spaces (may be raised for a compact mapping after "- ")
	blank      bool
}

type fastParser struct {
	text  []byte
	lines []fastLine
	i     int // the current line
	depth int // nesting of the collection being parsed
	// nodes and children hold the tree: a few allocations per worker instead of one or
	// more per node. stack collects the children of the collections being parsed.
	nodes    []yaml.Node
	children []*yaml.Node
	stack    []*yaml.Node
}

// parseFast parses one document with a parser of its own (tests).
func parseFast(text []byte) (*yaml.Node, bool) {
	var p fastParser
	return p.parse(text)
}

func (p *fastParser) splitLines() {
	p.lines = p.lines[:0]
	p.nodes, p.children, p.stack = p.nodes[:0], p.children[:0], p.stack[:0]
	for off := 0; off <= len(p.text); {
		end := bytes.IndexByte(p.text[off:], '\n')
		if end < 0 {
			end = len(p.text)
		} else {
			end += off
		}
		l := fastLine{start: off, end: end}
		for l.start+l.indent < end && p.text[l.start+l.indent] == ' ' {
			l.indent++
		}
		l.blank = l.start+l.indent == end || p.text[l.start+l.indent] == '#'
		p.lines = append(p.lines, l)
		off = end + 1
	}
}

func (p *fastParser) node(kind yaml.Kind, style yaml.Style, value string, line, off int) *yaml.Node {
	if len(p.nodes) == cap(p.nodes) {
		// A full buffer is replaced, never grown: nodes already handed out point into it.
		p.nodes = make([]yaml.Node, 0, max(256, 2*cap(p.nodes)))
	}
	p.nodes = append(p.nodes, yaml.Node{Kind: kind, Style: style, Value: value, Line: line + 1, Column: off - p.lines[line].start + 1})
	return &p.nodes[len(p.nodes)-1]
}

// collect moves the children pushed on the stack since mark into n.Content.
func (p *fastParser) collect(n *yaml.Node, mark int) {
	k := len(p.stack) - mark
	if len(p.children)+k > cap(p.children) {
		p.children = make([]*yaml.Node, 0, max(1024, 2*cap(p.children), k))
	}
	start := len(p.children)
	p.children = append(p.children, p.stack[mark:]...)
	n.Content = p.children[start : start+k : start+k]
	p.stack = p.stack[:mark]
}

// nextContent moves to the next line that is neither blank nor a comment and reports
// whether there is one.
func (p *fastParser) nextContent() bool {
	for p.i < len(p.lines) && p.lines[p.i].blank {
		p.i++
	}
	return p.i < len(p.lines)
}

func (p *fastParser) document() *yaml.Node {
	if !p.nextContent() {
		bail() // empty documents: yaml.v3 decides what they are
	}
	l := p.lines[p.i]
	if l.indent == 0 && isMarker(p.text[l.start:l.end], "---") {
		if rest := p.skipSpaces(l.start+3, l.end); rest < l.end && p.text[rest] != '#' {
			bail()
		}
		p.i++
		if !p.nextContent() {
			bail()
		}
	}
	l = p.lines[p.i]
	if c := p.text[l.start+l.indent]; c == '%' || c == '-' || !p.isKeyLine(p.i) {
		bail() // a directive, a sequence or a scalar: not an object, leave it to yaml.v3
	}
	body := p.mapping(l.indent)
	if p.nextContent() {
		l := p.lines[p.i]
		if !(l.indent == 0 && isMarker(p.text[l.start:l.end], "...")) {
			bail()
		}
		if rest := p.skipSpaces(l.start+3, l.end); rest < l.end && p.text[rest] != '#' {
			bail() // "... b: c" is an error
		}
		p.i++
		if p.nextContent() {
			bail()
		}
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Line: body.Line, Column: body.Column, Content: []*yaml.Node{body}}
	return doc
}

func (p *fastParser) skipSpaces(off, end int) int {
	for off < end && p.text[off] == ' ' {
		off++
	}
	return off
}

// isMarkerLine reports whether line i is a document start or end marker.
func (p *fastParser) isMarkerLine(i int) bool {
	l := p.text[p.lines[i].start:p.lines[i].end]
	return isMarker(l, "---") || isMarker(l, "...")
}

// isKeyLine reports whether line i, from its indentation, starts with "key:".
func (p *fastParser) isKeyLine(i int) bool {
	l := p.lines[i]
	_, _, _, ok := p.key(l.start+l.indent, l.end)
	return ok
}

// key reads an implicit key at off: its node text, style and the offset just after its
// colon. ok is false when the line does not start with a key.
func (p *fastParser) key(off, end int) (value string, style yaml.Style, after int, ok bool) {
	t := p.text
	switch t[off] {
	case '"', '\'':
		v, close := p.quoted(off, end)
		if close < 0 {
			return "", 0, 0, false
		}
		j := p.skipSpaces(close, end)
		if j < end && t[j] == ':' && (j+1 == end || t[j+1] == ' ') && j-off <= maxKeyLength {
			st := quoteStyle(t[off])
			return v, st, j + 1, true
		}
		return "", 0, 0, false
	}
	if !plainStart(t, off, end) {
		return "", 0, 0, false
	}
	for j := off; j < end; j++ {
		switch t[j] {
		case ':':
			if j+1 == end || t[j+1] == ' ' {
				k := j
				for k > off && t[k-1] == ' ' {
					k--
				}
				if j-off > maxKeyLength { // yaml.v3 measures up to the colon
					return "", 0, 0, false
				}
				return string(t[off:k]), 0, j + 1, true
			}
		case '#':
			if t[j-1] == ' ' {
				return "", 0, 0, false
			}
		}
	}
	return "", 0, 0, false
}

// maxKeyLength is YAML's limit on an implicit key, up to its colon.
const maxKeyLength = 1024

// maxFastDepth bounds the nesting the fast path follows: its recursion must not exhaust the
// stack on hostile input (a Go stack overflow cannot be recovered). Deeper documents go to
// yaml.v3, which has its own limit, and the converter rejects them past maxDepth anyway.
const maxFastDepth = 256

// enter counts one more level of nesting, bailing past maxFastDepth; leave undoes it.
func (p *fastParser) enter() {
	p.depth++
	if p.depth > maxFastDepth {
		bail()
	}
}

func (p *fastParser) leave() { p.depth-- }

// quoteStyle is the node style of a scalar quoted with q.
func quoteStyle(q byte) yaml.Style {
	if q == '\'' {
		return yaml.SingleQuotedStyle
	}
	return yaml.DoubleQuotedStyle
}

// plainStart reports whether a plain scalar may start at off (YAML's ns-plain-first).
func plainStart(t []byte, off, end int) bool {
	switch t[off] {
	case '-', '?', ':':
		return off+1 < end && t[off+1] != ' '
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return true
}

// isEntry reports whether a block sequence entry ("- " or a lone "-") starts at off.
func (p *fastParser) isEntry(off, end int) bool {
	return p.text[off] == '-' && (off+1 == end || p.text[off+1] == ' ')
}

// mapping parses the block mapping whose keys start at column indent on the current line.
func (p *fastParser) mapping(indent int) *yaml.Node {
	p.enter()
	defer p.leave()
	var m *yaml.Node
	mark := len(p.stack)
	for p.nextContent() {
		l := p.lines[p.i]
		if l.indent < indent || l.indent == 0 && p.isMarkerLine(p.i) {
			break
		}
		if l.indent > indent {
			bail()
		}
		off := l.start + indent
		kv, kst, after, ok := p.key(off, l.end)
		if !ok {
			if p.isEntry(off, l.end) {
				break // the parent's indentless sequence goes on, or ends here
			}
			bail()
		}
		if kst == 0 && kv == "<<" {
			bail() // merge keys: yaml.v3 tags them, the converter merges
		}
		k := p.node(yaml.ScalarNode, kst, kv, p.i, off)
		if m == nil {
			m = p.node(yaml.MappingNode, 0, "", p.i, off)
		}
		v := p.value(indent, after, l.end, true)
		p.stack = append(p.stack, k, v)
	}
	if m == nil {
		bail()
	}
	p.collect(m, mark)
	return m
}

// sequence parses the block sequence whose dashes are at column indent.
func (p *fastParser) sequence(indent int) *yaml.Node {
	p.enter()
	defer p.leave()
	var s *yaml.Node
	mark := len(p.stack)
	for p.nextContent() {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		off := l.start + indent
		if l.indent > indent {
			bail()
		}
		if !p.isEntry(off, l.end) {
			break
		}
		if s == nil {
			s = p.node(yaml.SequenceNode, 0, "", p.i, off)
		}
		v := p.value(indent, off+1, l.end, false)
		p.stack = append(p.stack, v)
	}
	if s == nil {
		bail()
	}
	p.collect(s, mark)
	return s
}

// value parses the node that follows a mapping key's colon or a sequence entry's dash at
// offset off of the current line; parent is the column of that key or dash.
func (p *fastParser) value(parent, off, end int, inMapping bool) *yaml.Node {
	t := p.text
	line := p.i
	j := p.skipSpaces(off, end)
	if j == end || t[j] == '#' {
		// The value starts on a later line, or is empty.
		p.i++
		if p.nextContent() {
			l := p.lines[p.i]
			isDash := p.isEntry(l.start+l.indent, l.end)
			switch {
			case l.indent > parent:
				if isDash {
					return p.sequence(l.indent)
				}
				if !p.isKeyLine(p.i) {
					bail() // a scalar on its own line
				}
				return p.mapping(l.indent)
			case l.indent == parent && isDash && inMapping:
				return p.sequence(parent)
			}
		}
		return p.node(yaml.ScalarNode, 0, "", line, off)
	}
	if j == off && !inMapping {
		bail() // "-x" is a scalar, not an entry; the caller checked, but keep the invariant
	}
	var n *yaml.Node
	switch c := t[j]; {
	case c == '"' || c == '\'':
		v, close := p.quoted(j, end)
		if close < 0 {
			bail()
		}
		st := quoteStyle(c)
		n = p.node(yaml.ScalarNode, st, v, line, j)
		p.endOfLine(close, end)
		p.i++
	case c == '|' || c == '>':
		return p.blockScalar(parent, j, end)
	case c == '[' || c == '{':
		if j+1 < end && t[j+1] == '{' {
			bail() // a Helm action: yaml.v3's tree lets the converter explain it
		}
		var close int
		n, close = p.flow(j, end)
		p.endOfLine(close, end)
		p.i++
	case p.isEntry(j, end):
		if inMapping {
			bail() // "key: - x" is an error
		}
		// "- - x": a nested compact sequence.
		p.lines[p.i].indent = j - p.lines[p.i].start
		return p.sequence(j - p.lines[p.i].start)
	default:
		if !plainStart(t, j, end) {
			bail()
		}
		if _, _, _, isKey := p.key(j, end); isKey {
			if inMapping {
				bail() // "a: b: c" is an error
			}
			// "- key: value": a compact mapping whose keys line up with this one.
			p.lines[p.i].indent = j - p.lines[p.i].start
			return p.mapping(j - p.lines[p.i].start)
		}
		k := end
		for x := j; x < end; x++ {
			if t[x] == '#' && t[x-1] == ' ' {
				k = x
				break
			}
			if t[x] == ':' && (x+1 == end || t[x+1] == ' ') {
				bail()
			}
		}
		for k > j && t[k-1] == ' ' {
			k--
		}
		n = p.node(yaml.ScalarNode, 0, string(t[j:k]), line, j)
		p.i++
	}
	p.noContinuation(parent)
	return n
}

// noContinuation bails when the next line that is not blank or a comment is indented more
// than parent: after a one-line value it would continue it (a multi-line plain scalar) or be
// an error; either way it is yaml.v3's to read. Comments never continue a scalar.
func (p *fastParser) noContinuation(parent int) {
	for q := p.i; q < len(p.lines); q++ {
		l := p.lines[q]
		if l.blank {
			continue
		}
		if l.indent > parent {
			bail()
		}
		return
	}
}

// endOfLine checks that only spaces and a comment follow offset off.
func (p *fastParser) endOfLine(off, end int) {
	j := p.skipSpaces(off, end)
	if j < end && (p.text[j] != '#' || j == off) {
		bail()
	}
}

// quoted reads a one-line quoted scalar starting at off; close is the offset after the
// closing quote, or -1.
func (p *fastParser) quoted(off, end int) (string, int) {
	t := p.text
	if t[off] == '\'' {
		var b []byte
		for j := off + 1; j < end; j++ {
			if t[j] == '\'' {
				if j+1 < end && t[j+1] == '\'' {
					if b == nil {
						b = append([]byte(nil), t[off+1:j]...)
					}
					b = append(b, '\'')
					j++
					continue
				}
				if b == nil {
					return string(t[off+1 : j]), j + 1
				}
				return string(b), j + 1
			}
			if b != nil {
				b = append(b, t[j])
			}
		}
		return "", -1
	}
	var b []byte
	for j := off + 1; j < end; j++ {
		switch t[j] {
		case '"':
			if b == nil {
				return string(t[off+1 : j]), j + 1
			}
			return string(b), j + 1
		case '\\':
			if b == nil {
				b = append([]byte(nil), t[off+1:j]...)
			}
			if j+1 >= end {
				return "", -1
			}
			j++
			switch e := t[j]; e {
			case '0':
				b = append(b, 0)
			case 'a':
				b = append(b, '\a')
			case 'b':
				b = append(b, '\b')
			case 't':
				b = append(b, '\t')
			case 'n':
				b = append(b, '\n')
			case 'v':
				b = append(b, '\v')
			case 'f':
				b = append(b, '\f')
			case 'r':
				b = append(b, '\r')
			case 'e':
				b = append(b, 0x1b)
			case ' ', '"', '\\': // not "\/": yaml.v3 rejects it
				b = append(b, e)
			case 'x', 'u', 'U':
				w := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if j+w >= end {
					return "", -1
				}
				r, err := strconv.ParseUint(string(t[j+1:j+1+w]), 16, 32)
				if err != nil || !utf8.ValidRune(rune(r)) {
					return "", -1
				}
				b = utf8.AppendRune(b, rune(r))
				j += w
			default:
				return "", -1
			}
		default:
			if b != nil {
				b = append(b, t[j])
			}
		}
	}
	return "", -1
}

// blockScalar reads a literal (|) or folded (>) scalar whose indicator is at off, with its
// content on the following lines indented more than parent.
func (p *fastParser) blockScalar(parent, off, end int) *yaml.Node {
	t := p.text
	line := p.i
	style := yaml.LiteralStyle
	if t[off] == '>' {
		style = yaml.FoldedStyle
	}
	chomp := byte(0)
	j := off + 1
	if j < end && (t[j] == '-' || t[j] == '+') {
		chomp = t[j]
		j++
	}
	if j < end && t[j] != ' ' {
		bail() // an indentation indicator, or junk
	}
	p.endOfLine(j, end)
	// Content lines: everything more indented than parent, and blank lines between.
	first := line + 1
	indent, last := -1, first // last: one past the final content line
	for q := first; q < len(p.lines); q++ {
		l := p.lines[q]
		if l.start+l.indent == l.end { // whitespace only
			if indent >= 0 && l.indent > indent || indent < 0 && l.indent > parent+1 {
				bail() // spaces that may be content, or a wrongly indented first line
			}
			continue
		}
		if indent < 0 {
			if l.indent <= parent {
				break
			}
			indent = l.indent
		}
		if l.indent < indent {
			break
		}
		last = q + 1
	}
	if indent < 0 {
		if chomp == '+' {
			bail()
		}
		p.i = first
		return p.node(yaml.ScalarNode, style, "", line, off)
	}
	var b []byte
	trailing := 0 // empty lines since the last content line
	wrote := false
	for q := first; q < last; q++ {
		l := p.lines[q]
		if l.start+l.indent == l.end {
			trailing++
			continue
		}
		text := t[l.start+indent : l.end]
		if style == yaml.FoldedStyle {
			if text[0] == ' ' {
				bail() // more-indented lines keep their breaks in folded scalars
			}
			switch {
			case !wrote:
				b = append(b, bytes.Repeat([]byte{'\n'}, trailing)...)
			case trailing == 0:
				b = append(b, ' ')
			default:
				b = append(b, bytes.Repeat([]byte{'\n'}, trailing)...)
			}
		} else {
			if wrote {
				b = append(b, '\n')
			}
			b = append(b, bytes.Repeat([]byte{'\n'}, trailing)...)
		}
		b = append(b, text...)
		wrote = true
		trailing = 0
	}
	// Blank lines after the last content line, up to the next content, belong to the
	// scalar's trailing breaks.
	q := last
	for q < len(p.lines) && p.lines[q].start+p.lines[q].indent == p.lines[q].end {
		trailing++
		q++
	}
	// The final line break is the text's: a file may end without one.
	switch {
	case chomp == 0 && p.lines[last-1].end < len(t):
		b = append(b, '\n')
	case chomp == '+':
		if q == len(p.lines) {
			bail()
		}
		b = append(b, bytes.Repeat([]byte{'\n'}, trailing+1)...)
	}
	p.i = last
	n := p.node(yaml.ScalarNode, style, string(b), line, off)
	p.noContinuation(parent)
	return n
}

// flow reads a one-line flow collection starting at off and returns it with the offset
// after its closing bracket.
func (p *fastParser) flow(off, end int) (*yaml.Node, int) {
	p.enter()
	defer p.leave()
	t := p.text
	line := p.i
	seq := t[off] == '['
	kind, closer := yaml.MappingNode, byte('}')
	if seq {
		kind, closer = yaml.SequenceNode, ']'
	}
	n := p.node(kind, yaml.FlowStyle, "", line, off)
	mark := len(p.stack)
	j := off + 1
	for {
		j = p.skipSpaces(j, end)
		if j >= end {
			bail()
		}
		if t[j] == closer {
			p.collect(n, mark)
			return n, j + 1
		}
		item, next := p.flowScalarOrCollection(j, end, !seq)
		if seq {
			p.stack = append(p.stack, item)
			j = p.skipSpaces(next, end)
			if j < end && t[j] == ':' {
				bail() // a single-pair mapping inside a sequence
			}
		} else {
			j = next
			if j >= end || t[j] != ':' {
				j = p.skipSpaces(j, end)
				if j >= end || t[j] != ':' {
					bail() // a key without a value
				}
			}
			if item.Style == 0 && j+1 < end && t[j+1] != ' ' {
				bail()
			}
			j = p.skipSpaces(j+1, end)
			if j >= end || t[j] == ',' || t[j] == closer {
				bail() // an empty value
			}
			var v *yaml.Node
			v, j = p.flowScalarOrCollection(j, end, false)
			p.stack = append(p.stack, item, v)
			j = p.skipSpaces(j, end)
		}
		if j >= end {
			bail()
		}
		switch t[j] {
		case ',':
			j++
			if k := p.skipSpaces(j, end); k < end && (t[k] == ',' || t[k] == closer) {
				bail() // empty entries and trailing commas
			}
		case closer:
		default:
			bail()
		}
	}
}

func (p *fastParser) flowScalarOrCollection(off, end int, isKey bool) (*yaml.Node, int) {
	t := p.text
	switch t[off] {
	case '[', '{':
		if isKey {
			bail()
		}
		return p.flow(off, end)
	case '"', '\'':
		v, close := p.quoted(off, end)
		if close < 0 {
			bail()
		}
		st := quoteStyle(t[off])
		return p.node(yaml.ScalarNode, st, v, p.i, off), close
	}
	// In flow context yaml.v3 reads '?' as the key indicator wherever it stands, and ':'
	// next to other indicators in ways the fast path does not follow: a plain scalar with
	// either anywhere but as the ": " separator is left to yaml.v3.
	if !plainStart(t, off, end) || t[off] == ':' {
		bail()
	}
	j := off
	for ; j < end; j++ {
		c := t[j]
		if c == ',' || c == '[' || c == ']' || c == '{' || c == '}' {
			break
		}
		if c == ':' && (j+1 == end || t[j+1] == ' ' || t[j+1] == ',' || t[j+1] == ']' || t[j+1] == '}') {
			break
		}
		if c == '?' || c == ':' || c == '#' && t[j-1] == ' ' {
			bail()
		}
	}
	k := j
	for k > off && t[k-1] == ' ' {
		k--
	}
	if k == off {
		bail()
	}
	return p.node(yaml.ScalarNode, 0, string(t[off:k]), p.i, off), j
}
