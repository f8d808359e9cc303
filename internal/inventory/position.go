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
}

// Positions maps the field paths of one object to where they start in its source file.
// It is filled once while parsing and holds 16 bytes per field: a hash of the path and
// its line and column, sorted for binary search.
type Positions struct {
	entries []posEntry
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
	out := &Positions{entries: slices.Clone(p.entries)}
	p.entries = p.entries[:0]
	return out
}

// Lookup returns the line and column of path, or of its nearest recorded parent when the
// field itself is absent (a missing securityContext points at its container). It reports
// whether path itself was found.
func (p *Positions) Lookup(path fieldpath.Path) (line, col int, exact bool) {
	if p == nil {
		return 0, 0, false
	}
	exact = true
	for {
		if e, ok := p.find(fieldpath.Of(path)); ok {
			return int(e.line), int(e.col), exact
		}
		exact = false
		parent, ok := path.Parent()
		if !ok {
			return 0, 0, false
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
