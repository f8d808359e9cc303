package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// logGroups reads the cluster's control-plane log group (/aws/eks/<cluster>/cluster). The
// name is the prefix, so groups of a cluster whose name extends this one's are dropped.
func (c *collector) logGroups(ctx context.Context) {
	name := inventory.ControlPlaneLogGroup(c.opts.ClusterName)
	var out []cwltypes.LogGroup
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(c.clients.logs, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &name})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "logs:DescribeLogGroups", name, err)
			return
		}
		for _, g := range page.LogGroups {
			if str(g.LogGroupName) == name {
				out = append(out, g)
			}
		}
	}
	c.add(func(a *inventory.AWS) { a.LogGroups = out })
}
