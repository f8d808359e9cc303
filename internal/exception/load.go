package exception

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// FileName is the exceptions file found at the root of a scanned directory (see Discover).
const FileName = ".eksguard.yaml"

// Discover returns the exceptions files a scan of paths picks up without being told:
// FileName at the root of each directory argument, and FileName in the current directory
// when an argument is not a directory (a file, "-" for stdin) or there are no arguments
// (a cluster scan). Only files that exist are returned, each once.
func Discover(paths []string) []string {
	var dirs []string
	cwd := len(paths) == 0
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			dirs = append(dirs, p)
		} else {
			cwd = true
		}
	}
	if cwd {
		dirs = append(dirs, ".")
	}
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		f := filepath.Join(d, FileName)
		key := f
		if abs, err := filepath.Abs(f); err == nil {
			key = abs
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() {
			out = append(out, f)
		}
	}
	return out
}

// Error is one malformed place in an exceptions file.
type Error struct {
	File         string
	Line, Column int
	Message      string
}

func (e Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			loc += ":" + strconv.Itoa(e.Column)
		}
	}
	return loc + ": " + e.Message
}

// Errors are all the problems of the exceptions files of a run, in file order.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// LoadFiles reads exceptions files in order. A file named twice (given and discovered) is
// read once. Every malformed entry is an error: the returned error is Errors, listing each
// with its file and line, and no entries are returned with it.
func LoadFiles(files []string, cat Catalogue) ([]*Entry, error) {
	var (
		all  []*Entry
		errs Errors
	)
	seen := map[string]bool{}
	for _, f := range files {
		key := f
		if abs, err := filepath.Abs(f); err == nil {
			key = abs
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		data, err := os.ReadFile(f)
		if err != nil {
			msg := err.Error()
			var pe *fs.PathError
			switch {
			case errors.Is(err, fs.ErrNotExist):
				msg = "no such file"
			case errors.As(err, &pe):
				msg = pe.Err.Error()
			}
			errs = append(errs, Error{File: f, Message: "cannot read exceptions file: " + msg})
			continue
		}
		entries, err := Parse(f, data, cat)
		var fileErrs Errors
		if errors.As(err, &fileErrs) {
			errs = append(errs, fileErrs...)
			continue
		}
		all = append(all, entries...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return all, nil
}

// Keys of an entry, in the order messages list them.
var entryKeys = []string{"check", "namespace", "kind", "name", "labels", "justification", "owner", "expires"}

var (
	yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): `)
	datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// Parse reads one exceptions file:
//
//	exceptions:
//	  - check: EKS-POD-001          # ID, slug or glob (EKS-POD-0*)
//	    namespace: monitoring       # optional globs: namespace, kind, name
//	    kind: DaemonSet
//	    name: node-exporter*
//	    labels: {team: observability}   # optional; all must match
//	    justification: reads host metrics
//	    owner: team-observability
//	    expires: 2026-06-30         # last day it applies (UTC)
//
// It returns Errors for anything malformed: YAML syntax, unknown or duplicate keys, missing
// or empty required fields, bad dates or globs, checks the catalogue does not have.
func Parse(file string, data []byte, cat Catalogue) (entries []*Entry, err error) {
	p := &parser{file: file, cat: cat}
	defer func() {
		if r := recover(); r != nil { // yaml.v3 panics on some hostile input
			entries, err = nil, Errors{{File: file, Message: fmt.Sprintf("not valid YAML: parser failed: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // empty file: no exceptions
		}
		return nil, Errors{p.syntaxError(err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, Errors{p.syntaxError(err)}
	default:
		return nil, Errors{{File: file, Line: extra.Line, Column: extra.Column, Message: "an exceptions file holds one YAML document"}}
	}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	switch {
	case isNull(root):
		return nil, nil
	case root.Kind != yaml.MappingNode:
		p.errorf(root, "want a mapping with an exceptions list (exceptions: [...]), got a %s", nodeKind(root))
		return nil, p.errs
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1])
		switch {
		case seen[k.Value]:
			p.errorf(k, "duplicate key %q", k.Value)
		case k.Value != "exceptions":
			p.errorf(k, "unknown key %q (want exceptions)", k.Value)
		case isNull(v):
		case v.Kind != yaml.SequenceNode:
			p.errorf(v, "exceptions must be a list of entries, got a %s", nodeKind(v))
		default:
			for _, item := range v.Content {
				if e := p.entry(resolve(item)); e != nil {
					entries = append(entries, e)
				}
			}
		}
		seen[k.Value] = true
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return entries, nil
}

type parser struct {
	file string
	cat  Catalogue
	errs Errors
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, Error{File: p.file, Line: n.Line, Column: n.Column, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) syntaxError(err error) Error {
	msg, line := err.Error(), 0
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(msg, m[0])
	}
	return Error{File: p.file, Line: line, Message: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// entry reads one list item; it records errors and returns nil when the item is malformed.
func (p *parser) entry(n *yaml.Node) *Entry {
	before := len(p.errs)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "an exception must be a mapping with check, justification, owner and expires, got a %s", nodeKind(n))
		return nil
	}
	e := &Entry{File: p.file, Line: n.Line, Column: n.Column}
	seen := map[string]bool{}
	var checkNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if seen[k.Value] {
			p.errorf(k, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "labels":
			e.Labels = p.labels(v)
			continue
		case "check", "namespace", "kind", "name", "justification", "owner", "expires":
		default:
			p.errorf(k, "unknown key %q (want %s)", k.Value, strings.Join(entryKeys, ", "))
			continue
		}
		s, ok := p.scalar(k.Value, v)
		if !ok {
			continue
		}
		switch k.Value {
		case "check":
			e.Check, checkNode = s, v
		case "namespace", "kind", "name":
			if _, err := path.Match(s, ""); err != nil {
				p.errorf(v, "%s %q is not a valid glob: %v", k.Value, s, err)
			}
			switch k.Value {
			case "namespace":
				e.Namespace = s
			case "kind":
				e.Kind = s
			default:
				e.Name = s
			}
		case "justification":
			e.Justification = s
		case "owner":
			e.Owner = s
		case "expires":
			e.Expires = p.date(v, s)
		}
	}
	var missing []string
	for _, f := range []struct {
		key string
		set bool
	}{{"check", seen["check"]}, {"justification", seen["justification"]}, {"owner", seen["owner"]}, {"expires", seen["expires"]}} {
		if !f.set {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		p.errorf(n, "exception is missing %s (every entry needs check, justification, owner and expires)", strings.Join(missing, ", "))
	}
	if checkNode != nil && e.Check != "" {
		ids, err := p.cat.Resolve(e.Check)
		switch {
		case err != nil:
			p.errorf(checkNode, "check %v", err)
		case len(ids) == 0:
			p.errorf(checkNode, "unknown check %q: no catalogue check has this ID, slug or matches this glob (see eksguard checks)", e.Check)
		}
		e.ids = ids
	}
	if len(p.errs) > before {
		return nil
	}
	return e
}

// scalar reads a required non-empty string value.
func (p *parser) scalar(key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v, "%s must be a string, got a %s", key, nodeKind(v))
		return "", false
	}
	s := strings.TrimSpace(v.Value)
	if isNull(v) || s == "" {
		p.errorf(v, "%s must not be empty", key)
		return "", false
	}
	return s, true
}

func (p *parser) date(v *yaml.Node, s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if !datePattern.MatchString(s) || err != nil {
		p.errorf(v, "expires %q is not a date (want YYYY-MM-DD, the last day the exception applies)", s)
		return time.Time{}
	}
	return t
}

func (p *parser) labels(v *yaml.Node) map[string]string {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		p.errorf(v, "labels must be a mapping of label names to values, got a %s", nodeKind(v))
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], resolve(v.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode || strings.TrimSpace(k.Value) == "":
			p.errorf(k, "a label name must be a non-empty string")
		case val.Kind != yaml.ScalarNode:
			p.errorf(val, "label %s must have a string value, got a %s", k.Value, nodeKind(val))
		default:
			if _, dup := out[k.Value]; dup {
				p.errorf(k, "duplicate label %q", k.Value)
			}
			value := val.Value
			if isNull(val) {
				value = ""
			}
			out[k.Value] = value
		}
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "document"
}
