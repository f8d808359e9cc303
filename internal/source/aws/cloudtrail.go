package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/eksguard/eksguard/internal/inventory"
)

// trailGone are the errors of a trail that cannot be read from here (an organisation trail
// of another account, a trail deleted meanwhile): it is kept without status, with no gap.
var trailGone = []string{"TrailNotFoundException", "InvalidTrailNameException", "CloudTrailARNInvalidException"}

// trails reads the trails that apply to the region (shadow trails of multi-region and
// organisation trails included) with their status and event selectors.
func (c *collector) trails(ctx context.Context) {
	out, err := c.clients.cloudtrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: sdkaws.Bool(true)})
	if err != nil {
		c.fail(ctx, "cloudtrail:DescribeTrails", c.out.Region, err)
		return
	}
	trails := make([]inventory.Trail, len(out.TrailList))
	var g group
	for i, t := range out.TrailList {
		trails[i].Trail = t
		arn := t.TrailARN
		g.Go(func() {
			st, err := c.clients.cloudtrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: arn})
			switch {
			case err == nil:
				trails[i].Status = st
			case isCode(err, trailGone...):
				c.debugf("trail %s: %v", str(arn), err)
			default:
				c.fail(ctx, "cloudtrail:GetTrailStatus", str(arn), err)
			}
		})
		g.Go(func() {
			sel, err := c.clients.cloudtrail.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: arn})
			switch {
			case err == nil:
				trails[i].EventSelectors, trails[i].AdvancedEventSelectors = sel.EventSelectors, sel.AdvancedEventSelectors
			case isCode(err, trailGone...):
				c.debugf("trail %s: %v", str(arn), err)
			default:
				c.fail(ctx, "cloudtrail:GetEventSelectors", str(arn), err)
			}
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.Trails = trails })
}
