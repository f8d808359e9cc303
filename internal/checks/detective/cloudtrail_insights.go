package detective

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// cloudTrailInsights: EKS-DET-009.
//
// Fails when no trail that satisfies EKS-DET-004 has Insights configured; the finding names
// each such trail. Decision: the catalogue reads cloudtrail:GetInsightSelectors; the check
// reads DescribeTrails .HasInsightSelectors instead, which is true exactly when the trail
// has at least one insight selector (ApiCallRateInsight or ApiErrorRateInsight; putting an
// empty list removes them and clears it), so no further call is needed. With no qualifying
// trail the check reports nothing; EKS-DET-004 reports the missing trail.
var cloudTrailInsights = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-009",
		Slug:        "cloudtrail-insights",
		Title:       "CloudTrail Insights should be enabled",
		Section:     "detective",
		Severity:    check.Low,
		Source:      check.SourceAWSCloudTrail,
		Remediation: `aws cloudtrail put-insight-selectors --trail-name <trail> --insight-selectors '[{"InsightType":"ApiCallRateInsight"},{"InsightType":"ApiErrorRateInsight"}]'`,
		References:  check.References{Guide: "detective#use-cloudtrail-insights-to-unearth-suspicious-activity"},
	},
	Reads: trailReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		trails := qualifyingTrails(inv.AWS)
		if len(trails) == 0 {
			return
		}
		r.Evaluated(1)
		for _, t := range trails {
			if sdkaws.ToBool(t.Trail.HasInsightSelectors) {
				return
			}
		}
		for _, t := range trails {
			r.FailResource(sdkaws.ToString(t.Trail.TrailARN), "HasInsightSelectors", "trail "+sdkaws.ToString(t.Trail.Name)+" has no Insights selector, and no other qualifying trail has one: unusual bursts of API calls or errors (credential abuse, enumeration) raise no Insights event")
		}
	},
}

func init() { check.Register(cloudTrailInsights) }
