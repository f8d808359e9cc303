package aws

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/eksguard/eksguard/internal/inventory"
)

// asgNameTag is the tag Auto Scaling puts on the instances it launches.
const asgNameTag = "aws:autoscaling:groupName"

// autoScalingGroups reads the Auto Scaling groups of CLUSTER_NODES (the instances'
// aws:autoscaling:groupName tag, the managed node groups' resources.autoScalingGroups) and
// the lifecycle hooks of each (second phase: after the instances and node groups).
func (c *collector) autoScalingGroups(ctx context.Context) {
	names := map[string]bool{}
	c.mu.Lock()
	for _, i := range c.out.Instances {
		for _, t := range i.Tags {
			if str(t.Key) == asgNameTag && str(t.Value) != "" {
				names[str(t.Value)] = true
			}
		}
	}
	for _, ng := range c.out.Nodegroups {
		if ng.Resources != nil {
			for _, g := range ng.Resources.AutoScalingGroups {
				if str(g.Name) != "" {
					names[str(g.Name)] = true
				}
			}
		}
	}
	c.mu.Unlock()
	list := sortedKeys(names)
	if len(list) == 0 {
		return
	}
	var groups []inventory.AutoScalingGroup
	const perRequest = 50 // the most names DescribeAutoScalingGroups takes
	for start := 0; start < len(list); start += perRequest {
		p := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.clients.autoscaling, &autoscaling.DescribeAutoScalingGroupsInput{
			AutoScalingGroupNames: list[start:min(start+perRequest, len(list))]})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "autoscaling:DescribeAutoScalingGroups", list[start], err)
				c.skipped("autoscaling:DescribeLifecycleHooks", list[start], "autoscaling:DescribeAutoScalingGroups failed")
				return
			}
			for _, g := range page.AutoScalingGroups {
				groups = append(groups, inventory.AutoScalingGroup{Group: g})
			}
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		return str(groups[i].Group.AutoScalingGroupName) < str(groups[j].Group.AutoScalingGroupName)
	})
	var g group
	for i := range groups {
		g.Go(func() {
			name := groups[i].Group.AutoScalingGroupName
			out, err := c.clients.autoscaling.DescribeLifecycleHooks(ctx, &autoscaling.DescribeLifecycleHooksInput{AutoScalingGroupName: name})
			if err != nil {
				c.fail(ctx, "autoscaling:DescribeLifecycleHooks", str(name), err)
				return
			}
			groups[i].LifecycleHooks = out.LifecycleHooks
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.AutoScalingGroups = groups })
}
