package detective

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// cloudTrailLogValidation: EKS-DET-005.
//
// For each trail that satisfies EKS-DET-004: fails when LogFileValidationEnabled is not true
// (absent counts as false). Decision: with no such trail the check has nothing to evaluate and
// reports nothing; EKS-DET-004 reports the missing trail.
var cloudTrailLogValidation = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-005",
		Slug:        "cloudtrail-log-validation",
		Title:       "CloudTrail log file validation must be enabled",
		Section:     "detective",
		Severity:    check.Low,
		Source:      check.SourceAWSCloudTrail,
		Remediation: "aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
		References:  check.References{Guide: "detective#audit-your-cloudtrail-logs"},
	},
	Reads: trailReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		for _, t := range qualifyingTrails(inv.AWS) {
			r.Evaluated(1)
			if !sdkaws.ToBool(t.Trail.LogFileValidationEnabled) {
				r.FailResource(sdkaws.ToString(t.Trail.TrailARN), "LogFileValidationEnabled", "trail "+sdkaws.ToString(t.Trail.Name)+" writes no digest files, so deleted or altered log files cannot be detected")
			}
		}
	},
}

func init() { check.Register(cloudTrailLogValidation) }
