package kubereport_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/eksguard/eksguard/internal/check"
	_ "github.com/eksguard/eksguard/internal/checks/all" // check metadata for the results
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/kubereport"
	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/source/kube/kubetest"
)

var env *kubetest.Env

// TestMain starts one control plane with the report CRDs of deploy/crds installed, so the
// API server validates every report these tests write against the vendored schemas.
func TestMain(m *testing.M) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(kubetest.RunWith(m, kubetest.Options{CRDDirectoryPaths: []string{filepath.Join(root, "deploy", "crds")}},
		func(e *kubetest.Env) error { env = e; return nil }))
}

func apply(t *testing.T, manifest string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := env.Apply(context.Background(), []byte(manifest), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func namespaces(t *testing.T, names ...string) {
	t.Helper()
	var docs []string
	for _, n := range names {
		docs = append(docs, "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+n+"}")
	}
	apply(t, strings.Join(docs, "\n---\n"))
}

func mustCheck(t *testing.T, id string) *check.Check {
	t.Helper()
	c, ok := check.Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return c
}

// fixture is a report with findings in the given namespaces (a privileged Deployment each,
// one of them excepted in the first namespace), one on a ClusterRole and a passed control.
func fixture(t *testing.T, nss ...string) *report.Report {
	t.Helper()
	pod001, iam, pod003 := mustCheck(t, "EKS-POD-001"), mustCheck(t, "EKS-IAM-026"), mustCheck(t, "EKS-POD-003")
	var findings []check.Finding
	for i, ns := range nss {
		obj := inventory.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "web", UID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}
		f := check.Finding{CheckID: pod001.ID, Title: pod001.Title, Severity: pod001.Severity, Status: check.StatusFail, Object: obj,
			Path: "spec.template.spec.containers[0].securityContext.privileged", Message: `container containers[0] "web" runs privileged`,
			Resource: obj.URI(), Live: &inventory.LiveRef{Cluster: "envtest", ResourceVersion: "1", ManagedBy: "Helm"}}
		findings = append(findings, f)
		if i == 0 {
			f.Object.Name, f.Status = "legacy", check.StatusExcepted
			f.Exception = &check.ExceptionRef{Source: ".eksguard.yaml:3", Type: check.ExceptionFile, Justification: "until Q3", Owner: "ops", Expires: "2027-01-31"}
			findings = append(findings, f)
		}
	}
	role := inventory.ObjectRef{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "everything"}
	findings = append(findings, check.Finding{CheckID: iam.ID, Title: iam.Title, Severity: iam.Severity, Status: check.StatusFail,
		Object: role, Path: "rules[0]", Message: "grants * on *", Resource: role.URI()})
	return &report.Report{Findings: findings, Controls: []report.Control{
		{ID: pod001.ID, Title: pod001.Title, Section: pod001.Section, Status: "fail", Evaluated: 3, Failed: len(nss)},
		{ID: iam.ID, Title: iam.Title, Section: iam.Section, Status: "fail", Evaluated: 5, Failed: 1},
		{ID: pod003.ID, Title: pod003.Title, Section: pod003.Section, Status: "pass", Evaluated: 3},
	}}
}

func build(r *report.Report, api report.PolicyReportAPI, now time.Time) []*report.PolicyReport {
	return report.BuildPolicyReports(r, report.PolicyReportOptions{API: api, Now: now, MaxBytes: kubereport.MaxReportBytes})
}

func write(t *testing.T, cfg *rest.Config, reports []*report.PolicyReport, opts kubereport.Options) kubereport.Result {
	t.Helper()
	opts.Config = cfg
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := kubereport.Write(ctx, reports, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func resources(api report.PolicyReportAPI) (namespaced, cluster dynamic.NamespaceableResourceInterface) {
	gv := schema.GroupVersion{Group: api.Group, Version: api.Version}
	return env.Dynamic.Resource(gv.WithResource(api.Resource)), env.Dynamic.Resource(gv.WithResource(api.ClusterResource))
}

// versions returns the resourceVersion of every report eksguard wrote in nss and of the
// cluster report ("" for one that does not exist).
func versions(t *testing.T, api report.PolicyReportAPI, nss ...string) map[string]string {
	t.Helper()
	nsRes, clRes := resources(api)
	out := map[string]string{}
	get := func(ri dynamic.ResourceInterface, key, name string) {
		u, err := ri.Get(context.Background(), name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			out[key] = ""
		case err != nil:
			t.Fatal(err)
		default:
			out[key] = u.GetResourceVersion()
		}
	}
	get(clRes, "cluster", report.PolicyReportName(""))
	for _, ns := range nss {
		get(nsRes.Namespace(ns), ns, report.PolicyReportName(ns))
	}
	return out
}

// TestWriteIsIdempotent writes the reports of a run twice (the second run an hour later):
// the second write changes nothing, resourceVersions included. Then a run with one namespace
// clean and one finding changed updates one report, deletes the clean namespace's and leaves
// the rest alone. Both APIs; the API server validates every object against its CRD.
func TestWriteIsIdempotent(t *testing.T) {
	for _, name := range report.PolicyReportAPINames() {
		t.Run(name, func(t *testing.T) {
			api, _ := report.LookupPolicyReportAPI(name)
			a, b, c := "idem-"+name+"-a", "idem-"+name+"-b", "idem-"+name+"-c"
			namespaces(t, a, b, c)
			all := []string{a, b, c}
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			opts := kubereport.Options{API: api, Namespaces: all}
			_, clRes := resources(api) // another test may have left a cluster report
			if err := clRes.Delete(context.Background(), report.PolicyReportName(""), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}

			got := write(t, env.Config, build(fixture(t, a, b), api, now), opts)
			if got != (kubereport.Result{Created: 3, Deleted: 0}) {
				t.Fatalf("first write: %+v, want 3 created (cluster, a, b)", got)
			}
			first := versions(t, api, all...)
			if first["cluster"] == "" || first[a] == "" || first[b] == "" || first[c] != "" {
				t.Fatalf("after the first write: %v", first)
			}
			nsRes, _ := resources(api)
			u, err := nsRes.Namespace(a).Get(context.Background(), report.PolicyReportName(a), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum, _, _ := unstructured.NestedMap(u.Object, "summary"); fmt.Sprint(sum) != "map[error:0 fail:1 pass:0 skip:1 warn:0]" {
				t.Errorf("%s summary %v", a, sum)
			}
			results, _, _ := unstructured.NestedSlice(u.Object, "results")
			if len(results) != 2 {
				t.Fatalf("%s: %d results", a, len(results))
			}
			r0 := results[0].(map[string]any)
			if r0["policy"] != "EKS-POD-001" || r0["result"] != "fail" || r0["severity"] != "critical" ||
				r0["resources"].([]any)[0].(map[string]any)["uid"] != "00000000-0000-4000-8000-000000000000" {
				t.Errorf("result as stored: %v", r0)
			}
			if mf := u.GetManagedFields(); len(mf) != 1 || mf[0].Manager != kubereport.FieldManager || mf[0].Operation != metav1.ManagedFieldsOperationApply {
				t.Errorf("managed fields %+v", mf)
			}
			cl, err := clRes.Get(context.Background(), report.PolicyReportName(""), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum, _, _ := unstructured.NestedMap(cl.Object, "summary"); fmt.Sprint(sum) != "map[error:0 fail:1 pass:1 skip:0 warn:0]" {
				t.Errorf("cluster summary %v", sum)
			}

			got = write(t, env.Config, build(fixture(t, a, b), api, now.Add(time.Hour)), opts)
			if got != (kubereport.Result{Unchanged: 3}) {
				t.Errorf("second write: %+v, want 3 unchanged", got)
			}
			if second := versions(t, api, all...); fmt.Sprint(second) != fmt.Sprint(first) {
				t.Errorf("the second write changed resourceVersions: %v, then %v", first, second)
			}
			u2, _ := nsRes.Namespace(a).Get(context.Background(), report.PolicyReportName(a), metav1.GetOptions{})
			if len(u2.GetManagedFields()) != 1 {
				t.Errorf("the second write added managed fields: %+v", u2.GetManagedFields())
			}

			// b is clean now; a's finding changed.
			r := fixture(t, a)
			r.Findings[0].Message += " (now with hostPID too)"
			got = write(t, env.Config, build(r, api, now.Add(2*time.Hour)), opts)
			if got != (kubereport.Result{Updated: 1, Unchanged: 1, Deleted: 1}) {
				t.Errorf("third write: %+v, want a updated, cluster unchanged, b deleted", got)
			}
			third := versions(t, api, all...)
			if third[b] != "" || third[a] == first[a] || third["cluster"] != first["cluster"] {
				t.Errorf("after the third write: %v (first %v)", third, first)
			}
		})
	}
}

// TestWriteAsReportWriter writes as a ServiceAccount bound only to the eksguard-report-writer
// ClusterRole of deploy/clusterrole.yaml: it is enough, including deletes; without it the
// write is forbidden.
func TestWriteAsReportWriter(t *testing.T) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "deploy", "clusterrole.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	apply(t, string(data))
	apply(t, `
apiVersion: v1
kind: ServiceAccount
metadata: {name: reports-only, namespace: eksguard}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reports-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: eksguard-report-writer}
subjects: [{kind: ServiceAccount, name: reports-only, namespace: eksguard}]
`)
	a, b := "writer-a", "writer-b"
	namespaces(t, a, b)
	as := env.As("system:serviceaccount:eksguard:reports-only", "system:serviceaccounts", "system:authenticated")
	for _, name := range report.PolicyReportAPINames() {
		api, _ := report.LookupPolicyReportAPI(name)
		opts := kubereport.Options{API: api, Namespaces: []string{a, b}}
		now := time.Now()
		// RBAC takes a moment to reach the authorizer's cache.
		deadline := time.Now().Add(30 * time.Second)
		for {
			opts.Config = as
			_, err := kubereport.Write(context.Background(), build(fixture(t, a, b), api, now), opts)
			if err == nil {
				break
			}
			if !apierrors.IsForbidden(errors.Unwrap(err)) && !apierrors.IsForbidden(err) || time.Now().After(deadline) {
				t.Fatalf("%s: write as the report writer: %v", name, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got := write(t, as, build(fixture(t, a, b), api, now), opts); got != (kubereport.Result{Unchanged: 3}) {
			t.Errorf("%s: second write %+v", name, got)
		}
		if got := write(t, as, build(fixture(t, a), api, now), opts); got.Deleted != 1 {
			t.Errorf("%s: third write %+v, want b's report deleted", name, got)
		}
	}

	nobody := env.As("system:serviceaccount:eksguard:nobody", "system:serviceaccounts", "system:authenticated")
	api, _ := report.LookupPolicyReportAPI("")
	_, err = kubereport.Write(context.Background(), build(fixture(t, a), api, time.Now()), kubereport.Options{Config: nobody, API: api})
	if err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("writing without the role: %v, want forbidden", err)
	}
}

// TestAPIServerValidatesReports: the CRD schema is enforced on what Write sends (a severity
// outside the enum, an unknown field), so the other tests' successful writes mean valid reports.
func TestAPIServerValidatesReports(t *testing.T) {
	namespaces(t, "invalid")
	api, _ := report.LookupPolicyReportAPI("")
	for name, spoil := range map[string]func(*report.PolicyReport){
		"severity": func(pr *report.PolicyReport) { pr.Results[0].Severity = "urgent" },
		"result":   func(pr *report.PolicyReport) { pr.Results[0].Result = "failed" },
		"unknown field": func(pr *report.PolicyReport) {
			pr.Source = "eksguard" // wgpolicyk8s.io/v1alpha2 has source on results only
		},
	} {
		reports := build(fixture(t, "invalid"), api, time.Now())
		pr := reports[1]
		spoil(pr)
		pr.Metadata.Annotations[report.PolicyReportDigestAnnotation] = "spoiled-" + name
		_, err := kubereport.Write(context.Background(), []*report.PolicyReport{pr}, kubereport.Options{Config: env.Config, API: api, SkipCluster: true})
		// An unknown field in a server-side apply is refused with 500, not 400
		// (kubernetes/kubernetes#139253); refused is what matters here.
		var status apierrors.APIStatus
		if !errors.As(err, &status) || status.Status().Code < 400 ||
			status.Status().Code >= 500 && !strings.Contains(err.Error(), "field not declared in schema") {
			t.Errorf("%s: %v (status %v), want the API server to refuse it", name, err, statusCode(status))
		}
	}
}

func TestNotServed(t *testing.T) {
	api := report.PolicyReportAPI{Name: "nope", Group: "reports.example.com", Version: "v1", Kind: "R", ClusterKind: "CR", Resource: "rs", ClusterResource: "crs"}
	_, err := kubereport.Write(context.Background(), nil, kubereport.Options{Config: env.Config, API: api})
	if !errors.Is(err, kubereport.ErrNotServed) || !strings.Contains(err.Error(), "reports.example.com/v1 rs") {
		t.Errorf("err %v", err)
	}
}

func statusCode(s apierrors.APIStatus) any {
	if s == nil {
		return nil
	}
	return fmt.Sprint(s.Status().Code, " ", s.Status().Reason)
}
