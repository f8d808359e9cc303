package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all" // the real catalogue metadata the formats print
	"github.com/eksguard/eksguard/internal/exception"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/spec"
)

// The -update flag (go test ./internal/report -update rewrites the golden files) is defined
// here unless another test file of the package defined it first.
var _ = func() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files")
	}
	return true
}()

func goldenUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if goldenUpdating() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden (go test ./internal/report -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./internal/report -update to accept):\n%s", path, got)
	}
}

// render runs a registered format on r.
func render(t testing.TB, format string, r *Report) []byte {
	t.Helper()
	f, err := Lookup(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f(&buf, r, Options{}); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

func mustCheck(t testing.TB, id string) *check.Check {
	t.Helper()
	c, ok := check.Lookup(id)
	if !ok {
		t.Fatalf("check %s is not registered", id)
	}
	return c
}

func finding(c *check.Check, obj inventory.ObjectRef, path string, pos inventory.Position, msg string) check.Finding {
	return check.Finding{CheckID: c.ID, Title: c.Title, Severity: c.Severity, Status: check.StatusFail,
		Object: obj, Path: fieldpath.Path(path), Position: pos, Message: msg, Remediation: c.Remediation}
}

// formatsReport is one small report with every case the SARIF, JUnit and Markdown formats
// treat differently: a plain manifest finding, a rendered one whose template line is known
// and one whose line is not, standard input, an absolute path with a space, a live object,
// an exempt finding in kube-system, findings excepted by an exceptions file and by an
// annotation, an info finding, text that needs escaping, passing,
// not-applicable and not-evaluated checks, input errors and warnings, and a coverage gap.
func formatsReport(t testing.TB) *Report {
	t.Helper()
	pod001, pod003, pod004 := mustCheck(t, "EKS-POD-001"), mustCheck(t, "EKS-POD-003"), mustCheck(t, "EKS-POD-004")
	pod025, img002, ten006 := mustCheck(t, "EKS-POD-025"), mustCheck(t, "EKS-IMG-002"), mustCheck(t, "EKS-TEN-006")
	net001, data003 := mustCheck(t, "EKS-NET-001"), mustCheck(t, "EKS-DATA-003")

	deploy := func(ns, name string) inventory.ObjectRef {
		return inventory.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: name}
	}
	container := "spec.template.spec.containers[0]"
	stdin := finding(img002, inventory.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "default", Name: "debug"},
		"spec.containers[0].image", inventory.Position{File: "-", Line: 5, Column: 16},
		`container containers[0] "shell" uses image "busybox" without a tag | digest: <latest> & whatever it is today`)
	info := finding(ten006, deploy("tenant-a", "batch"), "spec.template.spec.tolerations[0]",
		inventory.Position{File: "/srv/manifests/team a/batch.yaml", Line: 12, Column: 5},
		"tolerates every taint (operator: Exists without a key), so it can land on any node group")
	rendered := finding(pod004, deploy("web", "web"), "spec.template.spec.hostNetwork",
		inventory.Position{File: "charts/web/templates/deployment.yaml", Line: 23, Column: 13, RenderedFrom: "helm:charts/web"},
		"pod uses the host network")
	unmapped := finding(pod025, deploy("web", "web"), container+".resources.limits.memory",
		inventory.Position{File: "charts/web/templates/deployment.yaml", Line: 1, RenderedFrom: "helm:charts/web"},
		`container containers[0] "web" sets no memory limit`)
	privileged := finding(pod001, deploy("shop", "frontend"), container+".securityContext.privileged",
		inventory.Position{File: "k8s/app.yaml", Line: 22, Column: 11}, `container containers[0] "web" runs privileged`)
	exempt := finding(pod001, inventory.ObjectRef{APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "kube-system", Name: "aws-node"},
		"spec.template.spec.containers[1].securityContext.privileged", inventory.Position{File: "k8s/system.yaml", Line: 40, Column: 9},
		`container containers[1] "aws-vpc-cni" runs privileged`)
	exempt.Exempt = true
	excFile := finding(pod004, deploy("shop", "frontend"), "spec.template.spec.hostNetwork",
		inventory.Position{File: "k8s/app.yaml", Line: 18, Column: 7}, "pod uses the host network")
	excFile.Status = check.StatusExcepted
	excFile.Exception = &check.ExceptionRef{Source: ".eksguard.yaml:14", Type: check.ExceptionFile,
		Justification: "legacy load balancer needs host ports", Owner: "team-shop", Expires: "2027-03-31"}
	excAnn := finding(img002, deploy("shop", "frontend"), container+".image",
		inventory.Position{File: "k8s/app.yaml", Line: 20, Column: 16}, `container containers[0] "web" uses image "nginx:1.27" without a digest`)
	excAnn.Status = check.StatusExcepted
	excAnn.Exception = &check.ExceptionRef{Source: "k8s/app.yaml:6", Type: check.ExceptionAnnotation, Justification: "rebuilt nightly"}
	live := finding(pod025, inventory.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "api", UID: "0b5c8f2e-3d1a-4c49-9d7e-1f2a3b4c5d6e"},
		container+".resources.limits.memory", inventory.Position{}, `container containers[0] "api" sets no memory limit`)
	live.Resource = live.Object.URI()
	live.Live = &inventory.LiveRef{Cluster: "prod-eks", ResourceVersion: "81723", ManagedBy: "Helm"}

	results := []check.Result{
		{Check: pod001, Evaluated: 3, Failed: 1},
		{Check: pod003, Evaluated: 3},
		{Check: pod004, Evaluated: 3, Failed: 1},
		{Check: pod025, Evaluated: 4, Failed: 2},
		{Check: img002, Evaluated: 4, Failed: 1},
		{Check: net001},
		{Check: ten006, Evaluated: 3},
		{Check: data003, Gap: true},
	}
	cat, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{
		Objects: make([]*inventory.Object, 7),
		Problems: []inventory.Problem{
			{Level: inventory.ProblemError, Position: inventory.Position{File: "k8s/broken.yaml", Line: 12},
				Message: "invalid YAML: mapping values are not allowed in this context"},
			{Level: inventory.ProblemWarning, Position: inventory.Position{File: "k8s/app.yaml", Line: 30, Column: 5},
				Object: &inventory.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "frontend"},
				Path:   "metadata.labels.app", Message: "duplicate key; the last value wins", Hint: "remove one of them"},
		},
		Gaps: []inventory.Gap{{Kind: "Secret", Resource: "v1/secrets", Reason: inventory.GapForbidden,
			Message: `secrets is forbidden: User "ci" cannot list resource "secrets" in API group "" at the cluster scope`,
			Checks:  []string{"EKS-DATA-003"}}},
	}
	high := check.High
	return New(Input{
		ToolVersion: "v0.1.0",
		Inputs:      []string{"-", "/srv/manifests", "charts/web", "k8s/", "cluster prod-eks"},
		Inventory:   inv,
		Results:     results,
		Findings:    []check.Finding{stdin, info, rendered, unmapped, excFile, excAnn, privileged, exempt, live},
		Scores:      check.ComputeScores(results, nil, cat.SectionIDs(), cat.SectionTitle, check.AllFrameworks),
		FailOn:      &high,
	})
}

// formatsReportWithExceptions is formatsReport with the exceptions of the run: the file entry
// and annotation that cover its excepted findings, an expired entry and an unused one. (The
// HTML golden renders formatsReport itself.)
func formatsReportWithExceptions(t testing.TB) *Report {
	r := formatsReport(t)
	r.Exceptions = []exception.Use{
		{Source: ".eksguard.yaml:9", Type: check.ExceptionFile, Check: "EKS-POD-001", Selector: exception.Selector{Namespace: "legacy", Name: "batch-*"},
			Justification: "migration to restricted PSS ends in Q1", Owner: "team-legacy", Expires: "2026-01-31", Expired: true},
		{Source: ".eksguard.yaml:14", Type: check.ExceptionFile, Check: "EKS-POD-004", Selector: exception.Selector{Namespace: "shop", Kind: "Deployment", Name: "frontend"},
			Justification: "legacy load balancer needs host ports", Owner: "team-shop", Expires: "2027-03-31", Suppressed: 1},
		{Source: ".eksguard.yaml:20", Type: check.ExceptionFile, Check: "EKS-NET-*", Selector: exception.Selector{Labels: map[string]string{"app": "gone"}},
			Justification: "app retired", Owner: "platform", Expires: "2027-06-30", Unused: true},
		{Source: "k8s/app.yaml:6", Type: check.ExceptionAnnotation, Check: "EKS-IMG-002", Selector: exception.Selector{Namespace: "shop", Kind: "Deployment", Name: "frontend"},
			Justification: "rebuilt nightly", Suppressed: 1},
	}
	return r
}
