package kubereport_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/cli"
	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/source/snapshot"
)

type result struct {
	code           int
	stdout, stderr string
}

func eksguard(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(args, cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return result{code, out.String(), errOut.String()}
}

func kubeconfig(t *testing.T, as string) string {
	t.Helper()
	path, err := env.WriteKubeconfig(t.TempDir(), "envtest", as)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// reportWriter installs deploy/clusterrole.yaml and binds eksguard-report-writer, and
// nothing else, to the ServiceAccount eksguard/reports-only; it returns that user.
func reportWriter(t *testing.T) string {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "..", "..", "deploy", "clusterrole.yaml"))
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
	return "system:serviceaccount:eksguard:reports-only"
}

func cliApp(ns string, privileged bool) string {
	p := "false"
	if privileged {
		p = "true"
	}
	return `
apiVersion: v1
kind: Namespace
metadata: {name: ` + ns + `}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ` + ns + `}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api:1, securityContext: {privileged: ` + p + `}}]}
`
}

// policyReport reads the PolicyReport eksguard wrote in ns, or nil.
func policyReport(t *testing.T, ns string) (map[string]any, string) {
	t.Helper()
	api, _ := report.LookupPolicyReportAPI("")
	nsRes, _ := resources(api)
	u, err := nsRes.Namespace(ns).Get(context.Background(), report.PolicyReportName(ns), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return u.Object, u.GetResourceVersion()
}

// TestClusterWriteReports runs eksguard cluster --write-reports: the namespace's report is
// created with the finding on the live Deployment (UID included), a re-run writes nothing,
// and once the Deployment is fixed the report is deleted.
func TestClusterWriteReports(t *testing.T) {
	ns := "cli-reports"
	deploy := apply(t, cliApp(ns, true))[1]
	kc := kubeconfig(t, "")
	args := []string{"cluster", "--kubeconfig", kc, "-n", ns, "--checks", "EKS-POD-001", "--write-reports", "-o", "json=" + filepath.Join(t.TempDir(), "r.json")}

	r := eksguard(t, args...)
	if r.code != cli.ExitFindings || !strings.Contains(r.stderr, "wgpolicyk8s.io/v1alpha2 reports in envtest: 1 created, 0 updated, 0 unchanged, 0 deleted") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	obj, rv := policyReport(t, ns)
	if obj == nil {
		t.Fatal("no PolicyReport written")
	}
	res := obj["results"].([]any)[0].(map[string]any)
	ref := res["resources"].([]any)[0].(map[string]any)
	if res["policy"] != "EKS-POD-001" || res["result"] != "fail" || ref["uid"] != string(deploy.GetUID()) || ref["name"] != "api" {
		t.Errorf("result %v", res)
	}

	r = eksguard(t, args...)
	if !strings.Contains(r.stderr, "0 created, 0 updated, 1 unchanged, 0 deleted") {
		t.Errorf("second run, stderr:\n%s", r.stderr)
	}
	if _, rv2 := policyReport(t, ns); rv2 != rv {
		t.Errorf("the second run changed the report: resourceVersion %s, then %s", rv, rv2)
	}

	// Fixed: privileged false. The namespace has no findings, so its report goes.
	dep, err := env.Client.AppsV1().Deployments(ns).Get(context.Background(), "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := false
	dep.Spec.Template.Spec.Containers[0].SecurityContext.Privileged = &f
	if _, err := env.Client.AppsV1().Deployments(ns).Update(context.Background(), dep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r = eksguard(t, args...)
	if r.code != cli.ExitOK || !strings.Contains(r.stderr, "0 created, 0 updated, 0 unchanged, 1 deleted") {
		t.Errorf("after the fix: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if obj, _ := policyReport(t, ns); obj != nil {
		t.Error("the report of a namespace without findings is still there")
	}

	// Unscoped, with OpenReports: the cluster report holds the passed controls.
	r = eksguard(t, "cluster", "--kubeconfig", kc, "--checks", "EKS-POD-001,EKS-POD-003", "--write-reports", "--policy-report-api", "openreports", "-o", "json="+filepath.Join(t.TempDir(), "r.json"))
	if r.code == cli.ExitUsage || !strings.Contains(r.stderr, "openreports.io/v1alpha1 reports in envtest:") {
		t.Fatalf("unscoped: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	api, _ := report.LookupPolicyReportAPI("openreports")
	_, clRes := resources(api)
	cl, err := clRes.Get(context.Background(), report.PolicyReportName(""), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cl.GetAnnotations()[report.PolicyReportDigestAnnotation] == "" || cl.Object["source"] != "eksguard" {
		t.Errorf("cluster report %v", cl.Object)
	}
}

// TestSnapshotWriteReports writes a snapshot's reports as a ServiceAccount that may only write
// reports (the snapshot names the same API server), and refuses a snapshot of another cluster.
func TestSnapshotWriteReports(t *testing.T) {
	ns := "snap-reports"
	apply(t, cliApp(ns, true))
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json.gz")
	if r := eksguard(t, "snapshot", "save", "--kubeconfig", kubeconfig(t, ""), "-n", ns, "-q", snap); r.code != cli.ExitOK {
		t.Fatalf("snapshot save: exit %d\n%s", r.code, r.stderr)
	}
	writer := kubeconfig(t, reportWriter(t))
	args := []string{"scan", "--snapshot", snap, "--checks", "EKS-POD-001", "--write-reports", "--kubeconfig", writer, "-o", "json=" + filepath.Join(dir, "r.json")}

	var r result
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) { // RBAC reaches the authorizer's cache
		if r = eksguard(t, args...); !strings.Contains(r.stderr, "forbidden") || time.Now().After(deadline) {
			break
		}
	}
	if r.code != cli.ExitFindings || !strings.Contains(r.stderr, "reports in envtest: 1 created, 0 updated, 0 unchanged, 0 deleted") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	_, rv := policyReport(t, ns)
	r = eksguard(t, args...)
	if !strings.Contains(r.stderr, "0 created, 0 updated, 1 unchanged, 0 deleted") {
		t.Errorf("second run, stderr:\n%s", r.stderr)
	}
	if _, rv2 := policyReport(t, ns); rv2 != rv || rv == "" {
		t.Errorf("resourceVersion %q, then %q", rv, rv2)
	}

	// A snapshot of the whole cluster, said to come from elsewhere with another kube-system UID.
	all := filepath.Join(dir, "all.json.gz")
	if r := eksguard(t, "snapshot", "save", "--kubeconfig", kubeconfig(t, ""), "-q", all); r.code != cli.ExitOK {
		t.Fatalf("snapshot save: exit %d\n%s", r.code, r.stderr)
	}
	f, err := os.Open(all)
	if err != nil {
		t.Fatal(err)
	}
	inv, meta, err := snapshot.Load(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range inv.Objects {
		if o.Kind == "Namespace" && o.Name == "kube-system" {
			o.UID, found = "11111111-2222-4333-8444-555555555555", true
		}
	}
	if !found {
		t.Fatal("the snapshot holds no kube-system namespace")
	}
	meta.Cluster.Server = "https://prod.example.eks.amazonaws.com"
	other := filepath.Join(dir, "other.json.gz")
	var buf bytes.Buffer
	if err := snapshot.Save(&buf, inv, meta); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, kubeconfig, want string
	}{
		{"admin compares kube-system's UID", kubeconfig(t, ""), "was taken from another cluster than"},
		{"the report writer compares the server", writer, `cannot tell that ` + other + ` was taken from the cluster at`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := eksguard(t, "scan", "--snapshot", other, "--write-reports", "--kubeconfig", tc.kubeconfig)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
		})
	}
}

// TestWriteReportsForbidden: a user who may read but not write reports gets the scan's
// outputs and then exit 2 naming the refusal.
func TestWriteReportsForbidden(t *testing.T) {
	ns := "forbidden-reports"
	apply(t, cliApp(ns, true))
	apply(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reader-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: eksguard-reader}
subjects: [{kind: User, name: reader-only}]
`)
	reportWriter(t) // installs eksguard-reader too
	out := filepath.Join(t.TempDir(), "r.json")
	r := eksguard(t, "cluster", "--kubeconfig", kubeconfig(t, "reader-only"), "-n", ns, "--checks", "EKS-POD-001", "--write-reports", "-o", "json="+out)
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--write-reports: envtest:") || !strings.Contains(r.stderr, "forbidden") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the report file was not written first: %v", err)
	}
}
