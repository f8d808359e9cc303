package exception

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all" // registers every check (slugs)
	"github.com/eksguard/eksguard/internal/checks/checktest"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/source/files"
)

func catalogue(t *testing.T) Catalogue {
	t.Helper()
	cat, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// load parses manifests given as text, as `eksguard scan -` would.
func load(t *testing.T, manifests string) *inventory.Inventory {
	t.Helper()
	inv, err := files.Load(context.Background(), []string{files.StdinPath}, files.Options{Stdin: strings.NewReader(manifests)})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Errors() > 0 {
		t.Fatalf("fixture has input errors: %v", inv.Problems)
	}
	return inv
}

func object(t *testing.T, inv *inventory.Inventory, kind, name string) *inventory.Object {
	t.Helper()
	for _, o := range inv.OfKind(kind) {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("no %s/%s", kind, name)
	return nil
}

const objects = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
  namespace: monitoring
  labels: {app: node-exporter, team: observability}
spec:
  selector: {matchLabels: {app: node-exporter}}
  template:
    metadata: {labels: {app: node-exporter}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-api
  namespace: shop-staging
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: shop
  labels: {app: web}
`

func TestEntryMatches(t *testing.T) {
	inv := load(t, objects)
	exporter := object(t, inv, "DaemonSet", "node-exporter")
	web := object(t, inv, "Deployment", "web")
	webAPI := object(t, inv, "Deployment", "web-api")
	ns := object(t, inv, "Namespace", "shop")
	widget := object(t, inv, "Widget", "w")
	for _, tc := range []struct {
		name  string
		entry Entry
		obj   *inventory.Object
		want  bool
	}{
		{"empty selector matches anything", Entry{}, web, true},
		{"exact name", Entry{Name: "web"}, web, true},
		{"a name is not a prefix", Entry{Name: "web"}, webAPI, false},
		{"glob name", Entry{Name: "web-*"}, webAPI, true},
		{"glob needs the whole name", Entry{Name: "web-*"}, web, false},
		{"character class", Entry{Name: "we[a-c]"}, web, true},
		{"single-character wildcard", Entry{Name: "we?"}, web, true},
		{"namespace exact", Entry{Namespace: "shop"}, web, true},
		{"namespace is not a prefix", Entry{Namespace: "shop"}, webAPI, false},
		{"namespace glob", Entry{Namespace: "shop*"}, webAPI, true},
		{"a Namespace object is in itself", Entry{Namespace: "shop"}, ns, true},
		{"kind", Entry{Kind: "DaemonSet"}, exporter, true},
		{"kind is case-sensitive", Entry{Kind: "daemonset"}, exporter, false},
		{"wrong kind", Entry{Kind: "Deployment"}, exporter, false},
		{"all of namespace, kind and name", Entry{Namespace: "monitoring", Kind: "DaemonSet", Name: "node-*"}, exporter, true},
		{"one selector field off", Entry{Namespace: "kube-system", Kind: "DaemonSet", Name: "node-*"}, exporter, false},
		{"one label", Entry{Labels: map[string]string{"app": "web"}}, web, true},
		{"every label must match", Entry{Labels: map[string]string{"app": "node-exporter", "team": "observability"}}, exporter, true},
		{"a missing label fails", Entry{Labels: map[string]string{"app": "web", "team": "shop"}}, web, false},
		{"label value differs", Entry{Labels: map[string]string{"app": "api"}}, web, false},
		{"labels are object labels, not template labels", Entry{Labels: map[string]string{"app": "web"}}, webAPI, false},
		{"labels of an untyped object", Entry{Labels: map[string]string{"app": "web"}}, widget, true},
		{"empty label value needs the label", Entry{Labels: map[string]string{"tier": ""}}, web, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.entry.Matches(tc.obj); got != tc.want {
				t.Errorf("%s matches %s: %v, want %v", tc.entry.Selector(), tc.obj.ObjectRef, got, tc.want)
			}
		})
	}
}

func TestExpiryBoundary(t *testing.T) {
	e := Entry{Expires: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	berlin := time.FixedZone("CEST", 2*3600)
	for _, tc := range []struct {
		now     time.Time
		expired bool
	}{
		{time.Date(2025, 6, 29, 12, 0, 0, 0, time.UTC), false},
		{time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2025, 6, 30, 23, 59, 59, 999999999, time.UTC), false},
		{time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2025, 7, 1, 1, 30, 0, 0, berlin), false}, // 23:30 UTC on the 30th
		{time.Date(2025, 7, 1, 2, 0, 0, 0, berlin), true},   // midnight UTC
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if got := e.Expired(tc.now); got != tc.expired {
			t.Errorf("expires 2025-06-30, now %s: expired %v, want %v", tc.now.Format(time.RFC3339Nano), got, tc.expired)
		}
	}
}

func TestCheckPatterns(t *testing.T) {
	cat := catalogue(t)
	for _, tc := range []struct {
		pattern string
		has     []string
		lacks   []string
		n       int // 0: more than len(has)
	}{
		{"EKS-POD-001", []string{"EKS-POD-001"}, nil, 1},
		{"eks-pod-001", []string{"EKS-POD-001"}, nil, 1},
		{"privileged", []string{"EKS-POD-001"}, nil, 1},
		{"EKS-POD-00*", []string{"EKS-POD-001", "EKS-POD-009"}, []string{"EKS-POD-010", "EKS-IAM-001"}, 9},
		{"EKS-POD-0?1", []string{"EKS-POD-001", "EKS-POD-011"}, []string{"EKS-POD-002"}, 0},
		{"EKS-POD", nil, []string{"EKS-POD-001"}, -1},
		{"EKS-POD-999", nil, nil, -1},
	} {
		ids, err := cat.Resolve(tc.pattern)
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		for _, id := range tc.has {
			if !ids[id] {
				t.Errorf("%s does not cover %s", tc.pattern, id)
			}
		}
		for _, id := range tc.lacks {
			if ids[id] {
				t.Errorf("%s covers %s", tc.pattern, id)
			}
		}
		switch {
		case tc.n == -1 && len(ids) != 0:
			t.Errorf("%s covers %d checks, want none", tc.pattern, len(ids))
		case tc.n > 0 && len(ids) != tc.n:
			t.Errorf("%s covers %d checks, want %d", tc.pattern, len(ids), tc.n)
		}
	}
	if _, err := cat.Resolve("EKS-[POD"); err == nil {
		t.Error("a malformed glob must be an error")
	}
}

func TestParseValid(t *testing.T) {
	entries, err := LoadFiles([]string{"testdata/valid.yaml"}, catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	e := entries[0]
	if e.Source() != "testdata/valid.yaml:3" || e.Check != "EKS-POD-001" || e.Namespace != "monitoring" || e.Kind != "DaemonSet" ||
		e.Name != "node-exporter*" || e.Owner != "team-observability" || e.Expires.Format(DateLayout) != "2026-06-30" || !e.Covers("EKS-POD-001") {
		t.Errorf("entry 0: %+v", e)
	}
	if l := entries[1].Labels; len(l) != 2 || l["app"] != "legacy" || l["tier"] != "" || !entries[1].Covers("EKS-POD-026") || entries[1].Covers("EKS-POD-001") {
		t.Errorf("entry 1: %+v", entries[1])
	}
	if !entries[2].Covers("EKS-POD-001") || entries[2].Check != "privileged" {
		t.Errorf("entry 2 (slug): %+v", entries[2])
	}
	// Naming the same file twice (given and discovered) reads it once.
	twice, err := LoadFiles([]string{"testdata/valid.yaml", "./testdata/../testdata/valid.yaml"}, catalogue(t))
	if err != nil || len(twice) != 3 {
		t.Errorf("same file twice: %d entries, %v", len(twice), err)
	}
	for _, empty := range []string{"", "# nothing yet\n", "exceptions:\n", "exceptions: []\n"} {
		if entries, err := Parse("e.yaml", []byte(empty), catalogue(t)); err != nil || len(entries) != 0 {
			t.Errorf("%q: %v %v", empty, entries, err)
		}
	}
}

// TestParseErrors pins the file:line:column errors of malformed files (go test -update).
func TestParseErrors(t *testing.T) {
	for _, name := range []string{"malformed", "syntax", "twodocs", "rootlist", "missing"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join("testdata", name+".yaml")
			entries, err := LoadFiles([]string{file}, catalogue(t))
			if err == nil {
				t.Fatalf("no error; entries %v", entries)
			}
			if entries != nil {
				t.Errorf("entries returned with errors: %v", entries)
			}
			if _, ok := err.(Errors); !ok {
				t.Errorf("error is %T, want Errors", err)
			}
			got := err.Error() + "\n"
			golden := filepath.Join("testdata", name+".golden.txt")
			if checktest.Updating() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden (go test -update): %v", err)
			}
			if string(want) != got {
				t.Errorf("errors differ from %s (go test -update to accept):\n%s", golden, got)
			}
		})
	}
}

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	withFile, without := filepath.Join(root, "k8s"), filepath.Join(root, "other")
	for _, d := range []string{withFile, without} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string) {
		if err := os.WriteFile(p, []byte("exceptions: []\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(withFile, FileName))
	write(filepath.Join(root, FileName))
	manifest := filepath.Join(without, "app.yaml")
	write(manifest)
	t.Chdir(root)

	for _, tc := range []struct {
		name  string
		paths []string
		want  []string
	}{
		{"directory with a file", []string{withFile}, []string{filepath.Join(withFile, FileName)}},
		{"directory without one", []string{without}, nil},
		{"a file argument uses the current directory", []string{manifest}, []string{FileName}},
		{"stdin uses the current directory", []string{"-"}, []string{FileName}},
		{"a cluster scan uses the current directory", nil, []string{FileName}},
		{"the current directory once", []string{".", "-", manifest}, []string{FileName}},
		{"each directory root", []string{withFile, "-"}, []string{filepath.Join(withFile, FileName), FileName}},
		{"not below the root", []string{root + "/k8s/.."}, []string{filepath.Join(root, FileName)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Discover(tc.paths)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Discover(%q) = %q, want %q", tc.paths, got, tc.want)
			}
		})
	}
}

var judgedAt = time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)

func TestInlineAnnotations(t *testing.T) {
	inv := load(t, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: shop
  annotations:
    eksguard.io/ignore: "EKS-POD-001: the CNI agent needs it; EKS-POD-999: typo"
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata:
      labels: {app: agent}
      annotations:
        eksguard.io/ignore: "read-only-root-filesystem: writes /tmp; EKS-POD-002"
    spec:
      containers:
      - name: c
        image: i
        securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: empty
  annotations: {eksguard.io/ignore: " ; "}
spec: {containers: [{name: c, image: i}]}
`)
	set := New(nil, Options{Now: judgedAt, Inline: true, Catalogue: catalogue(t)})
	m, problems := set.Bind(inv)
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`-:7:5: error: shop/Deployment/agent: metadata.annotations["eksguard.io/ignore"]: eksguard.io/ignore: unknown check "EKS-POD-999" (see eksguard checks)`,
		`-:14:9: error: shop/Deployment/agent: spec.template.metadata.annotations["eksguard.io/ignore"]: eksguard.io/ignore: "EKS-POD-002" has no reason; write "EKS-POD-002: <why this is accepted>"`,
		`-:25:17: error: Pod/empty: metadata.annotations["eksguard.io/ignore"]: eksguard.io/ignore is empty; write "CHECK-ID: reason" items separated by ;`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	agent := object(t, inv, "Deployment", "agent")
	for _, tc := range []struct {
		check  string
		source string
		reason string
	}{
		{"EKS-POD-001", "-:7", "the CNI agent needs it"},
		{"EKS-POD-026", "-:14", "writes /tmp"}, // by slug, on the pod template
		{"EKS-POD-002", "", ""},                // reasonless: rejected, not applied
		{"EKS-POD-003", "", ""},
	} {
		ref := m.Except(agent, &check.Finding{CheckID: tc.check})
		switch {
		case tc.source == "" && ref != nil:
			t.Errorf("%s excepted by %+v", tc.check, ref)
		case tc.source != "" && (ref == nil || ref.Source != tc.source || ref.Justification != tc.reason || ref.Type != check.ExceptionAnnotation):
			t.Errorf("%s: got %+v, want source %s reason %q", tc.check, ref, tc.source, tc.reason)
		}
	}
	if ref := m.Except(object(t, inv, "Pod", "empty"), &check.Finding{CheckID: "EKS-POD-001"}); ref != nil {
		t.Errorf("another object's annotation applied: %+v", ref)
	}

	off := New(nil, Options{Now: judgedAt, Inline: false, Catalogue: catalogue(t)})
	m, problems = off.Bind(inv)
	if len(problems) != 0 || m.Except(agent, &check.Finding{CheckID: "EKS-POD-001"}) != nil {
		t.Errorf("--no-inline-exceptions still reads annotations: %v", problems)
	}
}

// TestExceptedFindingsPass runs real checks: excepted findings keep their place in the
// output with status excepted and an exception reference, and a control whose only
// findings are excepted passes.
func TestExceptedFindingsPass(t *testing.T) {
	inv := load(t, objects+`---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
  annotations: {eksguard.io/ignore: "EKS-POD-001: break-glass pod"}
spec:
  containers: [{name: c, image: i, securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: other
  namespace: shop
spec:
  containers: [{name: c, image: i, securityContext: {privileged: true}}]
`)
	entries, err := Parse("exceptions.yaml", []byte(`exceptions:
  - check: EKS-POD-001
    name: other
    justification: vendor appliance
    owner: team-shop
    expires: 2025-07-01
  - check: EKS-POD-001
    name: nothing-by-this-name
    justification: stale
    owner: team-shop
    expires: 2025-12-31
  - check: EKS-POD-001
    justification: would cover everything, but it has expired
    owner: team-shop
    expires: 2025-06-30
  - check: EKS-IAM-001
    justification: the check does not run in this test
    owner: team-shop
    expires: 2025-12-31
`), catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	set := New(entries, Options{Now: judgedAt, Inline: true, Catalogue: catalogue(t)})
	m, problems := set.Bind(inv)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	c, _ := check.Lookup("EKS-POD-001")
	out, err := check.Evaluate(context.Background(), inv, []*check.Check{c}, check.Config{Exceptions: m})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Findings) != 2 {
		t.Fatalf("%d findings, want 2: %+v", len(out.Findings), out.Findings)
	}
	for _, f := range out.Findings {
		if f.Status != check.StatusExcepted || f.Exception == nil || f.Fails() {
			t.Errorf("%s: status %s, exception %+v", f.Object, f.Status, f.Exception)
		}
	}
	if src := out.Findings[0].Exception.Source; src != "-:53" {
		t.Errorf("debug pod excepted by %s, want the annotation at -:53", src)
	}
	if src := out.Findings[1].Exception.Source; src != "exceptions.yaml:2" || out.Findings[1].Exception.Owner != "team-shop" || out.Findings[1].Exception.Expires != "2025-07-01" {
		t.Errorf("other pod excepted by %+v, want exceptions.yaml:2", out.Findings[1].Exception)
	}
	if r := out.Results[0]; r.Failed != 0 || r.Status() != "pass" {
		t.Errorf("control with only excepted findings: failed %d, status %s", r.Failed, r.Status())
	}

	uses := m.Uses(out.Findings, map[string]bool{"EKS-POD-001": true})
	type row struct {
		source                   string
		suppressed               int
		expired, unused          bool
		typ, check, owner, until string
	}
	var got []row
	for _, u := range uses {
		got = append(got, row{u.Source, u.Suppressed, u.Expired, u.Unused, u.Type, u.Check, u.Owner, u.Expires})
	}
	want := []row{
		{"exceptions.yaml:2", 1, false, false, "file", "EKS-POD-001", "team-shop", "2025-07-01"},
		{"exceptions.yaml:7", 0, false, true, "file", "EKS-POD-001", "team-shop", "2025-12-31"},
		{"exceptions.yaml:12", 0, true, false, "file", "EKS-POD-001", "team-shop", "2025-06-30"},
		{"exceptions.yaml:16", 0, false, false, "file", "EKS-IAM-001", "team-shop", "2025-12-31"},
		{"-:53", 1, false, false, "annotation", "EKS-POD-001", "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("uses:\n%+v\nwant:\n%+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("use %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if sel := uses[4].Selector; sel.Namespace != "shop" || sel.Kind != "Pod" || sel.Name != "debug" {
		t.Errorf("annotation selector %+v", sel)
	}

	expired := set.ExpiryProblems()
	if len(expired) != 1 || expired[0].Level != inventory.ProblemWarning ||
		expired[0].Error() != "exceptions.yaml:12:5: warning: exception for EKS-POD-001 (any object, owner team-shop) expired on 2025-06-30 and no longer applies; renew or remove it" {
		t.Errorf("expiry problems: %v", expired)
	}
}
