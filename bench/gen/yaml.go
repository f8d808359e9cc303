package gen

import (
	"bytes"
	"strconv"
	"strings"
)

// The generator builds documents from ordered values and prints them itself rather than
// going through a YAML library: key order stays as written (so output is byte-identical
// across runs and Go versions) and the text looks like what kubectl and Helm produce.

// kv is one mapping entry.
type kv struct {
	k string
	v any
}

// obj is a mapping whose keys print in the order given.
type obj []kv

// list is a sequence.
type list []any

// block is a string printed as a literal block scalar (|).
type block string

// set appends an entry and returns the mapping, for optional fields.
func (o obj) set(k string, v any) obj { return append(o, kv{k, v}) }

func writeDoc(b *bytes.Buffer, doc obj) {
	b.WriteString("---\n")
	writeMap(b, doc, 0)
}

func indent(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

// writeMap prints m with each key at column ind.
func writeMap(b *bytes.Buffer, m obj, ind int) {
	for _, e := range m {
		indent(b, ind)
		b.WriteString(e.k)
		b.WriteByte(':')
		writeValue(b, e.v, ind)
	}
}

// writeValue prints the value of a key at column ind, starting right after the colon.
func writeValue(b *bytes.Buffer, v any, ind int) {
	switch t := v.(type) {
	case obj:
		if len(t) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		writeMap(b, t, ind+2)
	case list:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		writeList(b, t, ind)
	case block:
		b.WriteString(" |\n")
		for _, line := range strings.SplitAfter(strings.TrimRight(string(t), "\n")+"\n", "\n") {
			if line == "" {
				continue
			}
			if line != "\n" {
				indent(b, ind+2)
			}
			b.WriteString(line)
		}
	default:
		b.WriteByte(' ')
		writeScalar(b, v)
		b.WriteByte('\n')
	}
}

// writeList prints items as "- " entries at column ind (kubectl style: the dash sits at
// the parent key's column).
func writeList(b *bytes.Buffer, l list, ind int) {
	for _, item := range l {
		indent(b, ind)
		b.WriteString("- ")
		switch t := item.(type) {
		case obj:
			if len(t) == 0 {
				b.WriteString("{}\n")
				continue
			}
			// First key on the dash line, the rest aligned under it.
			b.WriteString(t[0].k)
			b.WriteByte(':')
			writeValue(b, t[0].v, ind+2)
			for _, e := range t[1:] {
				indent(b, ind+2)
				b.WriteString(e.k)
				b.WriteByte(':')
				writeValue(b, e.v, ind+2)
			}
		case list:
			b.WriteString("\n")
			writeList(b, t, ind+2)
		default:
			writeScalar(b, item)
			b.WriteByte('\n')
		}
	}
}

func writeScalar(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case string:
		if plainSafe(t) {
			b.WriteString(t)
		} else {
			b.WriteString(strconv.Quote(t))
		}
	case int:
		b.WriteString(strconv.Itoa(t))
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case nil:
		b.WriteString("null")
	default:
		panic("corpus: unsupported scalar type")
	}
}

// yaml11Words are plain scalars YAML 1.1 (which the API server's reader uses) resolves to
// booleans or null; strings spelled like them must be quoted.
var yaml11Words = map[string]bool{
	"y": true, "yes": true, "n": true, "no": true, "true": true, "false": true,
	"on": true, "off": true, "null": true, "~": true,
}

// plainSafe reports whether s can be printed unquoted and still read back as the same string.
func plainSafe(s string) bool {
	if s == "" || yaml11Words[strings.ToLower(s)] {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/') {
		return false // digits, signs and dots could read as numbers; indicators need quotes
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == '/', c == '@', c == '=':
		case c == ':':
			if i+1 == len(s) || s[i+1] == ' ' {
				return false
			}
		default:
			return false
		}
	}
	return true
}
