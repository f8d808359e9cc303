package baseline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// finding builds a failing high finding of check id on Deployment shop/name.
func finding(id string, name string, path string, line int) check.Finding {
	return check.Finding{CheckID: id, Severity: check.High, Status: check.StatusFail,
		Object:   inventory.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: name},
		Path:     fieldpath.Path(path),
		Position: inventory.Position{File: "app.yaml", Line: line, Column: 3}, Message: id + " on " + name}
}

func with(f check.Finding, edit func(*check.Finding)) check.Finding {
	edit(&f)
	return f
}

func excepted(f *check.Finding) {
	f.Status, f.Exception = check.StatusExcepted, &check.ExceptionRef{Source: "x.yaml:1", Type: "file"}
}

func ids(fs []check.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.CheckID+" "+f.Object.Name+" "+string(f.Path))
	}
	return strings.Join(out, ", ")
}

func TestCompare(t *testing.T) {
	privWeb := finding("EKS-POD-001", "web", "spec.template.spec.containers[0].securityContext.privileged", 20)
	rootWeb := finding("EKS-POD-026", "web", "spec.template.spec.containers[0]", 18)
	privAPI := finding("EKS-POD-001", "api", "spec.template.spec.containers[0].securityContext.privileged", 60)
	for _, tc := range []struct {
		name                        string
		old, cur                    []check.Finding
		scope                       func(*check.Finding) bool
		new, unchanged, fixed, kept string
	}{
		{name: "identical", old: []check.Finding{privWeb, rootWeb}, cur: []check.Finding{privWeb, rootWeb},
			unchanged: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged, EKS-POD-026 web spec.template.spec.containers[0]"},
		{name: "moved lines and new wording still match",
			old: []check.Finding{privWeb},
			cur: []check.Finding{with(privWeb, func(f *check.Finding) {
				f.Position.Line, f.Position.File, f.Message = 41, "moved/app.yaml", "reworded"
			})},
			unchanged: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "one new, one fixed", old: []check.Finding{privWeb, rootWeb}, cur: []check.Finding{privWeb, privAPI},
			new:       "EKS-POD-001 api spec.template.spec.containers[0].securityContext.privileged",
			unchanged: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged",
			fixed:     "EKS-POD-026 web spec.template.spec.containers[0]",
			kept:      "EKS-POD-001 api spec.template.spec.containers[0].securityContext.privileged"},
		{name: "another field of the same object is new",
			old: []check.Finding{privWeb},
			cur: []check.Finding{privWeb, with(privWeb, func(f *check.Finding) { f.Path = "spec.template.spec.containers[1].securityContext.privileged" })},
			new: "EKS-POD-001 web spec.template.spec.containers[1].securityContext.privileged", unchanged: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged",
			kept: "EKS-POD-001 web spec.template.spec.containers[1].securityContext.privileged"},
		{name: "another apiVersion is another object",
			old: []check.Finding{privWeb}, cur: []check.Finding{with(privWeb, func(f *check.Finding) { f.Object.APIVersion = "apps/v1beta2" })},
			new: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged", fixed: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged",
			kept: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "another namespace is another object",
			old: []check.Finding{privWeb}, cur: []check.Finding{with(privWeb, func(f *check.Finding) { f.Object.Namespace = "prod" })},
			new: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged", fixed: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged",
			kept: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "duplicates match one to one", old: []check.Finding{privWeb}, cur: []check.Finding{privWeb, privWeb},
			new: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged", unchanged: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged",
			kept: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "one of two copies fixed", old: []check.Finding{privWeb, privWeb}, cur: []check.Finding{privWeb},
			unchanged: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged", fixed: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "now excepted: kept, neither new nor fixed",
			old: []check.Finding{privWeb}, cur: []check.Finding{with(privWeb, excepted)},
			kept: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "exception ended: new",
			old: []check.Finding{with(privWeb, excepted)}, cur: []check.Finding{privWeb},
			new: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged", kept: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "exempt findings never take part",
			old: []check.Finding{with(rootWeb, func(f *check.Finding) { f.Exempt = true })}, cur: []check.Finding{with(privWeb, func(f *check.Finding) { f.Exempt = true })},
			kept: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "baseline findings out of scope are not fixed",
			old: []check.Finding{privWeb, rootWeb}, cur: nil,
			scope: func(f *check.Finding) bool { return f.CheckID == "EKS-POD-001" },
			fixed: "EKS-POD-001 web spec.template.spec.containers[0].securityContext.privileged"},
		{name: "empty baseline: everything is new", old: nil, cur: []check.Finding{rootWeb},
			new: "EKS-POD-026 web spec.template.spec.containers[0]", kept: "EKS-POD-026 web spec.template.spec.containers[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(tc.old, tc.cur, tc.scope)
			for _, part := range []struct {
				what      string
				got, want string
			}{{"new", ids(c.New), tc.new}, {"unchanged", ids(c.Unchanged), tc.unchanged}, {"fixed", ids(c.Fixed), tc.fixed}, {"kept", ids(c.Kept), tc.kept}} {
				if part.got != part.want {
					t.Errorf("%s: %q, want %q", part.what, part.got, part.want)
				}
			}
			s := c.Summary("old.json")
			if s.New != len(c.New) || s.Unchanged != len(c.Unchanged) || s.Fixed != len(c.Fixed) || s.File != "old.json" {
				t.Errorf("summary %+v", s)
			}
		})
	}
}

func report(t *testing.T, controls []Control, fs ...check.Finding) *Report {
	t.Helper()
	data, err := json.Marshal(map[string]any{"schemaVersion": ReportSchema, "controls": controls, "findings": fs})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Read(bytes.NewReader(data), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRead(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"", "r.json: empty file"},
		{"not json", "r.json: not an eksguard JSON report"},
		{`{"schemaVersion": "eksguard.io/diff/v1"}`, `schemaVersion "eksguard.io/diff/v1" is not eksguard.io/report/v1`},
		{`{"schemaVersion": "eksguard.io/report/v1", "findings": [{"checkId": "EKS-POD-001", "severity": "severe"}]}`, "unknown severity"},
	} {
		if _, err := Read(strings.NewReader(tc.in), "r.json"); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
	r := report(t, []Control{{ID: "EKS-POD-001", Status: "fail"}, {ID: "EKS-NET-001", Status: "not-evaluated"}},
		with(finding("EKS-POD-001", "web", "spec", 3), excepted))
	if len(r.Findings) != 1 || r.Findings[0].Status != check.StatusExcepted || r.Findings[0].Exception.Source != "x.yaml:1" || r.Findings[0].Severity != check.High {
		t.Errorf("findings did not round-trip: %+v", r.Findings)
	}
	if !r.Ran("EKS-POD-001") || r.Ran("EKS-NET-001") || r.Ran("EKS-POD-002") {
		t.Error("Ran: a control runs when listed and not voided by a coverage gap")
	}
}

func TestDiff(t *testing.T) {
	ran := []Control{{ID: "EKS-POD-001", Status: "fail"}, {ID: "EKS-POD-026", Status: "pass"}}
	medium := with(finding("EKS-POD-026", "api", "spec.template.spec.containers[0]", 70), func(f *check.Finding) { f.Severity = check.Medium })
	old := report(t, ran, finding("EKS-POD-001", "web", "a", 10), finding("EKS-POD-026", "web", "b", 12), finding("EKS-IAM-001", "web", "c", 14))
	cur := report(t, ran, finding("EKS-POD-001", "web", "a", 11), medium)
	high, critical := check.High, check.Critical

	d := NewDiff("old.json", old, "new.json", cur, &critical)
	if d.Summary != (DiffSummary{New: 1, Unchanged: 1, Fixed: 1, Failed: false}) {
		t.Errorf("summary %+v (EKS-IAM-001 did not run in new.json, so it is not fixed)", d.Summary)
	}
	var table bytes.Buffer
	if err := d.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	want := `New findings (in new.json, not in old.json) (1)
  MEDIUM   EKS-POD-026  shop/Deployment/api  EKS-POD-026 on api
           app.yaml:70:3  spec.template.spec.containers[0]

Fixed findings (in old.json, gone from new.json) (1)
  HIGH     EKS-POD-026  shop/Deployment/web  EKS-POD-026 on web
           app.yaml:12:3  b

1 new, 1 unchanged, 1 fixed — PASS (no new findings at or above critical)
`
	if table.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", table.String(), want)
	}

	d = NewDiff("old.json", old, "new.json", cur, &high)
	if d.Summary.Failed {
		t.Error("a new medium finding must not fail --fail-on high")
	}
	withHigh := report(t, ran, finding("EKS-POD-001", "web", "a", 11), finding("EKS-POD-001", "db", "a", 90))
	d = NewDiff("old.json", old, "new.json", withHigh, &high)
	if !d.Summary.Failed || d.Summary.New != 1 {
		t.Errorf("a new high finding fails --fail-on high: %+v", d.Summary)
	}
	var js bytes.Buffer
	if err := d.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		SchemaVersion string          `json:"schemaVersion"`
		FailOn        string          `json:"failOn"`
		Summary       DiffSummary     `json:"summary"`
		New           []check.Finding `json:"newFindings"`
		Fixed         []check.Finding `json:"fixedFindings"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.SchemaVersion != DiffSchema || back.FailOn != "high" || !back.Summary.Failed || len(back.New) != 1 || back.New[0].Object.Name != "db" || len(back.Fixed) != 1 {
		t.Errorf("json diff: %s", js.String())
	}
	if d := NewDiff("a", old, "b", old, nil); d.FailOn != "none" || d.Summary.Failed || d.Summary.Unchanged != 3 || len(d.NewFindings) != 0 {
		t.Errorf("same report, no gate: %+v", d)
	}
}
