package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/report"
)

// The charts and kustomizations the loader's render tests use.
var renderData = filepath.Join("..", "source", "files", "testdata", "render")

func jsonReport(t *testing.T, r result) report.Report {
	t.Helper()
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, r.stdout)
	}
	return rep
}

func TestScanChartNamesTheTemplate(t *testing.T) {
	chart := filepath.Join(renderData, "chart")
	r := run(t, "", "scan", "--checks", "EKS-POD-001", "-o", "json", chart)
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitFindings, r.stdout, r.stderr)
	}
	rep := jsonReport(t, r)
	if len(rep.Findings) != 1 || len(rep.Problems) != 0 {
		t.Fatalf("findings %+v problems %+v", rep.Findings, rep.Problems)
	}
	loc := rep.Findings[0].Position
	if want := filepath.Join(chart, "templates", "deployment.yaml"); loc.File != want || loc.Line != 23 || loc.Column != 13 {
		t.Errorf("finding at %s:%d:%d, want %s:23:13", loc.File, loc.Line, loc.Column, want)
	}
	if loc.RenderedFrom != "helm:"+chart {
		t.Errorf("renderedFrom %q", loc.RenderedFrom)
	}
}

func TestScanChartValuesFlags(t *testing.T) {
	chart := filepath.Join(renderData, "chart")
	// hostNetwork is false in values.yaml: only --set turns EKS-POD-004 into a finding.
	if r := run(t, "", "scan", "--checks", "EKS-POD-004", chart); r.code != ExitOK {
		t.Errorf("without --set: exit %d\n%s", r.code, r.stdout)
	}
	r := run(t, "", "scan", "--checks", "EKS-POD-004", "--values", filepath.Join(chart, "values-prod.yaml"),
		"--set", "hostNetwork=true", "--release-name", "shop", "-n", "prod", chart)
	if r.code != ExitFindings || !strings.Contains(r.stdout, "prod/Deployment/shop-web") || !strings.Contains(r.stdout, "templates/deployment.yaml") {
		t.Errorf("with --set: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestScanKustomizationNamesThePatch(t *testing.T) {
	r := run(t, "", "scan", "--checks", "EKS-POD-001", filepath.Join(renderData, "kustomize", "overlay"))
	if r.code != ExitFindings {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := filepath.Join(renderData, "kustomize", "overlay", "privileged.yaml") + "\n  prod/Deployment/prod-api\n    11:13"; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}
}

func TestScanRenderErrorsAreInputErrors(t *testing.T) {
	r := run(t, "", "scan", "--checks", "EKS-POD-003", filepath.Join(renderData, "broken-chart"), filepath.Join(renderData, "plain.yaml"))
	if r.code != ExitUsage {
		t.Errorf("exit %d, want %d", r.code, ExitUsage)
	}
	for _, want := range []string{"broken-chart/Chart.yaml: chart could not be rendered", "plain.yaml\n  Pod/plain"} {
		if !strings.Contains(r.stdout, filepath.FromSlash(want)) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, args := range [][]string{
		{"--kube-version", "banana"},
		{"--set", "a[=b"},
		{"--values", filepath.Join(renderData, "nope.yaml")},
	} {
		r := run(t, "", append(append([]string{"scan"}, args...), filepath.Join(renderData, "chart"))...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, args[0]) {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
