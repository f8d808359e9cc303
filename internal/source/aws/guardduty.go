package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// detectors reads the region's GuardDuty detectors with their features, their administrator
// account and their Runtime Monitoring coverage of the cluster.
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
			adm, err := c.clients.guardduty.GetAdministratorAccount(ctx, &guardduty.GetAdministratorAccountInput{DetectorId: &id})
			if err != nil {
				c.fail(ctx, "guardduty:GetAdministratorAccount", id, err)
			} else {
				out[i].Administrator = adm.Administrator
			}
			if c.opts.ClusterName == "" {
				return
			}
			cov := guardduty.NewListCoveragePaginator(c.clients.guardduty, &guardduty.ListCoverageInput{DetectorId: &id,
				FilterCriteria: &gdtypes.CoverageFilterCriteria{FilterCriterion: []gdtypes.CoverageFilterCriterion{{
					CriterionKey:    gdtypes.CoverageFilterCriterionKeyEksClusterName,
					FilterCondition: &gdtypes.CoverageFilterCondition{Equals: []string{c.opts.ClusterName}},
				}}}})
			for cov.HasMorePages() {
				page, err := cov.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "guardduty:ListCoverage", id, err)
					return
				}
				out[i].Coverage = append(out[i].Coverage, page.Resources...)
			}
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.Detectors = out })
}
