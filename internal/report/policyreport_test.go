package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

var policyReportTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// renderPolicyReports runs -o policyreport for api at policyReportTime.
func renderPolicyReports(t *testing.T, r *Report, api string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := PolicyReportFormat(&buf, r, Options{Now: policyReportTime, PolicyReportAPI: api}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// splitYAML splits a YAML stream into its documents, each as JSON.
func splitYAML(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	var docs [][]byte
	for _, doc := range strings.Split(string(stream), "\n---\n") {
		data, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("not YAML: %v\n%s", err, doc)
		}
		docs = append(docs, data)
	}
	return docs
}

func TestPolicyReportGoldens(t *testing.T) {
	for _, tc := range []struct{ api, golden string }{
		{PolicyReportWG, "policyreport.golden.yaml"},
		{PolicyReportOpen, "openreports.golden.yaml"},
	} {
		t.Run(tc.api, func(t *testing.T) {
			checkGolden(t, tc.golden, renderPolicyReports(t, formatsReport(t), tc.api))
		})
	}
}

// TestPolicyReportYAMLReadsBack: the hand-written YAML reads back as exactly the objects,
// strings that a YAML reader would take for something else included.
func TestPolicyReportYAMLReadsBack(t *testing.T) {
	r := formatsReport(t)
	tricky := []string{"yes", "No", "null", "~", "2027-03-31", "0644", "1e3", "- item", "key: value", "a #comment",
		" leading", "trailing ", "multi\nline", "tab\there", `quote " and \ backslash`, "del\x7f", "nel\u0085", "ls\u2028",
		"bom\ufeff", "two  spaces", "a b", "ünïcödé ✓", "{flow}", "[seq]", "*alias", "&anchor", "!tag", "%directive", "@at", "`tick`", "|", ">", "'single'", "",
		"invalid \xff utf-8"}
	base := r.Findings[0]
	for i, s := range tricky {
		f := base
		f.Message = s
		f.Object.Name = fmt.Sprintf("n%d", i)
		f.Path = fieldpath.Path("spec.x.y" + s)
		r.Findings = append(r.Findings, f)
	}
	for _, api := range PolicyReportAPINames() {
		a, _ := LookupPolicyReportAPI(api)
		docs := splitYAML(t, renderPolicyReports(t, r, api))
		want := BuildPolicyReports(r, PolicyReportOptions{API: a, Now: policyReportTime})
		if len(docs) != len(want) {
			t.Fatalf("%s: %d documents, want %d", api, len(docs), len(want))
		}
		for i, doc := range docs {
			var got, exp any
			wantJSON, _ := json.Marshal(want[i])
			if err := json.Unmarshal(doc, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(wantJSON, &exp); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("%s: document %d reads back as\n%s\nwant\n%s", api, i, doc, wantJSON)
			}
		}
	}
}

// crdSchema compiles the openAPIV3Schema of version of the CRD in deploy/crds/file as a
// JSON schema. Every object schema with properties gets additionalProperties: false, as
// the API server's strict field validation refuses unknown fields (metadata is left open).
func crdSchema(t *testing.T, file, version string) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "crds", file))
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	if schema == nil {
		t.Fatalf("%s has no version %s", file, version)
	}
	var closeObjects func(s map[string]any)
	closeObjects = func(s map[string]any) {
		if props, ok := s["properties"].(map[string]any); ok {
			if _, set := s["additionalProperties"]; !set {
				s["additionalProperties"] = false
			}
			for _, p := range props {
				closeObjects(p.(map[string]any))
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			closeObjects(items)
		}
	}
	closeObjects(schema)
	c := jsonschema.NewCompiler()
	url := "mem://" + file
	if err := c.AddResource(url, schema); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return compiled
}

// TestPolicyReportsValidateAgainstCRDs validates every object of both APIs against the
// vendored CRD schemas (the live-cluster test has the API server do the same).
func TestPolicyReportsValidateAgainstCRDs(t *testing.T) {
	r := formatsReportWithExceptions(t)
	for _, tc := range []struct {
		api, version, namespaced, cluster string
	}{
		{PolicyReportWG, "v1alpha2", "wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml"},
		{PolicyReportOpen, "v1alpha1", "openreports.io_reports.yaml", "openreports.io_clusterreports.yaml"},
	} {
		t.Run(tc.api, func(t *testing.T) {
			ns, cl := crdSchema(t, tc.namespaced, tc.version), crdSchema(t, tc.cluster, tc.version)
			for i, doc := range splitYAML(t, renderPolicyReports(t, r, tc.api)) {
				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
				if err != nil {
					t.Fatal(err)
				}
				schema := ns
				if i == 0 {
					schema = cl
				}
				if err := schema.Validate(inst); err != nil {
					t.Errorf("document %d does not validate: %v\n%s", i, err, doc)
				}
			}
		})
	}
}

func TestPolicyReportMapping(t *testing.T) {
	r := formatsReport(t)
	api, _ := LookupPolicyReportAPI("")
	reports := BuildPolicyReports(r, PolicyReportOptions{API: api, Now: policyReportTime})
	byName := map[string]*PolicyReport{}
	var order []string
	for _, pr := range reports {
		byName[pr.Metadata.Namespace+"/"+pr.Metadata.Name] = pr
		order = append(order, pr.Kind+" "+pr.Metadata.Namespace+"/"+pr.Metadata.Name)
	}
	wantOrder := "ClusterPolicyReport /eksguard-cluster, PolicyReport default/eksguard-default, PolicyReport kube-system/eksguard-kube-system, " +
		"PolicyReport prod/eksguard-prod, PolicyReport shop/eksguard-shop, PolicyReport tenant-a/eksguard-tenant-a, PolicyReport web/eksguard-web"
	if got := strings.Join(order, ", "); got != wantOrder {
		t.Fatalf("reports %s\nwant %s", got, wantOrder)
	}
	summary := func(key string) PolicyReportSummary { return byName[key].Summary }
	// shop: one privileged fail, two excepted skips.
	if s := summary("shop/eksguard-shop"); s != (PolicyReportSummary{Fail: 1, Skip: 2}) {
		t.Errorf("shop summary %+v", s)
	}
	if s := summary("kube-system/eksguard-kube-system"); s != (PolicyReportSummary{Skip: 1}) {
		t.Errorf("kube-system summary %+v", s)
	}
	// The cluster report: EKS-POD-003 and EKS-TEN-006 passed, EKS-DATA-003 could not be evaluated.
	cl := byName["/eksguard-cluster"]
	if cl.Summary != (PolicyReportSummary{Pass: 2, Error: 1}) {
		t.Errorf("cluster summary %+v", cl.Summary)
	}
	for _, res := range cl.Results {
		if len(res.Resources) != 0 {
			t.Errorf("control result %s %s names resources", res.Policy, res.Result)
		}
		if res.Result == "error" && !strings.Contains(res.Message, "Secret (v1/secrets): forbidden") {
			t.Errorf("error result message %q does not name the gap", res.Message)
		}
	}
	for _, res := range byName["shop/eksguard-shop"].Results {
		switch {
		case res.Result == "skip" && !strings.HasPrefix(res.Properties["skipReason"], "excepted by the "):
			t.Errorf("excepted result %s: skipReason %q", res.Policy, res.Properties["skipReason"])
		case res.Policy == "EKS-POD-001" && (res.Rule != "privileged" || res.Category != "Pod Security" || res.Severity != "critical" ||
			res.Properties["location"] != "k8s/app.yaml:22" || res.Properties["fieldPath"] != "spec.template.spec.containers[0].securityContext.privileged"):
			t.Errorf("EKS-POD-001 result %+v", res)
		}
		if res.Timestamp.Seconds != policyReportTime.Unix() || res.Source != "eksguard" {
			t.Errorf("result %s: timestamp %v, source %q", res.Policy, res.Timestamp, res.Source)
		}
	}
	prod := byName["prod/eksguard-prod"].Results[0]
	if prod.Resources[0].UID != "0b5c8f2e-3d1a-4c49-9d7e-1f2a3b4c5d6e" || prod.Properties["managedBy"] != "Helm" {
		t.Errorf("live finding %+v", prod)
	}

	// A finding on a Namespace object belongs to that namespace's report.
	nsFinding := r.Findings[0]
	nsFinding.Object = inventory.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "quiet"}
	r2 := *r
	r2.Findings = []check.Finding{nsFinding}
	got := BuildPolicyReports(&r2, PolicyReportOptions{API: api, Now: policyReportTime})
	if len(got) != 2 || got[1].Metadata.Namespace != "quiet" || got[1].Summary.Fail != 1 {
		t.Errorf("a Namespace's finding: %+v", got)
	}
}

// TestPolicyReportDigest: the digest ignores the time of the run and follows the content.
func TestPolicyReportDigest(t *testing.T) {
	api, _ := LookupPolicyReportAPI(PolicyReportOpen)
	digests := func(r *Report, now time.Time) []string {
		var out []string
		for _, pr := range BuildPolicyReports(r, PolicyReportOptions{API: api, Now: now}) {
			out = append(out, pr.Metadata.Annotations[PolicyReportDigestAnnotation])
		}
		return out
	}
	r := formatsReport(t)
	a, b := digests(r, policyReportTime), digests(r, policyReportTime.Add(time.Hour))
	if !reflect.DeepEqual(a, b) || len(a[0]) != 32 {
		t.Errorf("digests differ with the time: %v %v", a, b)
	}
	r.Findings[6].Message += " (changed)" // shop's privileged finding
	c := digests(r, policyReportTime)
	for i := range a {
		if changed := a[i] != c[i]; changed != (i == 4) {
			t.Errorf("report %d: digest changed %v", i, changed)
		}
	}
}

// TestPolicyReportMaxBytes: a report over MaxBytes keeps its most important results, counts
// the others in an annotation and keeps the full summary.
func TestPolicyReportMaxBytes(t *testing.T) {
	r := formatsReport(t)
	api, _ := LookupPolicyReportAPI("")
	shop := func(max int) *PolicyReport {
		for _, pr := range BuildPolicyReports(r, PolicyReportOptions{API: api, Now: policyReportTime, MaxBytes: max}) {
			if pr.Metadata.Namespace == "shop" {
				return pr
			}
		}
		t.Fatal("no shop report")
		return nil
	}
	full := shop(0)
	one, _ := json.Marshal(full.Results[2]) // the fail result
	trimmed := shop(len(one) + 10)
	if len(trimmed.Results) != 1 || trimmed.Results[0].Result != "fail" || trimmed.Metadata.Annotations[PolicyReportOmittedAnnotation] != "2" {
		t.Errorf("trimmed to %+v, annotations %v", trimmed.Results, trimmed.Metadata.Annotations)
	}
	if trimmed.Summary != full.Summary {
		t.Errorf("summary %+v, want %+v", trimmed.Summary, full.Summary)
	}
	if _, ok := full.Metadata.Annotations[PolicyReportOmittedAnnotation]; ok {
		t.Error("an untrimmed report counts omitted results")
	}
}

func TestLookupPolicyReportAPI(t *testing.T) {
	for name, want := range map[string]string{"": "wgpolicyk8s.io/v1alpha2", "wgpolicyk8s": "wgpolicyk8s.io/v1alpha2",
		"openreports": "openreports.io/v1alpha1", "openreports.io": "openreports.io/v1alpha1"} {
		a, err := LookupPolicyReportAPI(name)
		if err != nil || a.APIVersion() != want {
			t.Errorf("%q: %v %v", name, a.APIVersion(), err)
		}
	}
	if _, err := LookupPolicyReportAPI("kyverno"); err == nil || !strings.Contains(err.Error(), "wgpolicyk8s, openreports") {
		t.Errorf("unknown API: %v", err)
	}
}
