package aws

import (
	"context"
	"sort"

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
	var lake group
	lake.Go(func() { c.eventDataStores(ctx) })
	defer lake.Wait()
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
	c.trailBuckets(ctx, trails)
}

// eventDataStores reads the region's CloudTrail Lake event data stores: the list gives only
// their ARNs and names, so each is read with GetEventDataStore. A store deleted meanwhile is
// left out.
func (c *collector) eventDataStores(ctx context.Context) {
	var arns []string
	p := cloudtrail.NewListEventDataStoresPaginator(c.clients.cloudtrail, &cloudtrail.ListEventDataStoresInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "cloudtrail:ListEventDataStores", c.out.Region, err)
			return
		}
		for _, s := range page.EventDataStores {
			arns = append(arns, str(s.EventDataStoreArn))
		}
	}
	sort.Strings(arns)
	stores := make([]*cloudtrail.GetEventDataStoreOutput, len(arns))
	var g group
	for i, arn := range arns {
		g.Go(func() {
			out, err := c.clients.cloudtrail.GetEventDataStore(ctx, &cloudtrail.GetEventDataStoreInput{EventDataStore: &arn})
			switch {
			case err == nil:
				stores[i] = out
			case isCode(err, "EventDataStoreNotFoundException"):
				c.debugf("event data store %s: %v", arn, err)
			default:
				c.fail(ctx, "cloudtrail:GetEventDataStore", arn, err)
			}
		})
	}
	g.Wait()
	var out []cloudtrail.GetEventDataStoreOutput
	for _, s := range stores {
		if s != nil {
			out = append(out, *s)
		}
	}
	c.add(func(a *inventory.AWS) { a.EventDataStores = out })
}
