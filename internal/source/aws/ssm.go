package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// managedInstances reads which CLUSTER_NODES are registered with Systems Manager (read after
// the instances, in the second phase).
func (c *collector) managedInstances(ctx context.Context) {
	c.mu.Lock()
	var ids []string
	for _, i := range c.out.Instances {
		ids = append(ids, str(i.InstanceId))
	}
	c.mu.Unlock()
	const perRequest = 50 // the most values an InstanceIds filter takes
	var out []ssmtypes.InstanceInformation
	for start := 0; start < len(ids); start += perRequest {
		p := ssm.NewDescribeInstanceInformationPaginator(c.clients.ssm, &ssm.DescribeInstanceInformationInput{Filters: []ssmtypes.InstanceInformationStringFilter{
			{Key: sdkaws.String("InstanceIds"), Values: ids[start:min(start+perRequest, len(ids))]}}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "ssm:DescribeInstanceInformation", ids[start], err)
				return
			}
			out = append(out, page.InstanceInformationList...)
		}
	}
	c.add(func(a *inventory.AWS) { a.ManagedInstances = out })
}
