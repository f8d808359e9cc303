package detective

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// cloudTrailKMS: EKS-DET-006.
//
// For each trail that satisfies EKS-DET-004: fails when KmsKeyId is empty (the logs are then
// encrypted only with S3-managed keys). CloudTrail accepts only customer-managed keys, so any
// KmsKeyId passes; whether the key exists or is enabled is not checked. Decision: with no
// such trail the check reports nothing; EKS-DET-004 reports the missing trail.
var cloudTrailKMS = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-006",
		Slug:        "cloudtrail-kms",
		Title:       "CloudTrail logs must be encrypted with a customer-managed KMS key",
		Section:     "detective",
		Severity:    check.Low,
		Source:      check.SourceAWSCloudTrail,
		Remediation: "aws cloudtrail update-trail --name <trail> --kms-key-id <cmk>",
		References:  check.References{Guide: "detective#audit-your-cloudtrail-logs"},
	},
	Reads: trailReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		for _, t := range qualifyingTrails(inv.AWS) {
			r.Evaluated(1)
			if sdkaws.ToString(t.Trail.KmsKeyId) == "" {
				r.FailResource(sdkaws.ToString(t.Trail.TrailARN), "KmsKeyId", "trail "+sdkaws.ToString(t.Trail.Name)+" is not encrypted with a customer-managed KMS key: anyone who can read its S3 bucket can read the logs, with no key policy to restrict or audit decryption")
			}
		}
	},
}

func init() { check.Register(cloudTrailKMS) }
