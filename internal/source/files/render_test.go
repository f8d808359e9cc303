package files

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// renderData is the testdata of the render tests: charts and kustomizations, read in place.
var renderData = filepath.Join("testdata", "render")

func rd(parts ...string) string { return filepath.Join(append([]string{renderData}, parts...)...) }

func loadPaths(t *testing.T, opts Options, paths ...string) *inventory.Inventory {
	t.Helper()
	inv, err := Load(context.Background(), paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func object(t *testing.T, inv *inventory.Inventory, ref string) *inventory.Object {
	t.Helper()
	for _, o := range inv.Objects {
		if o.ObjectRef.String() == ref {
			return o
		}
	}
	t.Fatalf("no object %s among %s; problems:\n%s", ref, refs(inv), problems(inv))
	return nil
}

type wantPos struct {
	path      fieldpath.Path
	file      string
	line, col int
}

func checkPositions(t *testing.T, o *inventory.Object, want []wantPos) {
	t.Helper()
	for _, w := range want {
		p := o.Position(w.path)
		if p.File != w.file || p.Line != w.line || p.Column != w.col {
			t.Errorf("%s: %s at %s:%d:%d, want %s:%d:%d", o.ObjectRef, w.path, p.File, p.Line, p.Column, w.file, w.line, w.col)
		}
	}
}

func TestHelmChartIsRenderedAndMappedToTemplates(t *testing.T) {
	inv := loadPaths(t, Options{}, rd("chart"))
	if len(inv.Problems) != 0 {
		t.Fatalf("problems (NOTES.txt and _helpers.tpl must not be parsed):\n%s", problems(inv))
	}
	if got := refs(inv); got != "default/Deployment/release-web,Service/release-web-80,Service/release-web-443" {
		t.Fatalf("objects %s", got)
	}
	tpl := rd("chart", "templates", "deployment.yaml")
	d := object(t, inv, "default/Deployment/release-web")
	if d.Origin.File != tpl || d.Origin.RenderedFrom != "helm:"+rd("chart") || d.Origin.Line != 1 {
		t.Errorf("origin %+v", d.Origin)
	}
	checkPositions(t, d, []wantPos{
		{"", tpl, 1, 1},
		// Literal template lines map exactly.
		{"spec.template.spec.containers[0].securityContext.privileged", tpl, 23, 13},
		{"spec.template.spec.containers[0].securityContext", tpl, 22, 11},
		{"spec.template.spec.containers[0]", tpl, 20, 11},
		{"spec.selector.matchLabels.app", tpl, 12, 7},
		// Lines made by template actions borrow the nearest literal line before them.
		{"metadata.name", tpl, 3, 1},
		{"metadata.labels[\"app.kubernetes.io/name\"]", tpl, 6, 3},
		{"spec.replicas", tpl, 8, 1},
		{"spec.template.spec.hostNetwork", tpl, 17, 5},
		{"spec.template.spec.containers[0].image", tpl, 20, 9},
	})
	if p := d.Position("spec.replicas"); p.RenderedFrom != "helm:"+rd("chart") {
		t.Errorf("position does not say it was rendered: %+v", p)
	}
	dep := d.Typed.(*appsv1.Deployment)
	if *dep.Spec.Replicas != 1 || dep.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" || dep.Spec.Template.Spec.HostNetwork {
		t.Errorf("default values not applied: %+v", dep.Spec)
	}

	// Each document a range loop renders maps back to the loop body.
	svc := rd("chart", "templates", "service.yaml")
	for _, name := range []string{"Service/release-web-80", "Service/release-web-443"} {
		checkPositions(t, object(t, inv, name), []wantPos{
			{"", svc, 3, 1},
			{"spec.selector.app", svc, 9, 5},
			{"spec.ports[0].port", svc, 10, 3},
		})
	}
}

func TestHelmValuesFilesAndSet(t *testing.T) {
	opts := Options{Render: RenderOptions{
		ValuesFiles: []string{rd("chart", "values-prod.yaml")},
		Set:         []string{"hostNetwork=true,image.tag=1.29"},
		SetString:   []string{"image.repository=registry.example.com/nginx"},
		ReleaseName: "shop",
		Namespace:   "prod",
	}}
	inv := loadPaths(t, opts, rd("chart"))
	d := object(t, inv, "prod/Deployment/shop-web")
	dep := d.Typed.(*appsv1.Deployment)
	spec := dep.Spec.Template.Spec
	if *dep.Spec.Replicas != 3 {
		t.Errorf("--values: replicas %d, want 3", *dep.Spec.Replicas)
	}
	if !spec.HostNetwork {
		t.Error("--set hostNetwork=true not applied")
	}
	if got := spec.Containers[0].Image; got != "registry.example.com/nginx:1.29" {
		t.Errorf("image %q: --set must win over --values", got)
	}
	if got := spec.Containers[0].Resources.Limits.Memory().String(); got != "256Mi" {
		t.Errorf("--values resources: limits.memory %s", got)
	}
	tpl := rd("chart", "templates", "deployment.yaml")
	checkPositions(t, d, []wantPos{
		{"spec.template.spec.containers[0].securityContext.privileged", tpl, 23, 13},
		{"spec.template.spec.containers[0].resources", tpl, 25, 11},
		{"spec.template.spec.containers[0].resources.limits.memory", tpl, 25, 11},
	})
}

func TestHelmRenderErrorDoesNotStopTheScan(t *testing.T) {
	inv := loadPaths(t, Options{}, rd("broken-chart"), rd("plain.yaml"), rd("chart"))
	if len(inv.Problems) != 1 {
		t.Fatalf("want one problem, got:\n%s", problems(inv))
	}
	p := inv.Problems[0]
	if p.Level != inventory.ProblemError || p.Position.File != rd("broken-chart", "Chart.yaml") ||
		!strings.Contains(p.Message, "chart could not be rendered") || !strings.Contains(p.Message, "broken/templates/pod.yaml:5") {
		t.Errorf("problem %s", p.Error())
	}
	object(t, inv, "Pod/plain")
	object(t, inv, "default/Deployment/release-web")
}

func TestHelmSubchartInCharts(t *testing.T) {
	inv := loadPaths(t, Options{}, rd("umbrella"))
	if len(inv.Problems) != 0 {
		t.Fatalf("problems:\n%s", problems(inv))
	}
	cm := object(t, inv, "ConfigMap/release-settings")
	if want := rd("umbrella", "templates", "configmap.yaml"); cm.Origin.File != want {
		t.Errorf("configmap from %s, want %s", cm.Origin.File, want)
	}
	pod := object(t, inv, "Pod/release-sub")
	tpl := rd("umbrella", "charts", "sub", "templates", "pod.yaml")
	if pod.Origin.File != tpl {
		t.Errorf("subchart pod from %s, want %s", pod.Origin.File, tpl)
	}
	if !pod.Typed.(*corev1.Pod).Spec.HostPID {
		t.Error("the parent's values for the subchart were not applied")
	}
	checkPositions(t, pod, []wantPos{
		{"spec.containers[0].securityContext.allowPrivilegeEscalation", tpl, 11, 9},
		{"spec.hostPID", tpl, 5, 1},
	})
}

func TestHelmMissingDependenciesAreNamed(t *testing.T) {
	inv := loadPaths(t, Options{}, rd("missing-deps"))
	if len(inv.Objects) != 0 || len(inv.Problems) != 1 {
		t.Fatalf("objects %s problems:\n%s", refs(inv), problems(inv))
	}
	p := inv.Problems[0]
	if p.Position.File != rd("missing-deps", "Chart.yaml") || !strings.Contains(p.Message, "missing from charts/: redis") {
		t.Errorf("problem %s", p.Error())
	}
}

func TestHelmChartArchive(t *testing.T) {
	ch, err := loader.Load(rd("chart"))
	if err != nil {
		t.Fatal(err)
	}
	archive, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	inv := loadPaths(t, Options{}, archive)
	d := object(t, inv, "default/Deployment/release-web")
	checkPositions(t, d, []wantPos{
		{"spec.template.spec.containers[0].securityContext.privileged", archive + "/web/templates/deployment.yaml", 23, 13},
	})
}

func TestRenderOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		opts RenderOptions
		want string
	}{
		{RenderOptions{}, ""},
		{RenderOptions{Set: []string{"a.b=c,d[0]=e"}, SetString: []string{"x=1"}, KubeVersion: "1.31"}, ""},
		{RenderOptions{Set: []string{"a[=b"}}, "--set"},
		{RenderOptions{KubeVersion: "banana"}, "--kube-version"},
		{RenderOptions{ValuesFiles: []string{rd("nope.yaml")}}, "no such file"},
	} {
		err := tc.opts.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: error %v, want %q", tc.opts, err, tc.want)
		}
	}
	// A chart scanned with options that do not validate is reported, not rendered.
	inv := loadPaths(t, Options{Render: RenderOptions{KubeVersion: "banana"}}, rd("chart"))
	if len(inv.Objects) != 0 || !strings.Contains(problems(inv), "Chart.yaml: error: chart not rendered: --kube-version") {
		t.Errorf("objects %s problems:\n%s", refs(inv), problems(inv))
	}
}

func TestKustomizeOverlayPatchIsNamed(t *testing.T) {
	overlay := rd("kustomize", "overlay")
	inv := loadPaths(t, Options{}, overlay)
	if len(inv.Problems) != 0 {
		t.Fatalf("problems:\n%s", problems(inv))
	}
	if got := refs(inv); got != "prod/Service/prod-api,prod/ConfigMap/prod-api-config,prod/Deployment/prod-api" {
		t.Fatalf("objects %s", got)
	}
	base := rd("kustomize", "base", "deployment.yaml")
	patch := rd("kustomize", "overlay", "privileged.yaml")
	d := object(t, inv, "prod/Deployment/prod-api")
	if d.Origin.File != base || d.Origin.Document != 1 || d.Origin.Line != 8 || d.Origin.RenderedFrom != "kustomize:"+overlay {
		t.Errorf("origin %+v", d.Origin)
	}
	checkPositions(t, d, []wantPos{
		{"", base, 8, 1},
		// The field the patch set is in the patch file.
		{"spec.template.spec.containers[0].securityContext.privileged", patch, 11, 13},
		// Everything else is where the base declared it, though kustomize re-orders keys.
		{"spec.template.spec.containers[0].securityContext.runAsNonRoot", base, 27, 13},
		{"spec.template.spec.containers[0].securityContext", base, 26, 11},
		{"spec.template.spec.containers[0].image", base, 25, 11},
		// The item shares its rendered line with its first key (kustomize sorts image first).
		{"spec.template.spec.containers[0]", base, 25, 11},
		{"metadata.name", base, 11, 3},
		// A field a transformer added is located at its enclosing field.
		{"metadata.namespace", base, 10, 1},
	})
	if _, ok := d.Annotation(originAnnotation); ok {
		t.Error("origin annotation not stripped")
	}
	if ann := d.Typed.(*appsv1.Deployment).Annotations; len(ann) != 0 {
		t.Errorf("build annotations left on the object: %v", ann)
	}
	cm := object(t, inv, "prod/ConfigMap/prod-api-config")
	if cm.Origin.File != base || cm.Origin.Document != 0 {
		t.Errorf("configmap origin %+v", cm.Origin)
	}
	checkPositions(t, cm, []wantPos{{"data.level", base, 6, 3}})
	svc := object(t, inv, "prod/Service/prod-api")
	checkPositions(t, svc, []wantPos{{"spec.ports[0].port", rd("kustomize", "base", "service.yaml"), 9, 7}})
}

func TestKustomizeRemoteBaseIsRefused(t *testing.T) {
	inv := loadPaths(t, Options{}, rd("kustomize", "remote"), rd("plain.yaml"))
	if got := refs(inv); got != "Pod/plain" {
		t.Errorf("objects %s: nothing of a refused kustomization may be read", got)
	}
	want := "kustomization.yaml:5: error: remote resource \"github.com/example/platform//deploy/base?ref=v1.2.0\" refused"
	if got := problems(inv); !strings.HasPrefix(got, want) || len(inv.Problems) != 1 {
		t.Errorf("problems:\n%s\nwant one starting %s", got, want)
	}
}

func TestKustomizeBuildErrorNamesTheKustomization(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n  - missing.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := loadPaths(t, Options{}, dir)
	if len(inv.Problems) != 1 || inv.Problems[0].Position.File != filepath.Join(dir, "kustomization.yaml") ||
		!strings.Contains(inv.Problems[0].Message, "kustomization could not be built") || !strings.Contains(inv.Problems[0].Message, "missing.yaml") {
		t.Errorf("problems:\n%s", problems(inv))
	}
}

func TestRemoteReferences(t *testing.T) {
	for ref, remote := range map[string]bool{
		"https://example.com/app.yaml":                  true,
		"git@github.com:org/repo.git":                   true,
		"github.com/org/repo//base?ref=v1":              true,
		"gitlab.example.com/org/repo":                   true,
		"../base":                                       false,
		"deployment.yaml":                               false,
		"missing/deployment.yaml":                       false,
		"config.d/settings.yaml":                        false,
		"ssh://git@example.com/org/repo.git//overlays/": true,
	} {
		if got := isRemoteRef(renderData, ref); got != remote {
			t.Errorf("isRemoteRef(%q) = %v", ref, got)
		}
	}
}

// Walking a tree renders each chart and kustomization once, never parses templates/ as
// YAML, and still reads the plain manifests beside them.
func TestDirectoryWalkRendersChartsAndKustomizations(t *testing.T) {
	inv := loadPaths(t, Options{}, renderData)
	var errs []string
	for _, p := range inv.Problems {
		errs = append(errs, filepath.ToSlash(p.Position.File))
	}
	want := "testdata/render/broken-chart/Chart.yaml,testdata/render/kustomize/remote/kustomization.yaml,testdata/render/missing-deps/Chart.yaml"
	if got := strings.Join(errs, ","); got != want {
		t.Errorf("problems in %s, want %s:\n%s", got, want, problems(inv))
	}
	for _, ref := range []string{"default/Deployment/release-web", "Deployment/api", "prod/Deployment/prod-api", "Pod/release-sub", "Pod/plain"} {
		object(t, inv, ref)
	}
}

func TestTemplateLineMap(t *testing.T) {
	src := "kind: A\n{{- if .x }}\nspec:\n  a: {{ .a }}\n  b: 1\n{{- end }}\n---\nkind: B\nspec:\n  c: 2\n"
	out := "kind: B\nspec:\n  c: 2\n  extra: 1\n"
	lm := templateLineMap(out, src, "t.yaml", "helm:x")
	var got []int
	for i := range lm.lines {
		_, line, _ := lm.at(i+1, 1)
		got = append(got, line)
	}
	// The second template document matches best; "extra" borrows "c"'s line.
	if want := []int{8, 9, 10, 10}; !slices.Equal(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	if _, line, col := lm.at(99, 3); line != 1 || col != 0 {
		t.Errorf("a line past the output maps to %d:%d, want 1:0", line, col)
	}
}
