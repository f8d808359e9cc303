package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// inspector reads the account's Amazon Inspector status and Inspector's coverage of
// CLUSTER_NODES (read after the instances, in the second phase).
func (c *collector) inspector(ctx context.Context) {
	out, err := c.clients.inspector.BatchGetAccountStatus(ctx, &inspector2.BatchGetAccountStatusInput{AccountIds: []string{c.out.Account}})
	if err != nil {
		c.fail(ctx, "inspector2:BatchGetAccountStatus", c.out.Account, err)
	} else if len(out.Accounts) > 0 {
		st := out.Accounts[0]
		c.add(func(a *inventory.AWS) { a.Inspector = &st })
	}
	c.mu.Lock()
	var ids []string
	for _, i := range c.out.Instances {
		ids = append(ids, str(i.InstanceId))
	}
	c.mu.Unlock()
	const perRequest = 10 // the most values a coverage filter takes
	for start := 0; start < len(ids); start += perRequest {
		var byID []inspectortypes.CoverageStringFilter
		for _, id := range ids[start:min(start+perRequest, len(ids))] {
			byID = append(byID, inspectortypes.CoverageStringFilter{Comparison: inspectortypes.CoverageStringComparisonEquals, Value: sdkaws.String(id)})
		}
		p := inspector2.NewListCoveragePaginator(c.clients.inspector, &inspector2.ListCoverageInput{FilterCriteria: &inspectortypes.CoverageFilterCriteria{
			ResourceType: []inspectortypes.CoverageStringFilter{{Comparison: inspectortypes.CoverageStringComparisonEquals, Value: sdkaws.String(string(inspectortypes.CoverageResourceTypeAwsEc2Instance))}},
			ResourceId:   byID,
		}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "inspector2:ListCoverage", ids[start], err)
				return
			}
			c.add(func(a *inventory.AWS) { a.InspectorCoverage = append(a.InspectorCoverage, page.CoveredResources...) })
		}
	}
}
