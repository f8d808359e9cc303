package cli

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	junit "github.com/joshdk/go-junit"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/report"
)

// TestSeveralOutputs writes every format in one run: the table to stdout, the rest to files,
// each of which must parse as what it claims to be.
func TestSeveralOutputs(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	r := run(t, "", "scan", goldenChecks, "testdata/app.yaml", "-o", "table",
		"-o", "json="+path("report.json"), "-o", "sarif="+path("report.sarif"), "-o", "junit="+path("junit.xml"),
		"-o", "html="+path("report.html"), "-o", "markdown="+path("summary.md"), "-o", "policyreport="+path("reports.yaml"))
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, ExitFindings, r.stderr)
	}
	table, err := os.ReadFile(filepath.Join("testdata", "table.golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(table) {
		t.Errorf("stdout is not the table report:\n%s", r.stdout)
	}
	read := func(name string) []byte {
		t.Helper()
		data, err := os.ReadFile(path(name))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			t.Fatalf("%s is empty", name)
		}
		return data
	}

	var rep report.Report
	if err := json.Unmarshal(read("report.json"), &rep); err != nil || rep.SchemaVersion != report.SchemaVersion {
		t.Errorf("report.json: %v (schema %q)", err, rep.SchemaVersion)
	}
	if len(rep.Findings) == 0 {
		t.Error("report.json has no findings")
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(read("report.sarif"), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 ||
		len(sarif.Runs[0].Results) != len(rep.Findings) {
		t.Errorf("report.sarif: %v, version %q, %d runs", err, sarif.Version, len(sarif.Runs))
	}
	junitXML := read("junit.xml")
	if err := xml.Unmarshal(junitXML, new(struct{})); err != nil {
		t.Errorf("junit.xml is not XML: %v", err)
	}
	if suites, err := junit.Ingest(junitXML); err != nil || len(suites) == 0 {
		t.Errorf("junit.xml: %v, %d suites", err, len(suites))
	}
	if html := string(read("report.html")); !strings.HasPrefix(strings.ToLower(html), "<!doctype html>") {
		t.Errorf("report.html starts %.40q", html)
	}
	if md := string(read("summary.md")); !strings.Contains(md, "EKS-POD-001") {
		t.Errorf("summary.md does not name EKS-POD-001:\n%s", md)
	}
	for i, doc := range strings.Split(string(read("reports.yaml")), "\n---\n") {
		var pr report.PolicyReport
		if err := yaml.UnmarshalStrict([]byte(doc), &pr); err != nil || !strings.HasPrefix(pr.APIVersion, "wgpolicyk8s.io/") {
			t.Errorf("reports.yaml document %d: %v (%s)", i, err, pr.APIVersion)
		}
	}
	// Input problems go to stderr only when no table shows them on stdout.
	if strings.Contains(r.stderr, "eksguard:") {
		t.Errorf("stderr with a table on stdout:\n%s", r.stderr)
	}
}

func TestOutputFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "r.json")
	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		stderrHas string
		stdoutHas string
	}{
		{"two formats on stdout", []string{"-o", "table", "-o", "json"}, ExitUsage, "-o table, -o json all write to stdout; give all but one a file", ""},
		{"two formats on stdout, one as -", []string{"-o", "json=-", "-o", "sarif"}, ExitUsage, "-o json, -o sarif all write to stdout", ""},
		{"same file twice", []string{"-o", "json=" + file, "-o", "sarif=" + filepath.Join(dir, ".", "r.json")}, ExitUsage, "-o json=" + file + " and -o sarif=", ""},
		{"--output-file with several outputs", []string{"-o", "table", "-o", "sarif=" + file, "--output-file", file}, ExitUsage, "--output-file names the file of a single -o FORMAT", ""},
		{"--output-file and FORMAT=FILE", []string{"-o", "json=" + file, "--output-file", file + "2"}, ExitUsage, "-o json=" + file + " and --output-file " + file + "2 both name the file", ""},
		{"missing FILE", []string{"-o", "json="}, ExitUsage, "-o json=: FORMAT=FILE needs a FILE", ""},
		{"unknown format with a file", []string{"-o", "xml=" + file}, ExitUsage, `unknown output format "xml"`, ""},
		{"unknown policy report API", []string{"-o", "policyreport", "--policy-report-api", "kyverno"}, ExitUsage, `--policy-report-api: unknown policy report API "kyverno"`, ""},
		{"openreports", []string{"-o", "policyreport", "--policy-report-api", "openreports"}, ExitFindings, "", "apiVersion: openreports.io/v1alpha1\nkind: ClusterReport"},
		{"--output-file keeps working", []string{"-o", "json", "--output-file", file}, ExitFindings, "", ""},
		{"only files: nothing on stdout", []string{"-o", "json=" + file}, ExitFindings, "", ""},
		{"-o FORMAT=- is stdout", []string{"-o", "json=-"}, ExitFindings, "", `"schemaVersion": "eksguard.io/report/v1"`},
		{"--write-reports needs a cluster", []string{"--write-reports"}, ExitUsage, "--write-reports writes the reports of a cluster scan into that cluster: use it with eksguard cluster or scan --snapshot", ""},
		{"--context needs --write-reports", []string{"--context", "prod"}, ExitUsage, "--context names the cluster scan --snapshot --write-reports writes to", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(file)
			r := run(t, "", append([]string{"scan", goldenChecks, "testdata/app.yaml"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderrHas, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.stdoutHas) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdoutHas, r.stdout)
			}
		})
	}
	t.Run("files only leave stdout empty", func(t *testing.T) {
		r := run(t, "", "scan", goldenChecks, "testdata/app.yaml", "-o", "json="+file)
		if r.stdout != "" {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		var rep report.Report
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Error(err)
		}
	})
}
