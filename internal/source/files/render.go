package files

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/eksguard/eksguard/internal/inventory"
)

// DefaultKubeVersion is the Kubernetes version charts see in .Capabilities.KubeVersion
// unless RenderOptions.KubeVersion says otherwise: a recent EKS version.
const DefaultKubeVersion = "v1.35.0"

// DefaultReleaseName is .Release.Name unless RenderOptions.ReleaseName says otherwise.
const DefaultReleaseName = "release"

// RenderOptions configure the in-process rendering of Helm charts and kustomizations.
// Rendering never touches the network: chart dependencies must be vendored in charts/ and
// kustomize remote resources are refused.
type RenderOptions struct {
	// ValuesFiles are Helm values files, merged in order over the chart's values.yaml (--values).
	ValuesFiles []string
	// Set and SetString are Helm --set and --set-string expressions (a.b=c,d[0]=e).
	Set       []string
	SetString []string
	// ReleaseName is .Release.Name (DefaultReleaseName when empty).
	ReleaseName string
	// Namespace is .Release.Namespace ("default" when empty).
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion (DefaultKubeVersion when empty).
	KubeVersion string
	// APIVersions are added to .Capabilities.APIVersions (group/version or group/version/Kind).
	APIVersions []string
}

// Validate reports a render setting that no chart could use: a values file that does not
// read, a --set expression that does not parse, a Kubernetes version that is not one.
func (o RenderOptions) Validate() error {
	_, err := newHelmSettings(o)
	return err
}

type inputKind int

const (
	plainFile inputKind = iota
	helmChart
	kustomization
)

// input is one thing expand found: a manifest file, a chart (directory or archive) or a
// kustomization directory.
type input struct {
	path string
	kind inputKind
}

// kustomizationNames are the file names kustomize recognises, in its order of preference.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// renderKind tells whether directory dir is a Helm chart or a kustomization.
func renderKind(dir string) inputKind {
	if isFile(filepath.Join(dir, "Chart.yaml")) {
		return helmChart
	}
	if kustomizationFile(dir) != "" {
		return kustomization
	}
	return plainFile
}

// kustomizationFile returns the kustomization file of dir, or "".
func kustomizationFile(dir string) string {
	for _, n := range kustomizationNames {
		if p := filepath.Join(dir, n); isFile(p) {
			return p
		}
	}
	return ""
}

func isFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

func isChartArchive(p string) bool {
	return strings.HasSuffix(strings.ToLower(p), ".tgz")
}

// renderedFile is rendered output to parse as if it were a file: file is the source the
// objects are attributed to (Origin.File) and lines maps every output line to a source line.
type renderedFile struct {
	file     string
	text     []byte
	lines    *lineMap
	firstDoc int // document index of the first document of text in file
}

// renderer renders the charts and kustomizations of one Load.
type renderer struct {
	opts     RenderOptions
	helmOnce sync.Once
	helm     *helmSettings
	helmErr  error
}

func newRenderer(opts RenderOptions) *renderer { return &renderer{opts: opts} }

func (r *renderer) render(in input) ([]renderedFile, []inventory.Problem) {
	switch in.kind {
	case helmChart:
		r.helmOnce.Do(func() { r.helm, r.helmErr = newHelmSettings(r.opts) })
		return r.renderChart(in.path)
	case kustomization:
		return renderKustomization(in.path)
	}
	return nil, nil
}

// lineMap maps the lines of rendered output to the files they came from.
type lineMap struct {
	// files[0] is the object's own file (Origin.File); other entries are files that
	// contributed fields to it (kustomize patches).
	files []string
	// lines[i] is where rendered line i+1 came from.
	lines []lineRef
	// from is Origin.RenderedFrom: "helm:<chart>" or "kustomize:<dir>".
	from string
}

// lineRef is where one rendered line came from. A zero line means nothing could be mapped.
type lineRef struct {
	file int32 // index in lineMap.files
	line int32
	// srcCol and outCol are the columns of the matched text in the source and in the
	// rendered line: a column on the rendered line moves by their difference.
	srcCol, outCol int32
	// exact is false for a line that matched nothing and borrows the nearest mapped line
	// before it; its columns then say only where that line's text starts.
	exact bool
}

// at maps a rendered line and column to a file ("" for files[0]), line and column. A line
// that maps nowhere is the file's line 1, column unknown.
func (m *lineMap) at(line, col int) (string, int, int) {
	if line < 1 || line > len(m.lines) || m.lines[line-1].line == 0 {
		return "", 1, 0
	}
	r := m.lines[line-1]
	file := ""
	if r.file > 0 {
		file = m.files[r.file]
	}
	c := int(r.srcCol)
	if r.exact && col > 0 {
		c += col - int(r.outCol)
		if c < 1 {
			c = int(r.srcCol)
		}
	}
	return file, int(r.line), c
}

// fileIndex returns the index of file in m.files, adding it.
func (m *lineMap) fileIndex(file string) int32 {
	for i, f := range m.files {
		if f == file {
			return int32(i)
		}
	}
	m.files = append(m.files, file)
	return int32(len(m.files) - 1)
}

// fillGaps lets every unmapped line of [from, to) borrow the nearest mapped line before it
// in that range (not exact); lines before the first mapped one stay unmapped.
func (m *lineMap) fillGaps(from, to int) {
	var last lineRef
	for i := from; i < to && i < len(m.lines); i++ {
		if m.lines[i].line != 0 {
			last = m.lines[i]
			continue
		}
		if last.line != 0 {
			m.lines[i] = lineRef{file: last.file, line: last.line, srcCol: last.srcCol, outCol: last.srcCol}
		}
	}
}

// splitLines cuts text into lines without their line breaks.
func splitLines(text string) []string {
	lines := strings.Split(text, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// indentCol is the 1-based column of the first non-blank character of line.
func indentCol(line string) int32 {
	return int32(len(line)-len(strings.TrimLeft(line, " \t"))) + 1
}

// textIndex finds, for a line's trimmed text, the source lines (0-based, ascending) that
// hold exactly that text.
type textIndex map[string][]int

func newTextIndex(lines []string, from, to int) textIndex {
	idx := textIndex{}
	for i := from; i < to; i++ {
		if t := strings.TrimSpace(lines[i]); t != "" {
			idx[t] = append(idx[t], i)
		}
	}
	return idx
}

// next returns the first source line after `after` holding text, or -1.
func (idx textIndex) next(text string, after int) int {
	cands := idx[text]
	i := sort.SearchInts(cands, after+1)
	if i == len(cands) {
		return -1
	}
	return cands[i]
}

// matchInOrder maps output lines [from, to) to source lines by a monotonic text match: each
// output line whose trimmed text occurs in the source after the previous match maps to that
// occurrence. It returns the matches (output line → source line, 0-based; -1 for none) and
// how many lines matched. Blank lines, comments and document markers never match.
func matchInOrder(out []string, from, to int, idx textIndex) ([]int, int) {
	match := make([]int, to-from)
	n, cursor := 0, -1
	for i := from; i < to; i++ {
		match[i-from] = -1
		t := strings.TrimSpace(out[i])
		if t == "" || t == "---" || strings.HasPrefix(t, "#") {
			continue
		}
		if j := idx.next(t, cursor); j >= 0 {
			match[i-from], cursor = j, j
			n++
		}
	}
	return match, n
}
