package aws

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/eksguard/eksguard/internal/inventory"
)

// trailBuckets reads the S3 buckets the trails deliver to, each once. ListBuckets (with the
// bucket's name as prefix) tells a bucket of this account from one of another account (an
// organisation's log-archive account); only this account's buckets are read further, in
// their own region: a member account can rarely read the log archive's configuration, and a
// denial there would say nothing about this account's scanner.
func (c *collector) trailBuckets(ctx context.Context, trails []inventory.Trail) {
	seen := map[string]bool{}
	var names []string
	for _, t := range trails {
		if n := str(t.Trail.S3BucketName); n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	buckets := make([]inventory.S3Bucket, len(names))
	var g group
	for i, name := range names {
		buckets[i].Name = name
		g.Go(func() { c.trailBucket(ctx, &buckets[i]) })
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.TrailBuckets = buckets })
}

// trailBucket reads one bucket: whether this account owns it, then its policy, public access
// block, ACL, versioning and Object Lock configuration.
func (c *collector) trailBucket(ctx context.Context, b *inventory.S3Bucket) {
	name := b.Name
	list, err := c.clients.s3.ListBuckets(ctx, &s3.ListBucketsInput{Prefix: &name})
	if err != nil {
		c.fail(ctx, "s3:ListAllMyBuckets", name, err)
		for _, action := range bucketActions {
			c.skipped(action, name, "whether the bucket is this account's could not be read (s3:ListAllMyBuckets)")
		}
		return
	}
	for _, lb := range list.Buckets {
		if str(lb.Name) == name {
			b.SameAccount, b.Region = true, str(lb.BucketRegion)
		}
	}
	if !b.SameAccount {
		c.debugf("trail bucket %s is not this account's: not read", name)
		return
	}
	region := func(o *s3.Options) {
		if b.Region != "" {
			o.Region = b.Region
		}
	}
	var g group
	g.Go(func() {
		out, err := c.clients.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &name}, region)
		switch {
		case err == nil:
			b.Policy = inventory.PolicyJSON(str(out.Policy))
		case !isCode(err, "NoSuchBucketPolicy"):
			c.fail(ctx, "s3:GetBucketPolicy", name, err)
		}
	})
	g.Go(func() {
		out, err := c.clients.s3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &name}, region)
		switch {
		case err == nil:
			b.PublicAccessBlock = out.PublicAccessBlockConfiguration
		case !isCode(err, "NoSuchPublicAccessBlockConfiguration"):
			c.fail(ctx, "s3:GetBucketPublicAccessBlock", name, err)
		}
	})
	g.Go(func() {
		out, err := c.clients.s3.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: &name}, region)
		if err != nil {
			c.fail(ctx, "s3:GetBucketAcl", name, err)
			return
		}
		b.Owner, b.Grants = out.Owner, out.Grants
	})
	g.Go(func() {
		out, err := c.clients.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &name}, region)
		if err != nil {
			c.fail(ctx, "s3:GetBucketVersioning", name, err)
			return
		}
		b.Versioning, b.MFADelete = out.Status, out.MFADelete
	})
	g.Go(func() {
		out, err := c.clients.s3.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: &name}, region)
		switch {
		case err == nil:
			b.ObjectLock = out.ObjectLockConfiguration
		case !isCode(err, "ObjectLockConfigurationNotFoundError"):
			c.fail(ctx, "s3:GetBucketObjectLockConfiguration", name, err)
		}
	})
	g.Wait()
}

// bucketActions are the calls trailBucket makes on a bucket of this account.
var bucketActions = []string{"s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketAcl",
	"s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"}
