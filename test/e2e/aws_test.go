package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/cli"
	"github.com/eksguard/eksguard/internal/report"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

// TestClusterWithAWS audits one cluster end to end: its Kubernetes objects from the test API
// server and its AWS side from moto (reached through the environment, as a user's credentials
// would be), in one eksguard cluster run. The cross-source checks join the two: a role shared by
// a ServiceAccount's IRSA annotation and a Pod Identity association (EKS-IAM-016), and a Node
// whose instance belongs to no node group or Auto Scaling group (EKS-INF-005).
func TestClusterWithAWS(t *testing.T) {
	srv := awstest.Shared(t)
	acct := srv.DefaultAccount(t)
	for k, v := range srv.Environment() {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	cl, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "e2e-aws", Public: true, Private: true, Logging: []string{"audit"}, Nodegroups: 1, Version: "1.31"})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := acct.CreateRole(ctx, "e2e-shared", `{"Version":"2012-10-17","Statement":[]}`, "")
	if err != nil {
		t.Fatal(err)
	}
	acct.AddPodIdentityAssociation("e2e-aws", ekstypes.PodIdentityAssociation{Namespace: sdkaws.String("aws-billing"), ServiceAccount: sdkaws.String("worker"), RoleArn: &shared})
	apply(t, fmt.Sprintf(`
apiVersion: v1
kind: Namespace
metadata: {name: aws-shop}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: aws-shop
  annotations: {eks.amazonaws.com/role-arn: %q}
---
apiVersion: v1
kind: Node
metadata: {name: ip-10-0-9-9.ec2.internal}
spec: {providerID: "aws:///us-east-1a/%s"}
`, shared, cl.Instances[0]))

	r := eksguard(t, "cluster", "--kubeconfig", kubeconfig(t, ""), "--cluster-name", "e2e-aws", "-o", "json", "--fail-on", "none",
		"--checks", "EKS-IAM-001,EKS-IAM-016,EKS-INF-005,EKS-POD-001")
	if r.code != cli.ExitOK {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, r.stdout)
	}
	if rep.Target == nil || rep.Target.Account != awstest.DefaultAccountID || rep.Target.ClusterARN != cl.ARN {
		t.Errorf("target = %+v", rep.Target)
	}
	if len(rep.Inputs) != 2 || rep.Inputs[0] != "cluster envtest" || !strings.HasPrefix(rep.Inputs[1], "aws account "+awstest.DefaultAccountID) {
		t.Errorf("inputs = %v", rep.Inputs)
	}
	want := map[string]bool{
		"EKS-IAM-001 " + cl.ARN:                           false,
		"EKS-IAM-016 " + shared:                           false,
		"EKS-INF-005 k8s://Node/ip-10-0-9-9.ec2.internal": false,
	}
	for _, f := range rep.Findings {
		key := f.CheckID + " " + f.Resource
		if _, ok := want[key]; ok {
			want[key] = true
			if f.CheckID == "EKS-IAM-016" && !strings.Contains(f.Message, "IRSA aws-shop/web") || f.CheckID == "EKS-IAM-016" && !strings.Contains(f.Message, "Pod Identity aws-billing/worker") {
				t.Errorf("EKS-IAM-016 message does not name both users: %s", f.Message)
			}
		}
	}
	for key, found := range want {
		if !found {
			t.Errorf("no finding %s; findings: %+v", key, rep.Findings)
		}
	}
	for _, g := range rep.Gaps {
		if strings.HasPrefix(g.Kind, "aws:") {
			t.Errorf("unexpected AWS gap %+v", g)
		}
	}
}
