package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	// The JSON Schema validator Helm already brings into the module graph (it validates
	// charts' values.schema.json), so validating SARIF adds no module. It implements draft 4,
	// which the official SARIF 2.1.0 schema is written in, including format assertions (uri).
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/eksguard/eksguard/internal/baseline"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

var (
	sarifSchemaOnce sync.Once
	sarifSchema     *jsonschema.Schema
	sarifSchemaErr  error
)

// validateSARIF validates a log against the official SARIF 2.1.0 schema in testdata (see
// testdata/README.md for where it comes from).
func validateSARIF(t testing.TB, log []byte) {
	t.Helper()
	sarifSchemaOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
		if err != nil {
			sarifSchemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			sarifSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if sarifSchemaErr = c.AddResource(sarifSchemaURI, doc); sarifSchemaErr != nil {
			return
		}
		sarifSchema, sarifSchemaErr = c.Compile(sarifSchemaURI)
	})
	if sarifSchemaErr != nil {
		t.Fatalf("SARIF schema: %v", sarifSchemaErr)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, log)
	}
	if err := sarifSchema.Validate(inst); err != nil {
		t.Fatalf("SARIF log does not validate against the 2.1.0 schema: %v", err)
	}
}

// sarifLog is the part of a log the tests read.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string    `json:"id"`
					Name             string    `json:"name"`
					ShortDescription sarifText `json:"shortDescription"`
					FullDescription  sarifText `json:"fullDescription"`
					Help             sarifText `json:"help"`
					HelpURI          string    `json:"helpUri"`
					Default          struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool                `json:"executionSuccessful"`
			Notifications       []sarifNotification `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []sarifResult `json:"results"`
	} `json:"runs"`
}

func decodeSARIF(t *testing.T, data []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("decode: %v\n%s", err, data)
	}
	if len(log.Runs) != 1 || len(log.Runs[0].Invocations) != 1 {
		t.Fatalf("want one run with one invocation:\n%s", data)
	}
	return log
}

func TestSARIFGolden(t *testing.T) {
	out := render(t, "sarif", formatsReportWithExceptions(t))
	validateSARIF(t, out)
	checkGolden(t, "sarif.golden.json", out)
}

func TestSARIFValidatesEmptyAndLarge(t *testing.T) {
	empty := New(Input{ToolVersion: "dev", Inventory: &inventory.Inventory{}})
	validateSARIF(t, render(t, "sarif", empty))
	validateSARIF(t, render(t, "sarif", syntheticReport(t, 2000)))
}

func TestSARIFRulesAndResults(t *testing.T) {
	r := formatsReportWithExceptions(t)
	log := decodeSARIF(t, render(t, "sarif", r))
	run := log.Runs[0]
	if log.Version != "2.1.0" || run.Tool.Driver.Name != "eksguard" {
		t.Errorf("version %q driver %q", log.Version, run.Tool.Driver.Name)
	}
	rules := run.Tool.Driver.Rules
	if len(rules) != len(r.Controls) {
		t.Fatalf("%d rules, want one per check that ran (%d)", len(rules), len(r.Controls))
	}
	for i, rule := range rules {
		c := mustCheck(t, rule.ID)
		if rule.ID != r.Controls[i].ID || rule.Name != c.Slug || rule.ShortDescription.Text != c.Title || rule.HelpURI != c.DocURL() {
			t.Errorf("rule %d = %s %s %q %s", i, rule.ID, rule.Name, rule.ShortDescription.Text, rule.HelpURI)
		}
		if rule.FullDescription.Text == c.Title || len(rule.FullDescription.Text) < len(c.Title) {
			t.Errorf("%s: fullDescription is not the catalogue logic: %q", rule.ID, rule.FullDescription.Text)
		}
		if !strings.Contains(rule.Help.Text, c.Remediation) || !strings.Contains(rule.Help.Markdown, "**Remediation:**") {
			t.Errorf("%s: help lacks the remediation: %+v", rule.ID, rule.Help)
		}
		want := map[check.Severity]string{check.Critical: "9.5", check.High: "8.0", check.Medium: "5.5", check.Low: "3.0", check.Info: "1.0"}[c.Severity]
		if rule.Properties["security-severity"] != want {
			t.Errorf("%s (%s): security-severity %v, want %q", rule.ID, c.Severity, rule.Properties["security-severity"], want)
		}
		tags := fmt.Sprint(rule.Properties["tags"])
		if !strings.Contains(tags, "security") || !strings.Contains(tags, c.Section) {
			t.Errorf("%s: tags %s", rule.ID, tags)
		}
		if c.References.CISEKS != "" && !strings.Contains(tags, "cis-eks") {
			t.Errorf("%s: tags %s lack its framework cis-eks", rule.ID, tags)
		}
		if wantLevel := sarifLevel(c.Severity); rule.Default.Level != wantLevel {
			t.Errorf("%s: level %s, want %s", rule.ID, rule.Default.Level, wantLevel)
		}
	}

	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	byObject := map[string]sarifResult{}
	for i, res := range run.Results {
		f := r.Findings[i]
		if res.RuleID != f.CheckID || rules[res.RuleIndex].ID != f.CheckID {
			t.Errorf("result %d: ruleId %s ruleIndex %d, finding %s", i, res.RuleID, res.RuleIndex, f.CheckID)
		}
		if !strings.Contains(res.Message.Text, f.Message) || res.PartialFingerprints.V1 == "" {
			t.Errorf("result %d: %+v", i, res)
		}
		byObject[f.Object.String()+" "+f.CheckID] = res
	}

	region := func(key string) *sarifRegion {
		res := byObject[key]
		if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation == nil {
			t.Fatalf("%s: no physical location: %+v", key, res.Locations)
		}
		return res.Locations[0].PhysicalLocation.Region
	}
	if reg := region("shop/Deployment/frontend EKS-POD-001"); reg == nil || reg.StartLine != 22 || reg.StartColumn != 11 {
		t.Errorf("manifest finding region %+v, want 22:11", reg)
	}
	if reg := region("web/Deployment/web EKS-POD-004"); reg == nil || reg.StartLine != 23 || reg.StartColumn != 13 {
		t.Errorf("mapped template line region %+v, want 23:13", reg)
	}
	if reg := region("web/Deployment/web EKS-POD-025"); reg != nil {
		t.Errorf("an unmapped template line must have no region (not a fake line 1): %+v", reg)
	}
	uris := map[string]string{
		"default/Pod/debug EKS-IMG-002":              "",
		"tenant-a/Deployment/batch EKS-TEN-006":      "file:///srv/manifests/team%20a/batch.yaml",
		"shop/Deployment/frontend EKS-POD-001":       "k8s/app.yaml",
		"kube-system/DaemonSet/aws-node EKS-POD-001": "k8s/system.yaml",
	}
	for key, want := range uris {
		art := byObject[key].Locations[0].PhysicalLocation.ArtifactLocation
		if art.URI != want {
			t.Errorf("%s: uri %q, want %q", key, art.URI, want)
		}
		if want == "" && (art.Description == nil || art.Description.Text != "standard input") {
			t.Errorf("%s: stdin artifact %+v", key, art)
		}
	}
	if base := byObject["shop/Deployment/frontend EKS-POD-001"].Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID; base != "%SRCROOT%" {
		t.Errorf("relative uri base %q", base)
	}

	live := byObject["prod/Deployment/api EKS-POD-025"]
	if len(live.Locations) != 1 || live.Locations[0].PhysicalLocation != nil || len(live.Locations[0].LogicalLocations) != 1 {
		t.Fatalf("live object: want one logical location only: %+v", live.Locations)
	}
	if ll := live.Locations[0].LogicalLocations[0]; ll.FullyQualifiedName != "k8s://prod/Deployment/api" || ll.Kind != "resource" || ll.Name != "api" {
		t.Errorf("live logical location %+v", ll)
	}
	if live.Properties.Cluster != "prod-eks" || live.Properties.ManagedBy != "Helm" {
		t.Errorf("live properties %+v", live.Properties)
	}

	exempt := byObject["kube-system/DaemonSet/aws-node EKS-POD-001"]
	if len(exempt.Suppressions) != 1 || exempt.Suppressions[0].Kind != "external" || exempt.Suppressions[0].Justification != "system namespace" {
		t.Errorf("exempt finding suppressions %+v", exempt.Suppressions)
	}
	if s := byObject["shop/Deployment/frontend EKS-POD-001"].Suppressions; len(s) != 0 {
		t.Errorf("a failing finding is suppressed: %+v", s)
	}

	fileExc := byObject["shop/Deployment/frontend EKS-POD-004"].Suppressions
	if len(fileExc) != 1 || fileExc[0].Kind != "external" || fileExc[0].Justification != "legacy load balancer needs host ports" ||
		fileExc[0].Properties == nil || fileExc[0].Properties.Owner != "team-shop" || fileExc[0].Properties.Expires != "2027-03-31" ||
		fileExc[0].Location == nil || fileExc[0].Location.PhysicalLocation.ArtifactLocation.URI != ".eksguard.yaml" ||
		fileExc[0].Location.PhysicalLocation.Region.StartLine != 14 {
		t.Errorf("exceptions-file suppression %+v", fileExc)
	}
	annExc := byObject["shop/Deployment/frontend EKS-IMG-002"].Suppressions
	if len(annExc) != 1 || annExc[0].Kind != "inSource" || annExc[0].Justification != "rebuilt nightly" ||
		annExc[0].Location == nil || annExc[0].Location.PhysicalLocation.Region.StartLine != 6 {
		t.Errorf("annotation suppression %+v", annExc)
	}

	inv := run.Invocations[0]
	if inv.ExecutionSuccessful {
		t.Error("executionSuccessful with an input error")
	}
	if len(inv.Notifications) != 5 {
		t.Fatalf("notifications %+v, want 2 input problems, 1 coverage gap, 1 expired and 1 unused exception", inv.Notifications)
	}
	if n := inv.Notifications[0]; n.Level != "error" || len(n.Locations) != 1 || n.Locations[0].PhysicalLocation.Region.StartLine != 12 {
		t.Errorf("input error notification %+v", n)
	}
	if n := inv.Notifications[1]; n.Level != "warning" || !strings.Contains(n.Message.Text, "hint: remove one of them") {
		t.Errorf("input warning notification %+v", n)
	}
	if n := inv.Notifications[2]; n.Level != "warning" || !strings.Contains(n.Message.Text, "EKS-DATA-003") {
		t.Errorf("coverage gap notification %+v", n)
	}
	if n := inv.Notifications[3]; n.Level != "warning" || !strings.Contains(n.Message.Text, "expired on 2026-01-31") ||
		len(n.Locations) != 1 || n.Locations[0].PhysicalLocation.Region.StartLine != 9 {
		t.Errorf("expired exception notification %+v", n)
	}
	if n := inv.Notifications[4]; n.Level != "note" || !strings.Contains(n.Message.Text, "suppressed nothing") || !strings.Contains(n.Message.Text, "app=gone") {
		t.Errorf("unused exception notification %+v", n)
	}
	for _, res := range run.Results {
		if res.BaselineState != "" {
			t.Errorf("baselineState without --baseline: %+v", res)
		}
	}
}

func TestSARIFBaseline(t *testing.T) {
	r := formatsReportWithExceptions(t)
	r.Summary.Baseline = &baseline.Summary{File: "main.json", New: 6, Unchanged: 40, Fixed: 3}
	out := render(t, "sarif", r)
	validateSARIF(t, out)
	log := decodeSARIF(t, out)
	for i, res := range log.Runs[0].Results {
		if want := map[bool]string{true: "new", false: ""}[r.Findings[i].Fails()]; res.BaselineState != want {
			t.Errorf("result %d (%s): baselineState %q, want %q", i, r.Findings[i].Status, res.BaselineState, want)
		}
	}
	var raw struct {
		Runs []struct {
			Properties struct {
				Baseline baseline.Summary `json:"baseline"`
			} `json:"properties"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &raw); err != nil || raw.Runs[0].Properties.Baseline != *r.Summary.Baseline {
		t.Errorf("run properties %+v (%v)", raw.Runs, err)
	}
}

func TestSARIFFingerprintIsStable(t *testing.T) {
	r := formatsReportWithExceptions(t)
	base := r.Findings[6] // shop/Deployment/frontend privileged
	fp := sarifFingerprint(&base)

	moved := base
	moved.Position = inventory.Position{File: "deploy/app.yaml", Line: 90, Column: 3}
	moved.Message = "reworded"
	moved.Object.APIVersion = "apps/v1beta2" // same group
	moved.Severity = check.Info
	if got := sarifFingerprint(&moved); got != fp {
		t.Errorf("fingerprint changed with file, line, message, version or severity: %s vs %s", got, fp)
	}
	for name, change := range map[string]func(*check.Finding){
		"check":     func(f *check.Finding) { f.CheckID = "EKS-POD-002" },
		"namespace": func(f *check.Finding) { f.Object.Namespace = "shop2" },
		"name":      func(f *check.Finding) { f.Object.Name = "frontend2" },
		"kind":      func(f *check.Finding) { f.Object.Kind = "StatefulSet" },
		"group":     func(f *check.Finding) { f.Object.APIVersion = "extensions/v1beta1" },
		"path":      func(f *check.Finding) { f.Path = "spec.template.spec.containers[1].securityContext.privileged" },
	} {
		other := base
		change(&other)
		if sarifFingerprint(&other) == fp {
			t.Errorf("fingerprint ignores the %s", name)
		}
	}
	// Field boundaries: ("ab", "c") and ("a", "bc") must differ.
	a, b := base, base
	a.Object.Namespace, a.Object.Name = "ab", "c"
	b.Object.Namespace, b.Object.Name = "a", "bc"
	if sarifFingerprint(&a) == sarifFingerprint(&b) {
		t.Error("fingerprint runs fields together")
	}
}

func TestSARIFSplitSource(t *testing.T) {
	for src, want := range map[string]string{
		".eksguard.yaml:14":         ".eksguard.yaml 14 true",
		"C:/repo/x.yaml:3":          "C:/repo/x.yaml 3 true",
		"k8s://prod/Deployment/api": " 0 false",
		"x.yaml":                    " 0 false",
		"x.yaml:0":                  " 0 false",
		":5":                        " 0 false",
	} {
		file, line, ok := sarifSplitSource(src)
		if got := fmt.Sprint(file, " ", line, " ", ok); got != want {
			t.Errorf("%q: %s, want %s", src, got, want)
		}
	}
}

func TestSARIFArtifactURIs(t *testing.T) {
	for file, want := range map[string]sarifArtifact{
		"k8s/app.yaml":            {URI: "k8s/app.yaml", URIBaseID: "%SRCROOT%"},
		"./k8s/../k8s/app.yaml":   {URI: "k8s/app.yaml", URIBaseID: "%SRCROOT%"},
		"dir with space/a#b.yaml": {URI: "dir%20with%20space/a%23b.yaml", URIBaseID: "%SRCROOT%"},
		"a:b.yaml":                {URI: "./a:b.yaml", URIBaseID: "%SRCROOT%"},
		"../other/app.yaml":       {URI: "../other/app.yaml", URIBaseID: "%SRCROOT%"},
		"/abs/app.yaml":           {URI: "file:///abs/app.yaml"},
	} {
		got := sarifArtifactOf(file)
		if got.URI != want.URI || got.URIBaseID != want.URIBaseID {
			t.Errorf("%q: %+v, want %+v", file, got, want)
		}
	}
}
