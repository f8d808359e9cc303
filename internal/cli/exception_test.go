package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
)

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// frontendException excepts the privileged container of testdata/app.yaml, the only
// EKS-POD-001 finding there that fails (the kube-system DaemonSet's is exempt).
const frontendException = `exceptions:
  - check: EKS-POD-001
    namespace: shop
    kind: Deployment
    name: front*
    justification: the frontend needs a privileged init step until the CNI migration
    owner: team-shop
    expires: 2099-12-31
`

func TestExceptedFindingsDoNotFail(t *testing.T) {
	exc := writeFile(t, filepath.Join(t.TempDir(), "exceptions.yaml"), frontendException)
	base := []string{"scan", "--checks", "EKS-POD-001", "--exceptions", exc}

	r := run(t, "", append(base, "testdata/app.yaml")...)
	if r.code != ExitOK {
		t.Fatalf("exit %d, want 0: the only failing finding is excepted\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"(excepted: " + exc + ":2)", "Exceptions\n  " + exc + ":2  EKS-POD-001  namespace=shop kind=Deployment name=front*, owner team-shop, until 2099-12-31: 1 suppressed",
		"0 findings in 4 objects, 1 check run; 1 exempt; 1 excepted — PASS"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}

	r = run(t, "", append(base, "-o", "json", "testdata/app.yaml")...)
	rep := jsonReport(t, r)
	if r.code != ExitOK || rep.Summary.Failed || rep.Summary.Findings != 0 || rep.Summary.Excepted != 1 || rep.Summary.Exempt != 1 {
		t.Errorf("exit %d, summary %+v", r.code, rep.Summary)
	}
	var excepted *check.Finding
	for i := range rep.Findings {
		if rep.Findings[i].Status == check.StatusExcepted {
			excepted = &rep.Findings[i]
		}
	}
	if excepted == nil || excepted.Object.Name != "frontend" || excepted.Exception == nil ||
		*excepted.Exception != (check.ExceptionRef{Source: exc + ":2", Type: "file", Justification: "the frontend needs a privileged init step until the CNI migration", Owner: "team-shop", Expires: "2099-12-31"}) {
		t.Errorf("excepted finding: %+v", excepted)
	}
	if len(rep.Controls) != 1 || rep.Controls[0].Status != "pass" || rep.Controls[0].Failed != 0 {
		t.Errorf("a control whose only failing finding is excepted passes: %+v", rep.Controls)
	}
	if len(rep.Exceptions) != 1 || rep.Exceptions[0].Suppressed != 1 || rep.Exceptions[0].Unused || rep.Exceptions[0].Expired ||
		rep.Exceptions[0].Selector.Name != "front*" {
		t.Errorf("exceptions: %+v", rep.Exceptions)
	}
	// Without the exception the same scan fails.
	if r := run(t, "", "scan", "--checks", "EKS-POD-001", "testdata/app.yaml"); r.code != ExitFindings {
		t.Errorf("without exceptions: exit %d", r.code)
	}
}

func TestExpiredAndUnusedExceptions(t *testing.T) {
	exc := writeFile(t, filepath.Join(t.TempDir(), "exceptions.yaml"), `exceptions:
  - check: privileged
    name: frontend
    justification: expired long ago
    owner: team-shop
    expires: 2001-02-03
  - check: EKS-POD-0*
    name: no-such-object
    justification: stale
    owner: team-shop
    expires: 2099-01-01
`)
	r := run(t, "", "scan", "--checks", "EKS-POD-001", "--exceptions", exc, "-o", "json", "testdata/app.yaml")
	rep := jsonReport(t, r)
	if r.code != ExitFindings || !rep.Summary.Failed || rep.Summary.Excepted != 0 || rep.Summary.InputWarnings != 1 {
		t.Errorf("an expired exception stops applying: exit %d, summary %+v", r.code, rep.Summary)
	}
	if !strings.Contains(r.stderr, exc+":2:5: warning: exception for privileged (name=frontend, owner team-shop) expired on 2001-02-03") {
		t.Errorf("the expiry must be reported with file:line and date:\n%s", r.stderr)
	}
	if len(rep.Exceptions) != 2 || !rep.Exceptions[0].Expired || rep.Exceptions[0].Unused || !rep.Exceptions[1].Unused || rep.Exceptions[1].Suppressed != 0 {
		t.Errorf("exceptions: %+v", rep.Exceptions)
	}
	table := run(t, "", "scan", "--checks", "EKS-POD-001", "--exceptions", exc, "testdata/app.yaml")
	for _, want := range []string{"until 2001-02-03: EXPIRED, no longer applies", "until 2099-01-01: unused (suppressed nothing)", "warning " + exc + ":2:5"} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, table.stdout)
		}
	}
}

func TestMalformedExceptionsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), `exceptions:
  - check: EKS-POD-001
    name: frontend
    justification: no owner
    expires: 2099-01-01
  - check: EKS-POD-777
    justification: unknown check
    owner: me
    expires: 31/12/2099
`)
	r := run(t, "", "scan", "--exceptions", bad, "testdata/app.yaml")
	if r.code != ExitUsage || r.stdout != "" {
		t.Errorf("exit %d, want 2 and no report; stdout:\n%s", r.code, r.stdout)
	}
	for _, want := range []string{bad + ":2:5: exception is missing owner", bad + `:6:12: unknown check "EKS-POD-777"`, bad + `:9:14: expires "31/12/2099" is not a date`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := run(t, "", "scan", "--exceptions", filepath.Join(dir, "missing.yaml"), "testdata/app.yaml"); r.code != ExitUsage || !strings.Contains(r.stderr, "missing.yaml: cannot read exceptions file: no such file") {
		t.Errorf("missing exceptions file: exit %d\n%s", r.code, r.stderr)
	}

	// A discovered .eksguard.yaml is held to the same rules.
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, "app.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n")
	writeFile(t, filepath.Join(repo, ".eksguard.yaml"), "exceptions:\n  - check: EKS-POD-001\n    owner: me\n")
	r = run(t, "", "scan", repo)
	if r.code != ExitUsage || !strings.Contains(r.stderr, filepath.Join(repo, ".eksguard.yaml")+":2:5: exception is missing justification, expires") {
		t.Errorf("discovered file: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDiscoveredExceptionsFile(t *testing.T) {
	repo := t.TempDir()
	manifest, err := os.ReadFile("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(repo, "k8s", "app.yaml"), string(manifest))
	writeFile(t, filepath.Join(repo, "k8s", ".eksguard.yaml"), frontendException)

	r := run(t, "", "scan", "--checks", "EKS-POD-001", "-o", "json", filepath.Join(repo, "k8s"))
	rep := jsonReport(t, r)
	if r.code != ExitOK || rep.Summary.Excepted != 1 || rep.Summary.InputErrors != 0 || rep.Summary.Objects != 4 {
		t.Errorf("the directory's .eksguard.yaml applies and is not scanned as a manifest: exit %d %+v\n%s", r.code, rep.Summary, r.stderr)
	}
	if len(rep.Exceptions) != 1 || rep.Exceptions[0].Source != filepath.Join(repo, "k8s", ".eksguard.yaml")+":2" {
		t.Errorf("exceptions %+v", rep.Exceptions)
	}
	// A file argument or stdin reads the current directory's .eksguard.yaml; a directory
	// argument without one reads none.
	writeFile(t, filepath.Join(repo, ".eksguard.yaml"), frontendException)
	t.Chdir(repo)
	if r := run(t, string(manifest), "scan", "--checks", "EKS-POD-001", "-"); r.code != ExitOK || !strings.Contains(r.stdout, "(excepted: .eksguard.yaml:2)") {
		t.Errorf("stdin with ./.eksguard.yaml: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "", "scan", "--checks", "EKS-POD-001", "k8s/app.yaml"); r.code != ExitOK || !strings.Contains(r.stdout, "(excepted: .eksguard.yaml:2)") {
		t.Errorf("file argument with ./.eksguard.yaml: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := os.Remove(filepath.Join(repo, "k8s", ".eksguard.yaml")); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "", "scan", "--checks", "EKS-POD-001", "k8s"); r.code != ExitFindings {
		t.Errorf("directory without .eksguard.yaml: exit %d\n%s", r.code, r.stdout)
	}
}

const annotated = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: shop
  annotations:
    eksguard.io/ignore: "EKS-POD-001: the CNI agent manages host networking"
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata:
      labels: {app: agent}
      annotations:
        eksguard.io/ignore: "read-only-root-filesystem: writes its socket to /run"
    spec:
      containers:
      - name: agent
        image: example/agent:1.0
        securityContext: {privileged: true}
`

func TestInlineExceptions(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, filepath.Join(dir, "agent.yaml"), annotated)
	args := []string{"scan", "--checks", "EKS-POD-001,EKS-POD-026", "-o", "json", file}

	r := run(t, "", args...)
	rep := jsonReport(t, r)
	if r.code != ExitOK || rep.Summary.Excepted != 2 || rep.Summary.Findings != 0 {
		t.Errorf("annotations on the object and its pod template: exit %d %+v\n%s", r.code, rep.Summary, r.stderr)
	}
	sources := map[string]string{}
	for _, f := range rep.Findings {
		if f.Exception != nil && f.Exception.Type == "annotation" {
			sources[f.CheckID] = f.Exception.Source + " " + f.Exception.Justification
		}
	}
	if sources["EKS-POD-001"] != file+":7 the CNI agent manages host networking" || sources["EKS-POD-026"] != file+":14 writes its socket to /run" {
		t.Errorf("annotation sources: %v", sources)
	}
	if len(rep.Exceptions) != 2 || rep.Exceptions[0].Type != "annotation" || rep.Exceptions[0].Suppressed != 1 || rep.Exceptions[0].Selector.Name != "agent" {
		t.Errorf("exceptions: %+v", rep.Exceptions)
	}

	r = run(t, "", append([]string{"scan", "--no-inline-exceptions"}, args[1:]...)...)
	if rep := jsonReport(t, r); r.code != ExitFindings || rep.Summary.Excepted != 0 || len(rep.Exceptions) != 0 {
		t.Errorf("--no-inline-exceptions: exit %d %+v", r.code, rep.Summary)
	}

	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), strings.Replace(annotated, "EKS-POD-001: the CNI agent manages host networking", "EKS-POD-001; EKS-POD-404: typo", 1))
	r = run(t, "", "scan", "--checks", "EKS-POD-001", bad)
	if r.code != ExitUsage {
		t.Errorf("a reasonless or unknown annotation is an input error: exit %d", r.code)
	}
	for _, want := range []string{
		bad + `:7:5: shop/Deployment/agent: metadata.annotations["eksguard.io/ignore"]: eksguard.io/ignore: "EKS-POD-001" has no reason`,
		bad + `:7:5: shop/Deployment/agent: metadata.annotations["eksguard.io/ignore"]: eksguard.io/ignore: unknown check "EKS-POD-404"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "runs privileged\n") || strings.Contains(r.stdout, "(excepted") {
		t.Errorf("a rejected annotation does not except:\n%s", r.stdout)
	}
	if r := run(t, "", "scan", "--no-inline-exceptions", "--checks", "EKS-POD-001", bad); r.code != ExitFindings {
		t.Errorf("--no-inline-exceptions does not read annotations at all: exit %d\n%s", r.code, r.stdout)
	}
}

const extraPrivileged = `---
apiVersion: v1
kind: Pod
metadata:
  name: new-debug
  namespace: shop
spec:
  containers: [{name: c, image: i, securityContext: {privileged: true}}]
`

// scanJSON scans manifests (written to dir/app.yaml) into dir/name and returns its path.
func scanJSON(t *testing.T, dir, name, manifests string, extra ...string) (string, result) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "app.yaml"), manifests)
	out := filepath.Join(dir, name)
	r := run(t, "", append(append([]string{"scan", goldenChecks, "-o", "json", "--output-file", out, "--fail-on", "none"}, extra...), filepath.Join(dir, "app.yaml"))...)
	if r.code != ExitOK {
		t.Fatalf("scan: exit %d\n%s", r.code, r.stderr)
	}
	return out, r
}

func TestBaseline(t *testing.T) {
	dir := t.TempDir()
	manifest, err := os.ReadFile("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := scanJSON(t, dir, "old.json", string(manifest))
	// The change moves every line (a comment on top), fixes the sidecar's read-only root
	// filesystem and adds a privileged pod.
	changed := "# moved down a line\n" + strings.Replace(string(manifest), "      - name: sidecar\n        image: envoyproxy/envoy:v1.31.0\n",
		"      - name: sidecar\n        image: envoyproxy/envoy:v1.31.0\n        securityContext: {readOnlyRootFilesystem: true}\n", 1) + extraPrivileged
	writeFile(t, filepath.Join(dir, "app.yaml"), changed)

	r := run(t, "", "scan", goldenChecks, "-o", "json", "--baseline", old, filepath.Join(dir, "app.yaml"))
	rep := jsonReport(t, r)
	if r.code != ExitFindings {
		t.Errorf("a new critical finding fails the run: exit %d", r.code)
	}
	if b := rep.Summary.Baseline; b == nil || *b != (baseline.Summary{File: old, New: 2, Unchanged: 2, Fixed: 1}) {
		t.Errorf("summary.baseline %+v", b)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.CheckID+" "+f.Object.String())
	}
	// New: the pod's privileged and read-only findings; the kube-system DaemonSet's exempt
	// finding is not failing and stays visible.
	if strings.Join(got, ", ") != "EKS-POD-001 kube-system/DaemonSet/agent, EKS-POD-026 shop/Pod/new-debug, EKS-POD-001 shop/Pod/new-debug" {
		t.Errorf("findings with a baseline: %s", strings.Join(got, ", "))
	}
	if rep.Summary.Findings != 2 || rep.Summary.Exempt != 1 {
		t.Errorf("summary counts the reported findings: %+v", rep.Summary)
	}
	if len(rep.Controls) == 0 || rep.Controls[0].Failed != 2 {
		t.Errorf("controls still describe the whole input: %+v", rep.Controls)
	}

	table := run(t, "", "scan", goldenChecks, "--baseline", old, filepath.Join(dir, "app.yaml"))
	if !strings.Contains(table.stdout, "against "+old+": 2 new, 2 unchanged (not shown), 1 fixed") || strings.Contains(table.stdout, "shop/Deployment/frontend") {
		t.Errorf("table with a baseline:\n%s", table.stdout)
	}

	// The same input against its own report: nothing new, the gate passes.
	again, _ := scanJSON(t, dir, "again.json", changed)
	if r := run(t, "", "scan", goldenChecks, "--baseline", again, filepath.Join(dir, "app.yaml")); r.code != ExitOK || !strings.Contains(r.stdout, "0 new, 4 unchanged (not shown), 0 fixed") {
		t.Errorf("same input: exit %d\n%s", r.code, r.stdout)
	}
	// Checks that did not run this time count nothing as fixed.
	r = run(t, "", "scan", "--checks", "EKS-POD-026", "-o", "json", "--baseline", old, filepath.Join(dir, "app.yaml"))
	if b := jsonReport(t, r).Summary.Baseline; b == nil || b.Fixed != 1 || b.Unchanged != 1 || b.New != 1 {
		t.Errorf("only EKS-POD-026 ran: %+v", b)
	}

	for _, bad := range []struct{ content, err string }{
		{"", "empty file"},
		{"{}", `schemaVersion "" is not eksguard.io/report/v1`},
	} {
		p := writeFile(t, filepath.Join(dir, "bad.json"), bad.content)
		if r := run(t, "", "scan", "--baseline", p, "testdata/app.yaml"); r.code != ExitUsage || !strings.Contains(r.stderr, bad.err) {
			t.Errorf("--baseline %q: exit %d\n%s", bad.content, r.code, r.stderr)
		}
	}
	if r := run(t, "", "scan", "--baseline", filepath.Join(dir, "nope.json"), "testdata/app.yaml"); r.code != ExitUsage || !strings.Contains(r.stderr, "--baseline: read report") {
		t.Errorf("missing baseline: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	manifest, err := os.ReadFile("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := scanJSON(t, dir, "old.json", string(manifest))
	cur, _ := scanJSON(t, dir, "new.json", "# moved\n"+string(manifest)+extraPrivileged)
	fixed, _ := scanJSON(t, dir, "fixed.json", strings.Replace(string(manifest), "privileged: true\n          readOnlyRootFilesystem: true", "readOnlyRootFilesystem: true", 1))

	r := run(t, "", "diff", old, cur)
	if r.code != ExitFindings {
		t.Errorf("a new critical finding: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"New findings (in " + cur + ", not in " + old + ") (2)\n  CRITICAL EKS-POD-001  shop/Pod/new-debug  container containers[0] \"c\" runs privileged\n",
		"Fixed findings (in " + old + ", gone from " + cur + ") (0)", "2 new, 3 unchanged, 0 fixed — FAIL (new findings at or above high)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("diff table lacks %q:\n%s", want, r.stdout)
		}
	}

	r = run(t, "", "diff", "-o", "json", old, fixed)
	var d baseline.Diff
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("diff -o json: %v\n%s", err, r.stdout)
	}
	if r.code != ExitOK || d.Summary != (baseline.DiffSummary{New: 0, Unchanged: 2, Fixed: 1}) || len(d.FixedFindings) != 1 ||
		d.FixedFindings[0].CheckID != "EKS-POD-001" || d.FixedFindings[0].Position.Line != 22 || d.SchemaVersion != baseline.DiffSchema {
		t.Errorf("fixed: exit %d %+v", r.code, d)
	}

	if r := run(t, "", "diff", "--fail-on", "critical", old, cur); r.code != ExitFindings {
		t.Errorf("--fail-on critical with a new critical: exit %d", r.code)
	}
	if r := run(t, "", "diff", "--fail-on", "none", old, cur); r.code != ExitOK || !strings.HasSuffix(r.stdout, "2 new, 3 unchanged, 0 fixed\n") {
		t.Errorf("--fail-on none: exit %d\n%s", r.code, r.stdout)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"diff", old}, "accepts 2 arg(s)"},
		{[]string{"diff", "-o", "sarif", old, cur}, `unknown output format "sarif"`},
		{[]string{"diff", "--fail-on", "severe", old, cur}, "--fail-on: unknown severity"},
		{[]string{"diff", old, "testdata/app.yaml"}, "testdata/app.yaml: not an eksguard JSON report"},
	} {
		if r := run(t, "", tc.args...); r.code != ExitUsage || !strings.Contains(r.stderr, tc.err) {
			t.Errorf("%v: exit %d\n%s", tc.args, r.code, r.stderr)
		}
	}
}
