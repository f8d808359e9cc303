package aws_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eksguard/eksguard/internal/inventory"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

// TestSecretAccessQueryBounded: a query that never completes is given up after
// Options.QueryTimeout, leaving a gap of logs:GetQueryResults instead of waiting on.
func TestSecretAccessQueryBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct, _, inv := fullAccount(t, ctx)
	acct.SetQueryResults(-1)
	opts := options(acct, "prod", nil)
	opts.QueryTimeout = 200 * time.Millisecond
	start := time.Now()
	if err := awssource.Collect(ctx, inv, opts); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("collection took %s", d)
	}
	if inv.AWS.SecretAccess != nil || len(inv.Gaps) != 1 || inv.Gaps[0].Kind != inventory.AWSKind("logs:GetQueryResults") ||
		!strings.Contains(inv.Gaps[0].Message, "did not complete within 200ms") {
		t.Errorf("secret access %+v, gaps %+v", inv.AWS.SecretAccess, inv.Gaps)
	}
}

// TestSecretAccessNeedsAuditLogs: without audit logging the query is not run.
func TestSecretAccessNeedsAuditLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := srv.NewAccount(t)
	if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "quiet", Logging: []string{"api"}, Version: "1.31"}); err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{}
	if err := awssource.Collect(ctx, inv, options(acct, "quiet", nil)); err != nil {
		t.Fatal(err)
	}
	if inv.AWS.SecretAccess != nil || len(acct.Queries()) != 0 {
		t.Errorf("query run without audit logs: %+v", acct.Queries())
	}
}
