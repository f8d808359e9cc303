// Package files fills an inventory from manifest files, directories and stdin, recording
// the line and column of every field while parsing so findings can point at them.
package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// DefaultMaxFileSize is the default per-file (and stdin) size limit.
const DefaultMaxFileSize = 64 << 20

// StdinPath is the argument that reads manifests from standard input.
const StdinPath = "-"

// ExceptionsFileName is the exceptions file (internal/exception.FileName) a directory walk
// skips: it configures eksguard and is no manifest. Given as a path it is read like any file.
const ExceptionsFileName = ".eksguard.yaml"

// Options tune Load.
type Options struct {
	// MaxFileSize rejects larger files (0 means DefaultMaxFileSize).
	MaxFileSize int64
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Workers parse documents in parallel (0 means GOMAXPROCS).
	Workers int
	// Render configures how Helm charts and kustomizations are rendered (see render.go).
	Render RenderOptions
}

const helmHint = "this looks like an unrendered Helm template; scan the chart directory (the one holding Chart.yaml) to have it rendered, or pipe helm template <chart> | eksguard scan -"

// Load reads every path (files, directories recursively, "-" for stdin) into an inventory.
// Bad input never stops the load: each unreadable file or document becomes a Problem
// naming its file and line, and everything else is still read.
func Load(ctx context.Context, paths []string, opts Options) (*inventory.Inventory, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	inv := &inventory.Inventory{Inputs: append([]string(nil), paths...)}

	jobs := make(chan docJob, 4*opts.Workers)
	var (
		mu      sync.Mutex
		results []docResult
		wg      sync.WaitGroup
	)
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scratch := &inventory.Positions{} // reused across this worker's documents
			for j := range jobs {
				r := parseDocument(j, scratch)
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		}()
	}

	fileSeq := 0
	var readProblems []inventory.Problem
	rnd := newRenderer(opts.Render)
	emitFile := func(name string, data []byte) {
		seq := fileSeq
		fileSeq++
		if p, ok := checkFileContent(name, data); !ok {
			readProblems = append(readProblems, p)
			return
		}
		for i, chunk := range splitDocuments(data) {
			jobs <- docJob{file: name, fileSeq: seq, doc: i, chunk: chunk}
		}
	}
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		if p == StdinPath {
			data, err := readLimited(opts.Stdin, opts.MaxFileSize)
			if err != nil {
				readProblems = append(readProblems, fileProblem(p, err.Error()))
				continue
			}
			emitFile(p, data)
			continue
		}
		for _, in := range expand(p, &readProblems) {
			if in.kind != plainFile {
				// A chart or kustomization is rendered as one unit; its output is parsed like a
				// file, with every line mapped back to the template or resource it came from.
				out, probs := rnd.render(in)
				readProblems = append(readProblems, probs...)
				for _, o := range out {
					seq := fileSeq
					fileSeq++
					for i, chunk := range splitDocuments(o.text) {
						jobs <- docJob{file: o.file, fileSeq: seq, doc: o.firstDoc + i, chunk: chunk, lines: o.lines}
					}
				}
				continue
			}
			f := in.path
			data, err := readFile(f, opts.MaxFileSize)
			if err != nil {
				readProblems = append(readProblems, fileProblem(f, err.Error()))
				continue
			}
			emitFile(f, data)
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	sort.Slice(results, func(i, j int) bool {
		if results[i].fileSeq != results[j].fileSeq {
			return results[i].fileSeq < results[j].fileSeq
		}
		return results[i].doc < results[j].doc
	})
	inv.Report(readProblems...)
	for _, r := range results {
		inv.Add(r.objects...)
		inv.Report(r.problems...)
	}
	inv.Report(repeatedObjects(inv.Objects)...)
	inv.Seal()
	return inv, nil
}

// expand turns a path argument into the inputs to read: a file as given, a directory's
// .yaml/.yml/.json files recursively in lexical order, skipping hidden directories (.git).
// A directory holding Chart.yaml or a kustomization (and a chart archive given as a file) is
// one input to render, not walked further.
func expand(p string, problems *[]inventory.Problem) []input {
	info, err := os.Stat(p)
	if err != nil {
		*problems = append(*problems, fileProblem(p, describeFSError(err)))
		return nil
	}
	if !info.IsDir() {
		if isChartArchive(p) {
			return []input{{path: p, kind: helmChart}}
		}
		return []input{{path: p}}
	}
	var out []input
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			*problems = append(*problems, fileProblem(path, describeFSError(err)))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != p && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if k := renderKind(path); k != plainFile {
				out = append(out, input{path: path, kind: k})
				return fs.SkipDir
			}
			return nil
		}
		if d.Name() == ExceptionsFileName {
			return nil // eksguard's own settings, not a manifest
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			out = append(out, input{path: path})
		}
		return nil
	})
	if err != nil {
		*problems = append(*problems, fileProblem(p, describeFSError(err)))
	}
	return out
}

func describeFSError(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func readFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, errors.New(describeFSError(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err == nil && info.Mode().IsRegular() {
		if info.Size() > limit {
			return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit (raise --max-file-size to scan it)", info.Size(), limit)
		}
		// Read a regular file in one exactly sized buffer; ReadAll's doubling doubles the garbage.
		data := make([]byte, info.Size())
		n, err := io.ReadFull(f, data)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("read: %w", err)
		}
		if n == len(data) {
			return data, nil
		}
		return data[:n], nil
	}
	return readLimited(f, limit)
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("input is over the %d-byte limit (raise --max-file-size to scan it)", limit)
	}
	return data, nil
}

func fileProblem(file, msg string) inventory.Problem {
	return inventory.Problem{Level: inventory.ProblemError, Position: inventory.Position{File: file}, Message: msg}
}

// checkFileContent rejects binary files and reports empty ones.
func checkFileContent(name string, data []byte) (inventory.Problem, bool) {
	head := data
	if len(head) > 8000 {
		head = head[:8000]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return fileProblem(name, "binary file (contains NUL bytes); not a manifest"), false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		p := fileProblem(name, "file is empty")
		p.Level = inventory.ProblemWarning
		return p, false
	}
	return inventory.Problem{}, true
}

// docChunk is one YAML document's text and the file line it starts on.
type docChunk struct {
	text []byte
	line int
}

// splitDocuments cuts a YAML stream at document markers ("---" or "..." at the start of a
// line, which YAML forbids inside any scalar), so a broken document never hides the ones
// after it. Each chunk keeps its "---" line so yaml.v3 sees a complete document.
func splitDocuments(data []byte) []docChunk {
	var chunks []docChunk
	start, startLine, line := 0, 1, 1
	flush := func(end int) {
		if end > start {
			chunks = append(chunks, docChunk{text: data[start:end], line: startLine})
		}
	}
	for off := 0; off < len(data); line++ {
		nl := bytes.IndexByte(data[off:], '\n')
		end := len(data)
		if nl >= 0 {
			end = off + nl + 1
		}
		l := data[off:end]
		switch {
		case isMarker(l, "---"):
			flush(off)
			start, startLine = off, line
		case isMarker(l, "..."):
			flush(end)
			start, startLine = end, line+1
		}
		off = end
	}
	flush(len(data))
	return chunks
}

func isMarker(line []byte, marker string) bool {
	if !bytes.HasPrefix(line, []byte(marker)) {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\n' || line[3] == '\r'
}

type docJob struct {
	file    string
	fileSeq int
	doc     int
	chunk   docChunk
	lines   *lineMap // maps rendered lines back to their sources; nil for a plain file
}

type docResult struct {
	fileSeq  int
	doc      int
	objects  []*inventory.Object
	problems []inventory.Problem
}

var (
	yamlLine      = regexp.MustCompile(`^yaml: line (\d+): `)
	helmAction    = regexp.MustCompile(`\{\{-?\s*(\.|\$|include\b|if\b|else\b|end\b|range\b|with\b|template\b|define\b|toYaml\b|tpl\b|required\b|/\*)`)
	helmValuesRef = regexp.MustCompile(`\{\{-?[^}]*\.(Values|Release|Chart|Capabilities)\.`)
)

var fastParsers = sync.Pool{New: func() any { return new(fastParser) }}

func parseDocument(j docJob, scratch *inventory.Positions) (r docResult) {
	r.fileSeq, r.doc = j.fileSeq, j.doc
	at := func(line, col int) inventory.Position {
		if j.lines == nil {
			return inventory.Position{File: j.file, Line: line, Column: col}
		}
		file, l, c := j.lines.at(line, col)
		if file == "" {
			file = j.file
		}
		return inventory.Position{File: file, Line: l, Column: c, RenderedFrom: j.lines.from}
	}
	originAt := func(line, col, item int) inventory.Origin {
		pos := at(line, col)
		if pos.File != j.file { // the object starts in its own file, whatever patched its first line
			pos.Line, pos.Column = 1, 0
		}
		return inventory.Origin{File: j.file, Document: j.doc, Item: item, Line: pos.Line, Column: pos.Column, RenderedFrom: pos.RenderedFrom}
	}
	var root yaml.Node
	var err error
	fp := fastParsers.Get().(*fastParser)
	defer fastParsers.Put(fp) // the tree is read only until this document is converted
	if fast, ok := fp.parse(j.chunk.text); ok {
		root = *fast
	} else {
		err = safeUnmarshal(j.chunk.text, &root)
	}
	if err != nil {
		line, msg := j.chunk.line, err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = j.chunk.line + n - 1
			msg = strings.TrimPrefix(msg, m[0])
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		p := inventory.Problem{Level: inventory.ProblemError, Position: at(line, 0), Message: fmt.Sprintf("document %d is not valid YAML or JSON: %s", j.doc+1, msg)}
		if loc := helmAction.FindIndex(j.chunk.text); loc != nil && j.lines == nil {
			p.Position.Line = j.chunk.line + bytes.Count(j.chunk.text[:loc[0]], []byte("\n"))
			p.Hint = helmHint
		}
		r.problems = append(r.problems, p)
		return r
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && (len(root.Content) == 0 || isNullScalar(root.Content[0]))) {
		return r // an empty document ("---" with comments only) is not an error
	}
	body := &root
	if body.Kind == yaml.DocumentNode {
		body = body.Content[0]
	}
	offset := j.chunk.line - 1
	if body.Kind == yaml.AliasNode && body.Alias != nil {
		body = body.Alias
	}
	if body.Kind != yaml.MappingNode {
		r.problems = append(r.problems, inventory.Problem{Level: inventory.ProblemError, Position: at(body.Line+offset, body.Column),
			Message: fmt.Sprintf("document %d is a %s, not a Kubernetes object", j.doc+1, kindName(body.Kind))})
		return r
	}
	conv := &converter{lineOffset: offset, text: j.chunk.text, pos: scratch, lines: j.lines}

	// A List (kind: List or any *List kind with items) is expanded into its items.
	if items := listItems(body); items != nil {
		for i, item := range items.Content {
			origin := originAt(item.Line+offset, item.Column, i)
			if item.Kind != yaml.MappingNode {
				r.problems = append(r.problems, inventory.Problem{Level: inventory.ProblemError, Position: at(origin.Line, origin.Column),
					Message: fmt.Sprintf("items[%d] of the List is a %s, not a Kubernetes object", i, kindName(item.Kind))})
				continue
			}
			r.add(conv, item, origin)
		}
		return r
	}
	r.add(conv, body, originAt(body.Line+offset, body.Column, -1))
	if j.lines == nil && bytes.Contains(j.chunk.text, []byte("{{")) {
		if loc := helmValuesRef.FindIndex(j.chunk.text); loc != nil {
			r.problems = append(r.problems, inventory.Problem{Level: inventory.ProblemWarning,
				Position: at(j.chunk.line+bytes.Count(j.chunk.text[:loc[0]], []byte("\n")), 0),
				Message:  "a value references .Values/.Release/.Chart inside {{ }}; it was scanned as literal text", Hint: helmHint})
		}
	}
	return r
}

func isNullScalar(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style == 0 && resolvePlain(n.Value) == nil
}

// listItems returns the items sequence of a List document, or nil.
func listItems(m *yaml.Node) *yaml.Node {
	var kind string
	var items *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch m.Content[i].Value {
		case "kind":
			kind = m.Content[i+1].Value
		case "items":
			items = m.Content[i+1]
		}
	}
	if strings.HasSuffix(kind, "List") && items != nil && items.Kind == yaml.SequenceNode {
		return items
	}
	return nil
}

// add converts one object node and appends the object, or the problem that stopped it.
func (r *docResult) add(conv *converter, n *yaml.Node, origin inventory.Origin) {
	conv.pos.Add(fieldpath.RootHash, origin.Line, origin.Column)
	conv.err, conv.warnings, conv.segs = nil, nil, conv.segs[:0]
	raw, _ := conv.value(n, fieldpath.RootHash, 0, false).(map[string]any)
	at := inventory.Position{File: origin.File, Line: origin.Line, Column: origin.Column, RenderedFrom: origin.RenderedFrom}
	if conv.err != nil {
		conv.pos.Detach()
		at.Line, at.Column = conv.err.line, conv.err.col
		if conv.err.file != "" {
			at.File = conv.err.file
		}
		msg := conv.err.msg
		if conv.err.path != "" {
			msg = string(conv.err.path) + ": " + msg
		}
		r.problems = append(r.problems, inventory.Problem{Level: inventory.ProblemError, Position: at,
			Message: fmt.Sprintf("document %d not scanned: %s", origin.Document+1, msg), Hint: conv.err.hint})
		return
	}
	obj := &inventory.Object{Raw: raw, Origin: origin, Positions: conv.pos.Detach()}
	obj.APIVersion, _ = raw["apiVersion"].(string)
	obj.Kind, _ = raw["kind"].(string)
	md, _ := raw["metadata"].(map[string]any)
	obj.Name, _ = md["name"].(string)
	obj.Namespace, _ = md["namespace"].(string)
	ref := obj.ObjectRef
	for _, w := range conv.warnings {
		file := origin.File
		if w.file != "" {
			file = w.file
		}
		r.problems = append(r.problems, inventory.Problem{Level: inventory.ProblemWarning, Position: inventory.Position{File: file, Line: w.line, Column: w.col, RenderedFrom: origin.RenderedFrom},
			Object: &ref, Path: w.path, Message: w.msg})
	}
	if obj.Kind == "" {
		what := "no kind"
		if _, ok := raw["kind"]; ok {
			what = "a kind that is not a string"
		}
		r.problems = append(r.problems, inventory.Problem{Level: inventory.ProblemError, Position: at,
			Message: fmt.Sprintf("document %d has %s; not a Kubernetes object", origin.Document+1, what)})
		return
	}
	if obj.APIVersion == "" {
		r.problems = append(r.problems, inventory.Problem{Level: inventory.ProblemError, Position: obj.Position(fieldpath.Root.Key("kind")),
			Object: &ref, Message: "object has no apiVersion; it was still checked as " + obj.Kind})
	}
	if obj.Group() == "" && obj.Kind == "Secret" {
		blankSecretValues(raw)
	}
	r.problems = append(r.problems, obj.Decode()...)
	r.objects = append(r.objects, obj)
}

// blankSecretValues drops Secret values as soon as they are read, so no later stage can
// print them. Key names stay: they are not secret and checks may need them.
func blankSecretValues(raw map[string]any) {
	for _, field := range []string{"data", "stringData"} {
		if m, ok := raw[field].(map[string]any); ok {
			for k := range m {
				m[k] = ""
			}
		}
	}
}

// safeUnmarshal parses with yaml.v3, turning a parser panic on hostile input into an error.
func safeUnmarshal(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml: parser failed: %v", p)
		}
	}()
	return yaml.Unmarshal(data, n)
}
