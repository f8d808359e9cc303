package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/guardduty"

	"github.com/eksguard/eksguard/internal/inventory"
)

// detectors reads the region's GuardDuty detectors with their features.
func (c *collector) detectors(ctx context.Context) {
	var ids []string
	p := guardduty.NewListDetectorsPaginator(c.clients.guardduty, &guardduty.ListDetectorsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "guardduty:ListDetectors", c.out.Region, err)
			return
		}
		ids = append(ids, page.DetectorIds...)
	}
	out := make([]inventory.Detector, len(ids))
	var g group
	for i, id := range ids {
		out[i].ID = id
		g.Go(func() {
			d, err := c.clients.guardduty.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: &id})
			if err != nil {
				c.fail(ctx, "guardduty:GetDetector", id, err)
				return
			}
			out[i].Detector = d
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.Detectors = out })
}
