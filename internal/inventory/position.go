package inventory

import (
	"cmp"
	"slices"
	"sort"

	"github.com/eksguard/eksguard/internal/fieldpath"
)

// Position is a place in a source file. Line and Column are 1-based; zero means unknown.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// RenderedFrom is set when File is a Helm template or a kustomize input that the object
	// was rendered from ("helm:<chart>", "kustomize:<dir>"); Line then is mapped back from the
	// rendered output where the text could be matched, else it is the file's line 1.
	RenderedFrom string `json:"renderedFrom,omitempty"`
}

// Positions maps the field paths of one object to where they start in its source file.
// It is filled once while parsing and holds 16 bytes per field: a hash of the path and
// its line and column, sorted for binary search.
type Positions struct {
	entries []posEntry
	// elsewhere names the file of each field recorded with AddIn in another file than the
	// object's own (a kustomize patch); nil for the usual single-file object.
	elsewhere map[fieldpath.Hash]string
}

type posEntry struct {
	hash fieldpath.Hash
	line uint32
	col  uint32
}

// Add records the position of the field whose path hashes to h.
func (p *Positions) Add(h fieldpath.Hash, line, col int) {
	p.entries = append(p.entries, posEntry{hash: h, line: uint32(line), col: uint32(col)})
}

// AddIn records the position of a field that comes from another file than the object's
// Origin.File (a kustomize patch that set it). An empty file is the object's own.
func (p *Positions) AddIn(h fieldpath.Hash, file string, line, col int) {
	p.Add(h, line, col)
	if file == "" {
		return
	}
	if p.elsewhere == nil {
		p.elsewhere = make(map[fieldpath.Hash]string)
	}
	p.elsewhere[h] = file
}

// Seal sorts the entries; call it once after the last Add.
func (p *Positions) Seal() {
	// Ties (a duplicated key, recorded twice) sort by position, so that the later key, the
	// one whose value wins, is the one found.
	slices.SortFunc(p.entries, func(a, b posEntry) int {
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		if c := cmp.Compare(a.line, b.line); c != 0 {
			return c
		}
		return cmp.Compare(a.col, b.col)
	})
}

// Detach seals the recorded entries into a new, exactly sized Positions and empties p, so
// a parser can reuse p's buffer for the next object instead of growing a new one.
func (p *Positions) Detach() *Positions {
	p.Seal()
	out := &Positions{entries: slices.Clone(p.entries), elsewhere: p.elsewhere}
	p.entries, p.elsewhere = p.entries[:0], nil
	return out
}

// Lookup returns the line and column of path, or of its nearest recorded parent when the
// field itself is absent (a missing securityContext points at its container). It reports
// whether path itself was found.
func (p *Positions) Lookup(path fieldpath.Path) (line, col int, exact bool) {
	_, line, col, exact = p.LookupFile(path)
	return line, col, exact
}

// LookupFile is Lookup that also names the file of the field found when it is not the
// object's own ("" when it is).
func (p *Positions) LookupFile(path fieldpath.Path) (file string, line, col int, exact bool) {
	if p == nil {
		return "", 0, 0, false
	}
	exact = true
	for {
		h := fieldpath.Of(path)
		if e, ok := p.find(h); ok {
			return p.elsewhere[h], int(e.line), int(e.col), exact
		}
		exact = false
		parent, ok := path.Parent()
		if !ok {
			return "", 0, 0, false
		}
		path = parent
	}
}

func (p *Positions) find(h fieldpath.Hash) (posEntry, bool) {
	i := sort.Search(len(p.entries), func(i int) bool { return p.entries[i].hash > h }) - 1
	if i >= 0 && p.entries[i].hash == h {
		return p.entries[i], true
	}
	return posEntry{}, false
}

// Len is the number of recorded fields.
func (p *Positions) Len() int {
	if p == nil {
		return 0
	}
	return len(p.entries)
}
