package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/checks/checktest"
	"github.com/eksguard/eksguard/internal/report"
)

type result struct {
	code   int
	stdout string
	stderr string
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(args, IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// Two checks keep the goldens about rendering, not about the catalogue's growth.
var goldenChecks = "--checks=EKS-POD-001,EKS-POD-026"

func TestTableAndJSONGoldens(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"table", []string{"scan", goldenChecks, "testdata/app.yaml"}, ExitFindings},
		{"json", []string{"scan", goldenChecks, "-o", "json", "testdata/app.yaml"}, ExitFindings},
		{"table-broken", []string{"scan", goldenChecks, "testdata/broken.yaml"}, ExitUsage},
		{"json-broken", []string{"scan", goldenChecks, "-o", "json", "testdata/broken.yaml"}, ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			ext := ".txt"
			if strings.HasPrefix(tc.name, "json") {
				ext = ".json"
				var rep report.Report
				if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
					t.Fatalf("stdout is not one JSON report: %v", err)
				}
				if rep.SchemaVersion != report.SchemaVersion {
					t.Errorf("schemaVersion %q", rep.SchemaVersion)
				}
			}
			golden := filepath.Join("testdata", tc.name+".golden"+ext)
			if checktest.Updating() {
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden (go test -update): %v", err)
			}
			if string(want) != r.stdout {
				t.Errorf("stdout differs from %s (go test -update to accept):\n%s", golden, r.stdout)
			}
		})
	}
}

func TestExitCodesAndFilters(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stdin     string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
	}{
		{"fail-on critical still fails on privileged", "", []string{"scan", goldenChecks, "--fail-on", "critical", "testdata/app.yaml"}, ExitFindings, "FAIL", ""},
		{"fail-on none never fails", "", []string{"scan", goldenChecks, "--fail-on", "none", "testdata/app.yaml"}, ExitOK, "3 findings", ""},
		{"severity filter drops medium", "", []string{"scan", goldenChecks, "--severity", "high", "--fail-on", "medium", "testdata/app.yaml"}, ExitFindings, "1 finding (1 critical)", ""},
		{"only medium findings pass the default gate", "", []string{"scan", "--checks", "EKS-POD-026", "testdata/app.yaml"}, ExitOK, "PASS (nothing at or above high)", ""},
		{"skip-checks by slug", "", []string{"scan", goldenChecks, "--skip-checks", "privileged", "testdata/app.yaml"}, ExitOK, "2 findings (2 medium)", ""},
		{"namespace keeps namespace-less objects", "", []string{"scan", goldenChecks, "-n", "shop", "--fail-on", "none", "testdata/app.yaml"}, ExitOK, "Pod/debug", ""},
		{"system namespace findings are exempt", "", []string{"scan", "--checks", "EKS-POD-001", "-n", "kube-system", "testdata/app.yaml"}, ExitOK, "(exempt: system namespace)", ""},
		{"stdin", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostPID: true, containers: [{name: c, image: i}]}\n", []string{"scan", "--checks", "EKS-POD-002", "-"}, ExitFindings, "-\n  Pod/p\n    4:8", ""},
		{"missing input", "", []string{"scan", "testdata/nope.yaml"}, ExitUsage, "no such file or directory", "1 input error could not be read"},
		{"unknown check", "", []string{"scan", "--checks", "EKS-NOPE-001", "testdata/app.yaml"}, ExitUsage, "", `no check matches "EKS-NOPE-001"`},
		{"unknown format", "", []string{"scan", "-o", "xml", "testdata/app.yaml"}, ExitUsage, "", `unknown output format "xml"`},
		{"bad severity", "", []string{"scan", "--fail-on", "severe", "testdata/app.yaml"}, ExitUsage, "", "--fail-on: unknown severity"},
		{"bad flag", "", []string{"scan", "--frobnicate", "testdata/app.yaml"}, ExitUsage, "", "unknown flag: --frobnicate"},
		{"bad responder role", "", []string{"scan", "--responder-role", "ir-responder", "testdata/app.yaml"}, ExitUsage, "", "--responder-role \"ir-responder\": want an IAM role ARN"},
		{"no paths", "", []string{"scan"}, ExitUsage, "", "requires at least 1 arg"},
		{"explain", "", []string{"explain", "privileged"}, ExitOK, "EKS-POD-001  Containers must not run privileged", ""},
		{"explain unknown", "", []string{"explain", "EKS-POD-999"}, ExitUsage, "", `no check "EKS-POD-999"`},
		{"version", "", []string{"version"}, ExitOK, "eksguard ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.stdin, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.stdoutHas) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdoutHas, r.stdout)
			}
			if !strings.Contains(r.stderr, tc.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderrHas, r.stderr)
			}
		})
	}
}

func TestMachineOutputStaysClean(t *testing.T) {
	file := filepath.Join(t.TempDir(), "report.json")
	r := run(t, "", "scan", "-o", "json", "--output-file", file, "testdata/broken.yaml")
	if r.code != ExitUsage {
		t.Errorf("exit %d", r.code)
	}
	if r.stdout != "" {
		t.Errorf("stdout must be empty with --output-file, got:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "broken.yaml:12") {
		t.Errorf("input problems must reach stderr:\n%s", r.stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report file is not JSON: %v", err)
	}
	if rep.Summary.InputErrors != 3 {
		t.Errorf("input errors %d, want 3", rep.Summary.InputErrors)
	}
}

func TestChecksListing(t *testing.T) {
	for _, format := range []string{"table", "json", "markdown"} {
		r := run(t, "", "checks", "-o", format)
		if r.code != ExitOK || !strings.Contains(r.stdout, "EKS-POD-001") {
			t.Errorf("checks -o %s: exit %d\n%s%s", format, r.code, r.stdout, r.stderr)
		}
	}
}

// TestDocsAreCurrent fails when docs/checks.md is not what `eksguard checks -o markdown` writes.
func TestDocsAreCurrent(t *testing.T) {
	r := run(t, "", "checks", "-o", "markdown")
	path := filepath.Join("..", "..", "docs", "checks.md")
	if checktest.Updating() {
		if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != r.stdout {
		t.Errorf("docs/checks.md is stale: run go run ./cmd/eksguard checks -o markdown > docs/checks.md (or go test ./internal/cli -update)")
	}
}

func TestFrameworkSelection(t *testing.T) {
	r := run(t, "", "scan", "-o", "json", "--framework", "pss-baseline", "--fail-on", "none", "testdata/app.yaml")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Scores.Frameworks) != 1 || rep.Scores.Frameworks[0].ID != "pss-baseline" || rep.Scores.Frameworks[0].Evaluated != 14 {
		t.Errorf("pss-baseline scores: %+v", rep.Scores.Frameworks)
	}
	for _, c := range rep.Controls {
		if c.Section != "pod-security" {
			t.Errorf("control %s is not in pss-baseline", c.ID)
		}
	}
	if bad := run(t, "", "scan", "--framework", "nist", "testdata/app.yaml"); bad.code != ExitUsage || !strings.Contains(bad.stderr, "unknown framework") {
		t.Errorf("bad framework: exit %d %s", bad.code, bad.stderr)
	}
}
