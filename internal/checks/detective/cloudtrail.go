package detective

import (
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the CloudTrail checks (EKS-DET-004, 005, 006, 009, 010).

// AWS calls the CloudTrail checks read.
var (
	readDescribeTrails    = inventory.AWSKind("cloudtrail:DescribeTrails")
	readGetTrailStatus    = inventory.AWSKind("cloudtrail:GetTrailStatus")
	readGetEventSelectors = inventory.AWSKind("cloudtrail:GetEventSelectors")
	trailReads            = []string{readDescribeTrails, readGetTrailStatus, readGetEventSelectors}
)

// trailVerdict says whether a trail satisfies EKS-DET-004 and, when it does not, why.
type trailVerdict struct {
	ok      bool
	reasons []string
}

// judgeTrail applies EKS-DET-004 to one trail of the region (region is the cluster's).
//
// A trail qualifies when it is multi-region or homed in the region, is logging
// (GetTrailStatus .IsLogging) and records all management events: a basic event selector with
// IncludeManagementEvents true (absent means true) and ReadWriteType All (absent means All),
// or an advanced selector whose eventCategory field equals Management, with no readOnly field
// and no eventSource field that leaves out eks.amazonaws.com.
//
// Decision: an organisation trail whose status and selectors this account cannot read (the
// collector keeps it without them: GetTrailStatus/GetEventSelectors answer TrailNotFound for
// another account's trail) qualifies on its DescribeTrails fields alone, since a member
// account cannot see more and the organisation's management account owns its logging. A
// trail of this account whose status or selectors could not be read does not qualify.
func judgeTrail(t inventory.Trail, region string) trailVerdict {
	var v trailVerdict
	tr := t.Trail
	if !sdkaws.ToBool(tr.IsMultiRegionTrail) && sdkaws.ToString(tr.HomeRegion) != region {
		v.reasons = append(v.reasons, "it is neither multi-region nor homed in "+region)
	}
	foreignOrg := sdkaws.ToBool(tr.IsOrganizationTrail) && t.Status == nil && len(t.EventSelectors) == 0 && len(t.AdvancedEventSelectors) == 0
	switch {
	case foreignOrg:
	case t.Status == nil:
		v.reasons = append(v.reasons, "its logging status could not be read")
	case !sdkaws.ToBool(t.Status.IsLogging):
		v.reasons = append(v.reasons, "logging is stopped")
	}
	if !foreignOrg && !recordsAllManagementEvents(t) {
		v.reasons = append(v.reasons, "it does not record all (read and write) management events")
	}
	v.ok = len(v.reasons) == 0
	return v
}

// recordsAllManagementEvents reports whether a trail's event selectors record every
// management event of EKS.
func recordsAllManagementEvents(t inventory.Trail) bool {
	for _, s := range t.EventSelectors {
		if (s.IncludeManagementEvents == nil || *s.IncludeManagementEvents) &&
			(s.ReadWriteType == "" || s.ReadWriteType == cttypes.ReadWriteTypeAll) {
			return true
		}
	}
	for _, s := range t.AdvancedEventSelectors {
		if advancedAllManagement(s) {
			return true
		}
	}
	return false
}

// advancedAllManagement: eventCategory equals Management, no readOnly filter, and any
// eventSource filter keeps eks.amazonaws.com.
func advancedAllManagement(s cttypes.AdvancedEventSelector) bool {
	management := false
	for _, f := range s.FieldSelectors {
		switch sdkaws.ToString(f.Field) {
		case "eventCategory":
			management = slices.Contains(f.Equals, "Management")
		case "readOnly":
			return false
		case "eventSource":
			const eks = "eks.amazonaws.com"
			if (len(f.Equals) > 0 && !slices.Contains(f.Equals, eks)) || slices.Contains(f.NotEquals, eks) ||
				len(f.StartsWith)+len(f.EndsWith)+len(f.NotStartsWith)+len(f.NotEndsWith) > 0 {
				return false
			}
		}
	}
	return management
}

// qualifyingTrails are the trails that satisfy EKS-DET-004, which EKS-DET-005, 006 and 009
// judge further.
func qualifyingTrails(a *inventory.AWS) []inventory.Trail {
	var out []inventory.Trail
	for _, t := range a.Trails {
		if judgeTrail(t, a.Region).ok {
			out = append(out, t)
		}
	}
	return out
}

// joinReasons joins reasons as "a, b and c".
func joinReasons(r []string) string {
	if len(r) <= 1 {
		return strings.Join(r, "")
	}
	return strings.Join(r[:len(r)-1], ", ") + " and " + r[len(r)-1]
}
