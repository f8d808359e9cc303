// Package fieldpath names a field inside a Kubernetes object the way users read it
// (spec.template.spec.containers[0].securityContext.privileged) and hashes such names
// so that source positions can be stored compactly and looked up without re-parsing.
package fieldpath

import (
	"strconv"
	"strings"
)

// Path is a rendered field path. Keys that are plain identifiers are joined with dots;
// other keys (annotation names with dots or slashes) are written as ["key"]; list items as [i].
// The zero value is the object root.
type Path string

// Root is the path of the object itself.
const Root Path = ""

// Key returns the path of map key k below p.
func (p Path) Key(k string) Path {
	return Path(string(p) + KeySegment(p == Root, k))
}

// Index returns the path of list item i below p.
func (p Path) Index(i int) Path {
	return Path(string(p) + IndexSegment(i))
}

// Join appends a relative path (as produced from Root) to p.
func (p Path) Join(rel Path) Path {
	switch {
	case rel == Root:
		return p
	case p == Root:
		return rel
	case rel[0] == '[':
		return p + rel
	default:
		return p + "." + rel
	}
}

// Parent returns the enclosing path, and false at the root.
func (p Path) Parent() (Path, bool) {
	if p == Root {
		return Root, false
	}
	s := string(p)
	if s[len(s)-1] == ']' {
		// Find the matching '[' of the last segment, skipping a quoted key.
		i := len(s) - 2
		if s[i] == '"' {
			i--
			for i > 0 && !(s[i] == '"' && s[i-1] == '[' && !escaped(s, i)) {
				i--
			}
			return Path(s[:i-1]), true
		}
		return Path(s[:strings.LastIndexByte(s, '[')]), true
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' || s[i] == ']' {
			if s[i] == ']' {
				return Path(s[:i+1]), true
			}
			return Path(s[:i]), true
		}
	}
	return Root, true
}

func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// KeySegment renders one map key as it appears in a Path (with the leading dot unless first).
func KeySegment(first bool, k string) string {
	if plainKey(k) {
		if first {
			return k
		}
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

// needsEscape reports whether strconv.Quote would escape anything in k.
func needsEscape(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}

// IndexSegment renders one list index as it appears in a Path.
func IndexSegment(i int) string {
	return "[" + strconv.Itoa(i) + "]"
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '-' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// Hash is a 64-bit FNV-1a hash of a rendered path. Hashing is incremental so a parser
// can hash each node's path from its parent's hash without building the string.
type Hash uint64

const (
	fnvOffset Hash = 14695981039346656037
	fnvPrime  Hash = 1099511628211
)

// RootHash is the hash of Root.
const RootHash = fnvOffset

// Add continues the hash with the bytes of s.
func (h Hash) Add(s string) Hash {
	for i := 0; i < len(s); i++ {
		h ^= Hash(s[i])
		h *= fnvPrime
	}
	return h
}

// Key returns the hash of the child path for key k; first is true when the parent is Root.
func (h Hash) Key(first bool, k string) Hash {
	if plainKey(k) {
		if !first {
			h = h.Add(".")
		}
		return h.Add(k)
	}
	if !needsEscape(k) {
		// Same bytes as KeySegment without building the string: label and annotation keys
		// (app.kubernetes.io/name) are frequent enough for the allocation to show in profiles.
		return h.Add(`["`).Add(k).Add(`"]`)
	}
	return h.Add(KeySegment(first, k))
}

// Index returns the hash of the child path for list index i.
func (h Hash) Index(i int) Hash {
	var buf [24]byte
	b := append(buf[:0], '[')
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ']')
	for _, c := range b {
		h ^= Hash(c)
		h *= fnvPrime
	}
	return h
}

// Of hashes a rendered path.
func Of(p Path) Hash { return RootHash.Add(string(p)) }
