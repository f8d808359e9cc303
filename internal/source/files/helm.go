package files

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/eksguard/eksguard/internal/inventory"
)

// helmSettings are the parsed RenderOptions every chart of a scan is rendered with.
type helmSettings struct {
	values  map[string]any
	release chartutil.ReleaseOptions
	caps    *chartutil.Capabilities
}

// newHelmSettings merges values as helm template does: values files in order, then --set,
// then --set-string. Values files are local paths only (no URLs: rendering is offline).
func newHelmSettings(o RenderOptions) (*helmSettings, error) {
	vals := map[string]any{}
	for _, f := range o.ValuesFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--values %s: %s", f, describeFSError(err))
		}
		cur, err := chartutil.ReadValues(data)
		if err != nil {
			return nil, fmt.Errorf("--values %s: %w", f, err)
		}
		vals = mergeValues(vals, cur)
	}
	for _, s := range o.Set {
		if err := strvals.ParseInto(s, vals); err != nil {
			return nil, fmt.Errorf("--set %q: %w", s, err)
		}
	}
	for _, s := range o.SetString {
		if err := strvals.ParseIntoString(s, vals); err != nil {
			return nil, fmt.Errorf("--set-string %q: %w", s, err)
		}
	}
	kv := o.KubeVersion
	if kv == "" {
		kv = DefaultKubeVersion
	}
	parsed, err := chartutil.ParseKubeVersion(kv)
	if err != nil {
		return nil, fmt.Errorf("--kube-version %q: %w", kv, err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *parsed
	caps.APIVersions = append(caps.APIVersions, o.APIVersions...)
	rel := chartutil.ReleaseOptions{Name: o.ReleaseName, Namespace: o.Namespace, Revision: 1, IsInstall: true}
	if rel.Name == "" {
		rel.Name = DefaultReleaseName
	}
	if rel.Namespace == "" {
		rel.Namespace = "default"
	}
	return &helmSettings{values: vals, release: rel, caps: caps}, nil
}

// mergeValues merges b over a as helm's values options do: maps merge, anything else replaces.
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func copyValues(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = copyValues(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = copyValues(e)
		}
		return l
	}
	return v
}

// renderChart renders the chart at p (a directory or a .tgz archive) as helm template would,
// without a cluster or network, and returns one renderedFile per rendered template, each
// attributed to the template's path (Helm's "# Source:" path, under the chart directory).
func (r *renderer) renderChart(p string) (out []renderedFile, problems []inventory.Problem) {
	chartFile := p
	if !isChartArchive(p) {
		chartFile = filepath.Join(p, "Chart.yaml")
	}
	from := "helm:" + p
	fail := func(format string, args ...any) ([]renderedFile, []inventory.Problem) {
		return nil, []inventory.Problem{{Level: inventory.ProblemError, Position: inventory.Position{File: chartFile, RenderedFrom: from},
			Message: fmt.Sprintf(format, args...)}}
	}
	defer func() {
		if e := recover(); e != nil {
			out, problems = fail("chart could not be rendered: helm failed: %v", e)
		}
	}()
	if r.helmErr != nil {
		return fail("chart not rendered: %v", r.helmErr)
	}
	ch, err := loader.Load(p)
	if err != nil {
		return fail("chart could not be loaded: %v", err)
	}
	if missing := missingDependencies(ch); len(missing) > 0 {
		return fail("chart dependencies are missing from charts/: %s (eksguard renders offline: vendor them first with helm dependency build)",
			strings.Join(missing, ", "))
	}
	if strings.EqualFold(ch.Metadata.Type, "library") {
		return nil, []inventory.Problem{{Level: inventory.ProblemWarning, Position: inventory.Position{File: chartFile, RenderedFrom: from},
			Message: "library chart: it renders no objects of its own"}}
	}
	caps := r.helm.caps
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return fail("chart requires kubeVersion %s, which is incompatible with Kubernetes %s (set --kube-version)", ch.Metadata.KubeVersion, caps.KubeVersion.String())
	}
	vals, _ := copyValues(r.helm.values).(map[string]any)
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return fail("chart could not be rendered: %v", err)
	}
	top, err := chartutil.ToRenderValues(ch, vals, r.helm.release, caps)
	if err != nil {
		return fail("chart could not be rendered: %v", err)
	}
	// A zero Engine has no cluster client: lookup returns nothing and DNS is off.
	rendered, err := engine.Engine{}.Render(ch, top)
	if err != nil {
		return fail("chart could not be rendered: %v", err)
	}

	dir, virtual := p, false
	if isChartArchive(p) {
		dir, virtual = p+"/"+ch.Name(), true
	}
	sources := map[string]templateSource{}
	collectTemplates(ch, dir, virtual, sources)
	names := make([]string, 0, len(rendered))
	for name, text := range rendered {
		// helm template drops NOTES.txt and templates that render to nothing.
		if strings.HasSuffix(name, "/NOTES.txt") || strings.TrimSpace(text) == "" {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		src, ok := sources[name]
		if !ok { // not expected: every rendered template is one of the chart's
			src = templateSource{file: filepath.Join(filepath.Dir(dir), filepath.FromSlash(name))}
		}
		text := rendered[name]
		out = append(out, renderedFile{file: src.file, text: []byte(text), lines: templateLineMap(text, src.text, src.file, from)})
	}
	return out, nil
}

// missingDependencies lists the dependencies Chart.yaml declares that charts/ lacks, in this
// chart and in its vendored subcharts (helm would try to download them; eksguard does not).
func missingDependencies(ch *chart.Chart) []string {
	var missing []string
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	for _, req := range ch.Metadata.Dependencies {
		if !have[req.Name] {
			name := req.Name
			if !ch.IsRoot() {
				name = ch.ChartFullPath() + "/charts/" + req.Name
			}
			missing = append(missing, name)
		}
	}
	for _, d := range ch.Dependencies() {
		missing = append(missing, missingDependencies(d)...)
	}
	return missing
}

type templateSource struct {
	file string // the template's path: on disk, or inside an archive (archive.tgz/chart/templates/x.yaml)
	text string
}

// collectTemplates maps the engine's template names (Helm's "# Source:" paths) to the
// templates' files and text, for chart c stored at dir.
func collectTemplates(c *chart.Chart, dir string, virtual bool, out map[string]templateSource) {
	prefix := c.ChartFullPath()
	for _, t := range c.Templates {
		if t == nil {
			continue
		}
		file := dir + "/" + t.Name
		if !virtual {
			file = filepath.Join(dir, filepath.FromSlash(t.Name))
		}
		out[path.Join(prefix, t.Name)] = templateSource{file: file, text: string(t.Data)}
	}
	for _, d := range c.Dependencies() {
		subDir, subVirtual := subchartDir(c, dir, virtual, d.Name())
		collectTemplates(d, subDir, subVirtual, out)
	}
}

// subchartDir finds where subchart name (perhaps an alias) of chart c is stored: a directory
// under charts/ whose Chart.yaml has that name, or an archive name-<version>.tgz (then the
// paths inside it are virtual: archive.tgz/name/templates/x.yaml).
func subchartDir(c *chart.Chart, dir string, virtual bool, name string) (string, bool) {
	real := name
	for _, dep := range c.Metadata.Dependencies {
		if dep.Alias == name {
			real = dep.Name
		}
	}
	if virtual {
		return dir + "/charts/" + real, true
	}
	chartsDir := filepath.Join(dir, "charts")
	entries, _ := os.ReadDir(chartsDir)
	for _, e := range entries {
		if e.IsDir() {
			if md, err := chartutil.LoadChartfile(filepath.Join(chartsDir, e.Name(), "Chart.yaml")); err == nil && md.Name == real {
				return filepath.Join(chartsDir, e.Name()), false
			}
		}
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasPrefix(e.Name(), real+"-") && isChartArchive(e.Name()) {
			return filepath.Join(chartsDir, e.Name()) + "/" + real, true
		}
	}
	return filepath.Join(chartsDir, real), false
}

// templateLineMap maps each line of a template's rendered output to a line of the template:
// for each rendered document, the template document (the template text cut at "---" lines)
// that matches most of its lines in order is chosen, each rendered line whose trimmed text
// occurs in it after the previous match maps to that occurrence, and the lines that template
// actions produced borrow the nearest mapped line before them.
func templateLineMap(out, src, file, from string) *lineMap {
	outLines, srcLines := splitLines(out), splitLines(src)
	lm := &lineMap{files: []string{file}, lines: make([]lineRef, len(outLines)), from: from}
	srcDocs := docRanges(srcLines)
	idx := make([]textIndex, len(srcDocs))
	for _, od := range docRanges(outLines) {
		var best []int
		bestN := 0
		for i, sd := range srcDocs {
			if idx[i] == nil {
				idx[i] = newTextIndex(srcLines, sd[0], sd[1])
			}
			if m, n := matchInOrder(outLines, od[0], od[1], idx[i]); n > bestN {
				best, bestN = m, n
			}
		}
		for k, j := range best {
			if j >= 0 {
				lm.lines[od[0]+k] = lineRef{line: int32(j + 1), srcCol: indentCol(srcLines[j]), outCol: indentCol(outLines[od[0]+k]), exact: true}
			}
		}
		lm.fillGaps(od[0], od[1])
	}
	return lm
}

// docRanges cuts lines into YAML documents as splitDocuments does: [first, end) line indexes.
func docRanges(lines []string) [][2]int {
	var out [][2]int
	start := 0
	for i, l := range lines {
		switch {
		case isMarker([]byte(l), "---"):
			if i > start {
				out = append(out, [2]int{start, i})
			}
			start = i
		case isMarker([]byte(l), "..."):
			out = append(out, [2]int{start, i + 1})
			start = i + 1
		}
	}
	if start < len(lines) {
		out = append(out, [2]int{start, len(lines)})
	}
	return out
}
