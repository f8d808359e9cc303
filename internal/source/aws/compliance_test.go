package aws_test

import (
	"context"
	"testing"

	"github.com/eksguard/eksguard/internal/inventory"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

// TestSecurityHubNotEnabled: an account that never enabled Security Hub or AWS Config has no
// hub and no recorders, and no gap (DescribeHub's InvalidAccessException means "not
// subscribed"); a denied DescribeHub is a gap, and GetEnabledStandards a skipped one.
func TestSecurityHubNotEnabled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, denied := range []bool{false, true} {
		acct := srv.NewAccount(t)
		if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "bare", Version: "1.31"}); err != nil {
			t.Fatal(err)
		}
		if denied {
			acct.Deny("securityhub:DescribeHub")
		}
		inv := &inventory.Inventory{}
		rec := &calls{}
		if err := awssource.Collect(ctx, inv, options(acct, "bare", rec)); err != nil {
			t.Fatal(err)
		}
		if inv.AWS.SecurityHub != nil || len(inv.AWS.ConfigRecorders) != 0 {
			t.Errorf("denied=%v: hub %+v, recorders %+v", denied, inv.AWS.SecurityHub, inv.AWS.ConfigRecorders)
		}
		gaps := map[string]inventory.Gap{}
		for _, g := range inv.Gaps {
			gaps[g.Kind] = g
		}
		_, hubGap := gaps[inventory.AWSKind("securityhub:DescribeHub")]
		_, stdGap := gaps[inventory.AWSKind("securityhub:GetEnabledStandards")]
		if hubGap != denied || stdGap != denied {
			t.Errorf("denied=%v: gaps %+v", denied, inv.Gaps)
		}
		if rec.n["securityhub:GetEnabledStandards"] != 0 {
			t.Errorf("denied=%v: GetEnabledStandards called without a hub", denied)
		}
	}
}
