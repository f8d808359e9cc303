package files

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Annotations krusty adds when build metadata is on; eksguard turns them into positions
// and strips them before any check sees the object.
const (
	originAnnotation          = "config.kubernetes.io/origin"
	transformationsAnnotation = "alpha.config.kubernetes.io/transformations"
)

// renderKustomization builds the kustomization in dir as kustomize build would (built-in
// plugins only, load restrictions on, no network) and returns one renderedFile per resource,
// attributed to the file the resource was read from; fields set by a patch file are located
// in that patch file.
func renderKustomization(dir string) (out []renderedFile, problems []inventory.Problem) {
	kfile := kustomizationFile(dir)
	from := "kustomize:" + dir
	fail := func(p inventory.Position, format string, args ...any) ([]renderedFile, []inventory.Problem) {
		p.RenderedFrom = from
		return nil, []inventory.Problem{{Level: inventory.ProblemError, Position: p, Message: fmt.Sprintf(format, args...)}}
	}
	defer func() {
		if e := recover(); e != nil {
			out, problems = fail(inventory.Position{File: kfile}, "kustomization could not be built: kustomize failed: %v", e)
		}
	}()
	scan := &kustomizeScan{patches: map[string][]string{}, seen: map[string]bool{}}
	if p := scan.walk(dir); p != nil {
		p.Position.RenderedFrom = from
		return nil, []inventory.Problem{*p}
	}
	abs, err := filepath.Abs(kfile)
	if err != nil {
		return fail(inventory.Position{File: kfile}, "%v", err)
	}
	fSys := buildMetadataFS{FileSystem: filesys.MakeFsOnDisk(), root: abs}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fSys, dir)
	if err != nil {
		return fail(inventory.Position{File: kfile}, "kustomization could not be built: %v", err)
	}
	for _, res := range m.Resources() {
		file, patches := resourceSources(res, dir, kfile, scan.patches)
		ann := res.GetAnnotations()
		delete(ann, originAnnotation)
		delete(ann, transformationsAnnotation)
		if err := res.SetAnnotations(ann); err != nil {
			return fail(inventory.Position{File: kfile}, "kustomization could not be built: %v", err)
		}
		text, err := res.AsYAML()
		if err != nil {
			return fail(inventory.Position{File: kfile}, "kustomization could not be built: %s: %v", res.CurId(), err)
		}
		lines, doc := resourceLineMap(text, file, patches, from)
		out = append(out, renderedFile{file: file, text: text, lines: lines, firstDoc: doc})
	}
	return out, nil
}

// resourceSources names the file a built resource was read from (its origin annotation;
// the kustomization for a generated one) and the patch files of the kustomizations whose
// patches were applied to it (its transformations annotation), in the order they ran.
func resourceSources(res *resource.Resource, dir, kfile string, patchesOf map[string][]string) (string, []string) {
	file := kfile
	if o, err := res.GetOrigin(); err == nil && o != nil && o.Repo == "" {
		switch {
		case o.Path != "":
			file = filepath.Join(dir, o.Path)
		case o.ConfiguredIn != "":
			file = filepath.Join(dir, o.ConfiguredIn)
		}
	}
	var patches []string
	seen := map[string]bool{}
	ts, _ := res.GetTransformations()
	for _, t := range ts {
		if t == nil || t.Repo != "" || !strings.Contains(t.ConfiguredBy.Kind, "Patch") {
			continue
		}
		k, err := filepath.Abs(filepath.Join(dir, t.ConfiguredIn))
		if err != nil || seen[k] {
			continue
		}
		seen[k] = true
		patches = append(patches, patchesOf[k]...)
	}
	return file, patches
}

// kustomizeScan reads a kustomization and the local kustomizations it builds on before
// krusty does, to refuse remote inputs (krusty would run git or fetch over HTTP) and to
// learn which patch files each kustomization applies.
type kustomizeScan struct {
	patches map[string][]string // absolute kustomization file → its patch files
	seen    map[string]bool
}

// walk returns the problem of a remote reference, or nil.
func (s *kustomizeScan) walk(dir string) *inventory.Problem {
	kfile := kustomizationFile(dir)
	abs, err := filepath.Abs(kfile)
	if kfile == "" || err != nil || s.seen[abs] {
		return nil
	}
	s.seen[abs] = true
	data, err := os.ReadFile(kfile)
	if err != nil {
		return nil // krusty reports it
	}
	var k types.Kustomization
	if err := sigsyaml.Unmarshal(data, &k); err != nil {
		return nil // krusty reports it
	}
	refuse := func(field, ref string) *inventory.Problem {
		line := 0
		if i := bytes.Index(data, []byte(ref)); i >= 0 {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
		return &inventory.Problem{Level: inventory.ProblemError, Position: inventory.Position{File: kfile, Line: line}, Message: fmt.Sprintf(
			"remote %s %q refused: eksguard builds kustomizations offline (no git, no HTTP); vendor it and reference the local copy", field, ref)}
	}
	dirs := [][2][]string{{{"resource"}, k.Resources}, {{"base"}, k.Bases}, {{"component"}, k.Components}}
	for _, d := range dirs {
		for _, ref := range d[1] {
			if isRemoteRef(dir, ref) {
				return refuse(d[0][0], ref)
			}
			if p := filepath.Join(dir, ref); kustomizationFile(p) != "" {
				if prob := s.walk(p); prob != nil {
					return prob
				}
			}
		}
	}
	for _, files := range []struct {
		field string
		refs  []string
	}{{"crd", k.Crds}, {"configuration", k.Configurations}, {"generator", k.Generators}, {"transformer", k.Transformers}, {"validator", k.Validators}, {"openapi path", []string{k.OpenAPI["path"]}}} {
		for _, ref := range files.refs {
			if ref != "" && !strings.Contains(ref, "\n") && isRemoteRef(dir, ref) {
				return refuse(files.field, ref)
			}
		}
	}
	var patches []string
	for _, p := range k.PatchesStrategicMerge {
		if ref := string(p); !strings.Contains(ref, "\n") {
			if isRemoteRef(dir, ref) {
				return refuse("patch", ref)
			}
			patches = append(patches, filepath.Join(dir, ref))
		}
	}
	for _, p := range append(k.Patches, k.PatchesJson6902...) {
		if p.Path == "" {
			continue
		}
		if isRemoteRef(dir, p.Path) {
			return refuse("patch", p.Path)
		}
		patches = append(patches, filepath.Join(dir, p.Path))
	}
	s.patches[abs] = patches
	return nil
}

// isRemoteRef tells whether a kustomization reference is a URL or a git repository that
// kustomize would fetch (https://..., git@host:..., github.com/org/repo//path?ref=v1).
func isRemoteRef(dir, ref string) bool {
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || strings.HasPrefix(ref, "git::") || strings.HasPrefix(ref, "gh:") {
		return true
	}
	if _, err := os.Stat(filepath.Join(dir, ref)); err == nil {
		return false
	}
	if strings.Contains(ref, "?ref=") || strings.Contains(ref, "?version=") || strings.Contains(ref, ".git/") || strings.HasSuffix(ref, ".git") {
		return true
	}
	host, _, found := strings.Cut(ref, "/")
	if !found || !strings.Contains(host, ".") || strings.HasPrefix(host, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(host)) {
	case ".yaml", ".yml", ".json", ".d":
		return false
	}
	return true
}

// buildMetadataFS is the on-disk file system, except that the top kustomization asks for
// origin and transformer annotations, which say where each resource came from.
type buildMetadataFS struct {
	filesys.FileSystem
	root string // absolute path of the top kustomization file
}

func (f buildMetadataFS) ReadFile(p string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(p)
	if err != nil {
		return data, err
	}
	if abs, aerr := filepath.Abs(p); aerr != nil || abs != f.root {
		return data, nil
	}
	return withBuildMetadata(data), nil
}

// withBuildMetadata adds originAnnotations and transformerAnnotations to a kustomization's
// buildMetadata. Text that does not parse is returned as is, for krusty to report.
func withBuildMetadata(data []byte) []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data
	}
	m := doc.Content[0]
	var seq *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "buildMetadata" && m.Content[i+1].Kind == yaml.SequenceNode {
			seq = m.Content[i+1]
		}
	}
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"}, seq)
	}
	for _, want := range []string{types.OriginAnnotations, types.TransformerAnnotations} {
		have := false
		for _, n := range seq.Content {
			have = have || n.Value == want
		}
		if !have {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: want})
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}

// sourceDoc is one document of a source file, parsed, with the line offset of its chunk.
type sourceDoc struct {
	file   int32 // index in lineMap.files
	node   *yaml.Node
	offset int
}

// resourceLineMap maps the lines of one built resource to its source file and patches by
// structure, not text: kustomize re-orders keys, so each rendered key is found under the
// same path in the source document of the resource (the one of the same kind and name) and
// in the patches that target it. A scalar is located where its final value was written (the
// first source holding that value: a patch that changed it), anything else where it was first
// declared; lines nothing explains borrow their parent's position.
func resourceLineMap(text []byte, file string, patches []string, from string) (*lineMap, int) {
	lm := &lineMap{files: []string{file}, lines: make([]lineRef, bytes.Count(text, []byte("\n"))+1), from: from}
	var root yaml.Node
	if safeUnmarshal(text, &root) != nil || root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return lm, 0
	}
	out := root.Content[0]
	kind, name := scalarAt(out, "kind"), scalarAt(mappingAt(out, "metadata"), "name")
	var srcs []sourceDoc
	firstDoc := 0
	if docs := readSourceDocs(file); len(docs) > 0 {
		if i := pickDoc(docs, kind, name, false); i >= 0 {
			srcs, firstDoc = append(srcs, sourceDoc{file: 0, node: docs[i].node, offset: docs[i].offset}), i
		}
	}
	for _, p := range patches {
		docs := readSourceDocs(p)
		if i := pickDoc(docs, kind, name, true); i >= 0 {
			srcs = append(srcs, sourceDoc{file: lm.fileIndex(p), node: docs[i].node, offset: docs[i].offset})
		}
	}
	a := aligner{lm: lm}
	a.walk(out, srcs, lineRef{})
	lm.fillGaps(0, len(lm.lines))
	return lm, firstDoc
}

// readSourceDocs parses the documents of a file; a document that does not parse is nil.
func readSourceDocs(file string) []sourceDoc {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var docs []sourceDoc
	for _, c := range splitDocuments(data) {
		var n yaml.Node
		d := sourceDoc{offset: c.line - 1}
		if safeUnmarshal(c.text, &n) == nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.MappingNode {
			d.node = n.Content[0]
		}
		docs = append(docs, d)
	}
	return docs
}

// pickDoc finds the document describing an object of this kind and (built) name: the same
// name, else the longest name the built name contains (namePrefix, nameSuffix). A patch
// may leave the name out when its kustomization targets it by selector.
func pickDoc(docs []sourceDoc, kind, name string, patch bool) int {
	best, bestLen := -1, -1
	for i, d := range docs {
		if d.node == nil || scalarAt(d.node, "kind") != kind {
			continue
		}
		n := scalarAt(mappingAt(d.node, "metadata"), "name")
		switch {
		case n == name:
			return i
		case n != "" && strings.Contains(name, n) && len(n) > bestLen:
			best, bestLen = i, len(n)
		case n == "" && patch && bestLen < 0:
			best, bestLen = i, 0
		}
	}
	return best
}

func mappingAt(m *yaml.Node, key string) *yaml.Node {
	if v := valueAt(m, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	return nil
}

func scalarAt(m *yaml.Node, key string) string {
	if v := valueAt(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func valueAt(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

type aligner struct{ lm *lineMap }

// set maps rendered line of n to source node s of document d.
func (a aligner) set(n *yaml.Node, d sourceDoc, s *yaml.Node) lineRef {
	r := lineRef{file: d.file, line: int32(s.Line + d.offset), srcCol: int32(s.Column), outCol: int32(n.Column), exact: true}
	if i := n.Line - 1; i >= 0 && i < len(a.lm.lines) {
		a.lm.lines[i] = r
	}
	return r
}

// inherit maps the rendered line of n, which no source holds (a transformer added it), to
// the enclosing field's position, not exactly.
func (a aligner) inherit(n *yaml.Node, parent lineRef) lineRef {
	if i := n.Line - 1; parent.line != 0 && i >= 0 && i < len(a.lm.lines) && a.lm.lines[i].line == 0 {
		a.lm.lines[i] = lineRef{file: parent.file, line: parent.line, srcCol: parent.srcCol, outCol: parent.srcCol}
	}
	return parent
}

// walk aligns rendered node out with the nodes srcs[i] at the same path in each source
// (entries whose node is nil lack it); parent is the position of the enclosing field.
func (a aligner) walk(out *yaml.Node, srcs []sourceDoc, parent lineRef) {
	switch out.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(out.Content); i += 2 {
			k, v := out.Content[i], out.Content[i+1]
			sub := make([]sourceDoc, len(srcs))
			chosen := -1
			for j, s := range srcs {
				sub[j] = sourceDoc{file: s.file, offset: s.offset}
				if s.node == nil || s.node.Kind != yaml.MappingNode {
					continue
				}
				for x := 0; x+1 < len(s.node.Content); x += 2 {
					if s.node.Content[x].Value != k.Value {
						continue
					}
					sub[j].node = s.node.Content[x+1]
					if chosen < 0 || (v.Kind == yaml.ScalarNode && sameScalar(v, s.node.Content[x+1]) && !sameScalar(v, sub[chosen].node)) {
						chosen = j
					}
					break
				}
			}
			ref := a.inherit(k, parent)
			if chosen >= 0 {
				ref = a.set(k, srcs[chosen], keyNode(srcs[chosen].node, k.Value))
			}
			a.walk(v, sub, ref)
		}
	case yaml.SequenceNode:
		for idx, item := range out.Content {
			sub := make([]sourceDoc, len(srcs))
			chosen := -1
			for j, s := range srcs {
				sub[j] = sourceDoc{file: s.file, offset: s.offset}
				if s.node == nil || s.node.Kind != yaml.SequenceNode {
					continue
				}
				if e := matchItem(item, idx, s.node); e != nil {
					sub[j].node = e
					if chosen < 0 {
						chosen = j
					}
				}
			}
			ref := a.inherit(item, parent)
			if chosen >= 0 {
				ref = a.set(item, srcs[chosen], sub[chosen].node)
			}
			a.walk(item, sub, ref)
		}
	}
}

func keyNode(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return m
}

func sameScalar(a, b *yaml.Node) bool {
	return b != nil && b.Kind == yaml.ScalarNode && a.Value == b.Value
}

// matchItem finds the source item a rendered list item came from: the mapping with the
// same name (strategic merge's key for containers, volumes, env), the same scalar, or the
// item at the same index.
func matchItem(item *yaml.Node, idx int, src *yaml.Node) *yaml.Node {
	switch item.Kind {
	case yaml.MappingNode:
		if name := scalarAt(item, "name"); name != "" {
			for _, e := range src.Content {
				if scalarAt(e, "name") == name {
					return e
				}
			}
			return nil
		}
	case yaml.ScalarNode:
		for _, e := range src.Content {
			if sameScalar(item, e) {
				return e
			}
		}
		return nil
	}
	if idx < len(src.Content) {
		return src.Content[idx]
	}
	return nil
}
