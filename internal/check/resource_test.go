package check

import (
	"context"
	"testing"

	"github.com/eksguard/eksguard/internal/inventory"
)

type exceptByKind string

func (k exceptByKind) Except(obj *inventory.Object, _ *Finding) *ExceptionRef {
	if obj.Kind == string(k) {
		return &ExceptionRef{Source: "test", Type: ExceptionFile}
	}
	return nil
}

// TestFailResource: findings on AWS resources name the ARN and can be excepted by kind/name.
func TestFailResource(t *testing.T) {
	const arn = "arn:aws:eks:us-east-1:123456789012:cluster/prod"
	c := &Check{Meta: Meta{ID: "EKS-TEST-001", Title: "t", Severity: High}, Reads: []string{inventory.AWSKind("eks:DescribeCluster")},
		Inventory: func(inv *inventory.Inventory, r *Reporter) {
			r.Evaluated(1)
			r.FailResource(arn, "ResourcesVpcConfig.EndpointPublicAccess", "public")
		}}
	out, err := Evaluate(context.Background(), &inventory.Inventory{}, []*Check{c}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Findings) != 1 {
		t.Fatalf("findings = %+v", out.Findings)
	}
	f := out.Findings[0]
	if f.Resource != arn || f.Object.Kind != "eks:cluster" || f.Object.Name != "prod" || f.Severity != High || out.Results[0].Failed != 1 {
		t.Errorf("finding = %+v, result %+v", f, out.Results[0])
	}
	out, _ = Evaluate(context.Background(), &inventory.Inventory{}, []*Check{c}, Config{Exceptions: exceptByKind("eks:cluster")})
	if out.Findings[0].Status != StatusExcepted {
		t.Errorf("status = %s, want excepted", out.Findings[0].Status)
	}
	// A denied DescribeCluster voids the check.
	inv := &inventory.Inventory{}
	inv.ReportGap(inventory.Gap{Kind: inventory.AWSKind("eks:DescribeCluster"), Reason: inventory.GapForbidden})
	out, _ = Evaluate(context.Background(), inv, []*Check{c}, Config{})
	if !out.Results[0].Gap || len(out.Findings) != 0 || len(inv.Gaps[0].Checks) != 1 {
		t.Errorf("gap not applied: %+v %+v", out.Results[0], inv.Gaps)
	}
}
