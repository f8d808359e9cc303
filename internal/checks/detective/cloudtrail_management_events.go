package detective

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// cloudTrailManagementEvents: EKS-DET-004.
//
// cloudtrail:DescribeTrails (shadow trails included), GetTrailStatus and GetEventSelectors:
// passes when at least one trail of the cluster's region (the account's own or an
// organisation trail) is multi-region or homed in the region, is logging, and records all
// management events (see judgeTrail for the selector rules and the decision on organisation
// trails of another account). Otherwise fails: with no trail at all, once on the cluster; else
// once per trail, saying why it falls short and adding its latest S3 delivery error
// (GetTrailStatus .LatestDeliveryError) when there is one.
var cloudTrailManagementEvents = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DET-004",
		Slug:        "cloudtrail-management-events",
		Title:       "A multi-region CloudTrail trail must record management events",
		Section:     "detective",
		Severity:    check.High,
		Source:      check.SourceAWSCloudTrail,
		Remediation: "Create an organisation or multi-region trail logging all management events.",
		References:  check.References{Guide: "detective#audit-your-cloudtrail-logs"},
	},
	Reads: trailReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		r.Evaluated(1)
		if len(a.Trails) == 0 {
			r.FailResource(a.ClusterResource(), "", "no CloudTrail trail applies to "+a.Region+": EKS API calls (who changed the cluster, its access entries, its node groups) are recorded nowhere beyond the 90-day event history")
			return
		}
		if len(qualifyingTrails(a)) > 0 {
			return
		}
		for _, t := range a.Trails {
			msg := "trail " + sdkaws.ToString(t.Trail.Name) + " does not give the region a complete management-event record: " + joinReasons(judgeTrail(t, a.Region).reasons)
			if t.Status != nil && sdkaws.ToString(t.Status.LatestDeliveryError) != "" {
				msg += "; its latest delivery to S3 failed with " + *t.Status.LatestDeliveryError
			}
			r.FailResource(sdkaws.ToString(t.Trail.TrailARN), "", msg)
		}
	},
}

func init() { check.Register(cloudTrailManagementEvents) }
