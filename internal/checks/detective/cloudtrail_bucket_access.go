package detective

import (
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// sourceScopingKeys are the condition keys that keep an "anyone" principal of a bucket policy
// to known sources or principals.
var sourceScopingKeys = []string{"aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc",
	"aws:SourceVpce", "aws:SourceIp", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn"}

// publicGroups are the ACL grantee groups that make a bucket public.
var publicGroups = []string{"http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}

// cloudTrailBucketAccess: EKS-DET-008.
//
// For the S3 bucket of each trail that satisfies EKS-DET-004 (each bucket once, on its ARN
// arn:aws:s3:::<name>):
//   - fails (high) when the bucket is public: an Allow statement of its policy whose
//     Principal is "*" or {"AWS": "*"} without a condition on a source or principal key
//     (aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, aws:SourceVpc(e), aws:SourceIp,
//     aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, ...); an ACL grant to the
//     AllUsers or AuthenticatedUsers group; or a bucket public access block that is absent or
//     has one of its four settings off;
//   - fails (low) when the bucket is in the scanned account rather than a dedicated
//     log-archive account, and when it has neither Object Lock enabled nor versioning with
//     MFA delete (both named in one finding).
//
// Decisions: "same account" is s3:ListAllMyBuckets (ListBuckets) of the scanned account
// listing the bucket: the S3 ACL owner is a canonical user ID, not an account ID. A bucket
// of another account passes: it is the log archive the catalogue asks for, and its policy
// and settings are that account's to audit (a member account usually may not read them, so
// the collector does not ask). The account-level public access block (s3control) is not
// read: only the bucket's own block counts, so a bucket relying on the account's block fails
// high; the finding says so. With no qualifying trail the check reports nothing (EKS-DET-004
// reports it).
var cloudTrailBucketAccess = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-008",
		Slug:        "cloudtrail-bucket-access",
		Title:       "Access to CloudTrail logs must be restricted",
		Section:     "detective",
		Severity:    check.Medium,
		Source:      check.SourceAWSCloudTrail,
		Remediation: "Send trails to a log-archive account bucket with Block Public Access, least-privilege bucket policy and Object Lock.",
		References:  check.References{Guide: "detective#audit-your-cloudtrail-logs"},
	},
	Reads: append(slices.Clone(trailReads), inventory.AWSKind("s3:ListAllMyBuckets"), inventory.AWSKind("s3:GetBucketPolicy"),
		inventory.AWSKind("s3:GetBucketPublicAccessBlock"), inventory.AWSKind("s3:GetBucketAcl"),
		inventory.AWSKind("s3:GetBucketVersioning"), inventory.AWSKind("s3:GetBucketObjectLockConfiguration")),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		seen := map[string]bool{}
		for _, t := range qualifyingTrails(a) {
			name := sdkaws.ToString(t.Trail.S3BucketName)
			b := a.TrailBucket(name)
			if name == "" || seen[name] || b == nil {
				continue
			}
			seen[name] = true
			r.Evaluated(1)
			if !b.SameAccount {
				continue
			}
			trail := "bucket " + name + " of trail " + sdkaws.ToString(t.Trail.Name)
			arn := b.ARN(a.Partition)
			if public := bucketPublic(b); len(public) > 0 {
				r.FailResourceWith(arn, "", check.High, trail+" may be public: "+joinReasons(public))
			}
			low := []string{"it is in the cluster's account " + a.Account + ", not a dedicated log-archive account, so this account's administrators can alter or delete the logs"}
			lockEnabled := b.ObjectLock != nil && b.ObjectLock.ObjectLockEnabled == s3types.ObjectLockEnabledEnabled
			mfaDelete := b.Versioning == s3types.BucketVersioningStatusEnabled && b.MFADelete == s3types.MFADeleteStatusEnabled
			if !lockEnabled && !mfaDelete {
				low = append(low, "it has neither Object Lock nor versioning with MFA delete, so log files can be deleted")
			}
			r.FailResourceWith(arn, "", check.Low, trail+": "+joinReasons(low))
		}
	},
}

// bucketPublic says why a bucket may be public, or nothing.
func bucketPublic(b *inventory.S3Bucket) []string {
	var out []string
	if doc, err := awspolicy.Parse(b.Policy); err == nil {
		for _, st := range doc.Statement {
			if st.Allows() && st.Principal.IsAnyone() && !slices.ContainsFunc(sourceScopingKeys, st.HasConditionKey) {
				what := "its policy allows " + strings.Join(st.Action, ", ") + " to any principal"
				if st.Sid != "" {
					what += " (statement " + st.Sid + ")"
				}
				out = append(out, what+" with no source condition")
			}
		}
	} else if len(b.Policy) > 0 {
		out = append(out, "its policy could not be read ("+err.Error()+")")
	}
	for _, g := range b.Grants {
		if g.Grantee != nil && slices.Contains(publicGroups, sdkaws.ToString(g.Grantee.URI)) {
			group := sdkaws.ToString(g.Grantee.URI)
			out = append(out, "its ACL grants "+string(g.Permission)+" to "+group[strings.LastIndex(group, "/")+1:])
		}
	}
	pab := b.PublicAccessBlock
	switch {
	case pab == nil:
		out = append(out, "it has no public access block of its own (an account-level block is not read)")
	default:
		var off []string
		for _, s := range []struct {
			name string
			on   *bool
		}{{"BlockPublicAcls", pab.BlockPublicAcls}, {"IgnorePublicAcls", pab.IgnorePublicAcls},
			{"BlockPublicPolicy", pab.BlockPublicPolicy}, {"RestrictPublicBuckets", pab.RestrictPublicBuckets}} {
			if !sdkaws.ToBool(s.on) {
				off = append(off, s.name)
			}
		}
		if len(off) > 0 {
			out = append(out, "its public access block leaves "+strings.Join(off, ", ")+" off")
		}
	}
	return out
}

func init() { check.Register(cloudTrailBucketAccess) }
