package aws_test

import (
	"context"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/eksguard/eksguard/internal/inventory"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
)

// TestTrailBucketOfAnotherAccount: a trail delivering to another account's bucket (a
// log-archive account) keeps the bucket as not this account's, and none of the bucket's
// configuration is asked for.
func TestTrailBucketOfAnotherAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	archive := srv.NewAccount(t)
	bucket := "archive-" + archive.ID
	if _, err := archive.Clients().S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	acct, _, inv := fullAccount(t, ctx)
	if _, err := acct.Clients().CloudTrail.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: sdkaws.String("org"), S3BucketName: &bucket, IsMultiRegionTrail: sdkaws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	acct.ResetStats()
	rec := &calls{}
	if err := awssource.Collect(ctx, inv, options(acct, "prod", rec)); err != nil {
		t.Fatal(err)
	}
	for _, g := range inv.Gaps {
		t.Errorf("unexpected gap: %+v", g)
	}
	b := inv.AWS.TrailBucket(bucket)
	if b == nil || b.SameAccount || b.Owner != nil || b.PublicAccessBlock != nil {
		t.Errorf("archive bucket = %+v", b)
	}
	if own := inv.AWS.TrailBucket("main-" + acct.ID); own == nil || !own.SameAccount {
		t.Errorf("own bucket = %+v", own)
	}
	if n := rec.n["s3:ListAllMyBuckets"]; n != 2 {
		t.Errorf("s3:ListAllMyBuckets called %d times, want 2 (once per bucket)", n)
	}
	if n := rec.n["s3:GetBucketAcl"]; n != 1 {
		t.Errorf("s3:GetBucketAcl called %d times, want 1 (own bucket only)", n)
	}
}

// TestTrailBucketDenied: a denied ListBuckets leaves a gap for it and for every bucket call
// not made, so EKS-DET-008 is not evaluated instead of passing.
func TestTrailBucketDenied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct, _, inv := fullAccount(t, ctx)
	acct.Deny("s3:ListAllMyBuckets")
	if err := awssource.Collect(ctx, inv, options(acct, "prod", nil)); err != nil {
		t.Fatal(err)
	}
	got := map[string]inventory.Gap{}
	for _, g := range inv.Gaps {
		got[g.Kind] = g
	}
	if g := got[inventory.AWSKind("s3:ListAllMyBuckets")]; g.Reason != inventory.GapForbidden {
		t.Errorf("ListAllMyBuckets gap = %+v", g)
	}
	if _, ok := got[inventory.AWSKind("s3:GetBucketAcl")]; !ok || len(inv.Gaps) != 6 {
		t.Errorf("gaps = %+v", inv.Gaps)
	}
}
