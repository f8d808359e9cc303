package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/internal/report"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

// withAccount points the AWS collectors of the commands at a fresh moto account.
func withAccount(t *testing.T) *awstest.Account {
	t.Helper()
	srv := awstest.Shared(t)
	acct := srv.NewAccount(t)
	awsOptionsHook = func(o *awssource.Options) {
		o.BaseEndpoint, o.Credentials, o.MaxBackoff = srv.URL, awstest.Credentials, 50*time.Millisecond
		o.APIOptions = acct.APIOptions()
	}
	t.Cleanup(func() { awsOptionsHook = nil })
	return acct
}

// TestAWSEndToEnd creates an EKS cluster in moto with a public endpoint and no control-plane
// logging through the SDK, scans it with eksguard aws, and expects EKS-IAM-001, EKS-IAM-002
// and EKS-DET-001 findings naming the cluster's ARN, and the account and region in the report.
func TestAWSEndToEnd(t *testing.T) {
	acct := withAccount(t)
	cl, err := acct.CreateCluster(context.Background(), awstest.ClusterSpec{Name: "demo", Public: true, Private: false, Nodegroups: 1, Version: "1.31"})
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "aws", "--cluster-name", "demo", "--region", awstest.Region, "-o", "json", "--kubeconfig", os.DevNull)
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, ExitFindings, r.stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, r.stdout)
	}
	if rep.Target == nil || rep.Target.Account != acct.ID || rep.Target.Region != awstest.Region || rep.Target.ClusterARN != cl.ARN {
		t.Errorf("target = %+v, want account %s, region %s, cluster %s", rep.Target, acct.ID, awstest.Region, cl.ARN)
	}
	found := map[string]string{} // check -> highest severity of its findings on the cluster
	for _, f := range rep.Findings {
		if f.Resource == cl.ARN {
			if prev, err := check.ParseSeverity(found[f.CheckID]); err != nil || f.Severity > prev {
				found[f.CheckID] = f.Severity.String()
			}
		}
	}
	for id, sev := range map[string]string{"EKS-IAM-001": "high", "EKS-IAM-002": "high", "EKS-IAM-003": "medium", "EKS-DET-001": "high", "EKS-DET-002": "medium", "EKS-DATA-001": "high"} {
		if found[id] != sev {
			t.Errorf("%s on %s: severity %q, want %q (findings on the cluster: %v)", id, cl.ARN, found[id], sev, found)
		}
	}
	status := map[string]string{}
	for _, c := range rep.Controls {
		status[c.ID] = c.Status
	}
	// Checks that also read Kubernetes objects are not evaluated in an AWS-only scan.
	for id, want := range map[string]string{"EKS-IAM-001": "fail", "EKS-IAM-016": "not-evaluated", "EKS-INF-005": "not-evaluated", "EKS-IAM-009": "pass"} {
		if status[id] != want {
			t.Errorf("control %s: %q, want %q", id, status[id], want)
		}
	}
	if !slices.ContainsFunc(rep.Gaps, func(g inventory.Gap) bool { return g.Kind == "ServiceAccount" }) {
		t.Errorf("no coverage gap for the Kubernetes kinds an AWS-only scan does not read: %+v", rep.Gaps)
	}
	if !strings.Contains(strings.Join(rep.Inputs, " "), "aws account "+acct.ID) {
		t.Errorf("inputs = %v", rep.Inputs)
	}
}

// TestAWSDeniedActionIsGap: a denied call is a coverage gap naming the IAM action, the checks
// reading it are not evaluated, and the scan still reports the rest.
func TestAWSDeniedActionIsGap(t *testing.T) {
	acct := withAccount(t)
	if _, err := acct.CreateCluster(context.Background(), awstest.ClusterSpec{Name: "demo", Public: true, Private: true, Logging: []string{"audit"}}); err != nil {
		t.Fatal(err)
	}
	acct.Deny("eks:ListAccessEntries")
	r := run(t, "", "aws", "--cluster-name", "demo", "--region", awstest.Region, "-o", "json", "--fail-on", "none", "--kubeconfig", os.DevNull)
	if r.code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var gap *inventory.Gap
	for i := range rep.Gaps {
		if rep.Gaps[i].Kind == "aws:eks:ListAccessEntries" {
			gap = &rep.Gaps[i]
		}
	}
	if gap == nil || gap.Reason != "forbidden" || !strings.Contains(gap.Message, "eks:ListAccessEntries") {
		t.Fatalf("no forbidden gap for eks:ListAccessEntries: %+v", rep.Gaps)
	}
	for _, id := range []string{"EKS-IAM-010", "EKS-IAM-037", "EKS-IAM-009"} {
		if !slices.Contains(gap.Checks, id) {
			t.Errorf("gap checks %v lack %s", gap.Checks, id)
		}
	}
	for _, c := range rep.Controls {
		if c.ID == "EKS-DET-001" && c.Status != "pass" {
			t.Errorf("EKS-DET-001 = %s, want pass", c.Status)
		}
	}
}

// TestClusterAWSFlags: cluster takes the AWS flags, and explicit AWS flags with a cluster
// AWS cannot find are an error (exit 2), not a silent Kubernetes-only scan.
func TestClusterAWSFlags(t *testing.T) {
	withAccount(t)
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
current-context: x
contexts: [{name: x, context: {cluster: x, user: x}}]
clusters: [{name: x, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: x, user: {token: t}}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "aws", "--cluster-name", "missing", "--region", awstest.Region, "--kubeconfig", kubeconfig)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `"missing" not found`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, "", "aws", "--region", awstest.Region, "--kubeconfig", kubeconfig)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--cluster-name") {
		t.Errorf("no cluster name: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, "", "cluster", "--aws-concurrency", "0")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--aws-concurrency") {
		t.Errorf("--aws-concurrency 0: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, "", "cluster", "--ecr-scope", "some")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--ecr-scope must be all or used") {
		t.Errorf("--ecr-scope some: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, "", "aws", "--cluster-name", "demo", "--region", awstest.Region, "--ecr-scope", "used", "--kubeconfig", kubeconfig)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "eksguard cluster") {
		t.Errorf("aws --ecr-scope used: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestECRScopeFlag: --ecr-scope used asks the collector for the repositories the cluster
// runs images from; all (the default) for every repository.
func TestECRScopeFlag(t *testing.T) {
	for scope, want := range map[string]bool{"all": false, "used": true} {
		var f awsFlags
		fs := pflag.NewFlagSet("cluster", pflag.ContinueOnError)
		f.addFlags(fs, false)
		if err := fs.Parse([]string{"--ecr-scope", scope}); err != nil {
			t.Fatal(err)
		}
		if err := f.validate(); err != nil {
			t.Fatal(err)
		}
		if f.aws.ECRUsedOnly != want || f.aws.ECRRepositories != nil {
			t.Errorf("--ecr-scope %s: ECRUsedOnly %v, ECRRepositories %v", scope, f.aws.ECRUsedOnly, f.aws.ECRRepositories)
		}
	}
}
