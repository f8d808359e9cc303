package aws

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
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
	if len(out) > 0 {
		c.metricFilters(ctx, name)
	}
}

// metricFilters reads the metric filters of a log group and the alarms on each metric they
// publish (each metric asked once).
func (c *collector) metricFilters(ctx context.Context, logGroup string) {
	var filters []inventory.MetricFilter
	p := cloudwatchlogs.NewDescribeMetricFiltersPaginator(c.clients.logs, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: &logGroup})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "logs:DescribeMetricFilters", logGroup, err)
			return
		}
		for _, f := range page.MetricFilters {
			filters = append(filters, inventory.MetricFilter{Filter: f})
		}
	}
	type metric struct{ namespace, name string }
	alarms := map[metric][]cwtypes.MetricAlarm{}
	for _, f := range filters {
		for _, t := range f.Filter.MetricTransformations {
			alarms[metric{str(t.MetricNamespace), str(t.MetricName)}] = nil
		}
	}
	// The goroutines write the map, so the loop ranges over a copy of its keys.
	metrics := make([]metric, 0, len(alarms))
	for m := range alarms {
		metrics = append(metrics, m)
	}
	var mu sync.Mutex
	var g group
	for _, m := range metrics {
		g.Go(func() {
			out, err := c.clients.cloudwatch.DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{Namespace: &m.namespace, MetricName: &m.name})
			if err != nil {
				c.fail(ctx, "cloudwatch:DescribeAlarmsForMetric", m.namespace+"/"+m.name, err)
				return
			}
			mu.Lock()
			alarms[m] = out.MetricAlarms
			mu.Unlock()
		})
	}
	g.Wait()
	for i, f := range filters {
		for _, t := range f.Filter.MetricTransformations {
			filters[i].Alarms = append(filters[i].Alarms, alarms[metric{str(t.MetricNamespace), str(t.MetricName)}]...)
		}
	}
	c.add(func(a *inventory.AWS) { a.MetricFilters = filters })
}
