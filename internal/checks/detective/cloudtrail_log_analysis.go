package detective

import (
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// cloudTrailLogAnalysis: EKS-DET-010.
//
// Passes when a trail that satisfies EKS-DET-004 delivers to CloudWatch Logs
// (CloudWatchLogsLogGroupArn set), or when a CloudTrail Lake event data store of the region
// (cloudtrail:ListEventDataStores, then GetEventDataStore for each) has Status ENABLED and an
// advanced selector whose eventCategory field equals Management. Otherwise fails once per
// qualifying trail. Decisions: one trail or store that makes the management events queryable
// is enough (the catalogue's "for the trail(s)" does not say all); only the stores listed in
// the cluster's region count, so a multi-region store homed in another region is not seen;
// with no qualifying trail the check reports nothing, since EKS-DET-004 fails.
var cloudTrailLogAnalysis = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-010",
		Slug:        "cloudtrail-log-analysis",
		Title:       "CloudTrail should deliver to CloudWatch Logs for analysis",
		Section:     "detective",
		Severity:    check.Low,
		Source:      check.SourceAWSCloudTrail,
		Remediation: "Configure the trail's CloudWatch Logs group or a CloudTrail Lake event data store to query EKS API calls.",
		References:  check.References{Guide: "detective#analyze-logs-with-log-insights"},
	},
	Reads: append(slices.Clone(trailReads), inventory.AWSKind("cloudtrail:ListEventDataStores"), inventory.AWSKind("cloudtrail:GetEventDataStore")),
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
			if sdkaws.ToString(t.Trail.CloudWatchLogsLogGroupArn) != "" {
				return
			}
		}
		for _, s := range inv.AWS.EventDataStores {
			if s.Status == cttypes.EventDataStoreStatusEnabled && slices.ContainsFunc(s.AdvancedEventSelectors, selectsManagement) {
				return
			}
		}
		for _, t := range trails {
			r.FailResource(sdkaws.ToString(t.Trail.TrailARN), "CloudWatchLogsLogGroupArn", "trail "+sdkaws.ToString(t.Trail.Name)+" delivers to no CloudWatch Logs group and no enabled CloudTrail Lake event data store collects management events: EKS API calls can only be searched file by file in S3")
		}
	},
}

// selectsManagement reports whether an advanced selector's eventCategory equals Management.
func selectsManagement(s cttypes.AdvancedEventSelector) bool {
	return slices.ContainsFunc(s.FieldSelectors, func(f cttypes.AdvancedFieldSelector) bool {
		return sdkaws.ToString(f.Field) == "eventCategory" && slices.Contains(f.Equals, "Management")
	})
}

func init() { check.Register(cloudTrailLogAnalysis) }
