package aws

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// notSubscribed are the errors DescribeHub answers in a region where the account has not
// enabled Security Hub: no hub, no gap.
var notSubscribed = []string{"InvalidAccessException", "ResourceNotFoundException"}

// securityHub reads the region's Security Hub and, when enabled, its enabled standards.
func (c *collector) securityHub(ctx context.Context) {
	hub, err := c.clients.securityhub.DescribeHub(ctx, &securityhub.DescribeHubInput{})
	switch {
	case isCode(err, notSubscribed...):
		c.debugf("Security Hub: %v", err)
		return
	case err != nil:
		c.fail(ctx, "securityhub:DescribeHub", c.out.Region, err)
		c.skipped("securityhub:GetEnabledStandards", c.out.Region, "whether Security Hub is enabled could not be read (securityhub:DescribeHub)")
		return
	}
	out := &inventory.SecurityHub{HubArn: str(hub.HubArn), SubscribedAt: str(hub.SubscribedAt)}
	var standards []shtypes.StandardsSubscription
	p := securityhub.NewGetEnabledStandardsPaginator(c.clients.securityhub, &securityhub.GetEnabledStandardsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, "securityhub:GetEnabledStandards", out.HubArn, err)
			break
		}
		standards = append(standards, page.StandardsSubscriptions...)
	}
	sort.Slice(standards, func(i, j int) bool { return str(standards[i].StandardsArn) < str(standards[j].StandardsArn) })
	out.Standards = standards
	c.add(func(a *inventory.AWS) { a.SecurityHub = out })
}

// configRecorders reads the region's AWS Config recorders and their status. The status
// output lacks the recording group, so both calls are made.
func (c *collector) configRecorders(ctx context.Context) {
	var recorders *configservice.DescribeConfigurationRecordersOutput
	var status *configservice.DescribeConfigurationRecorderStatusOutput
	var g group
	g.Go(func() {
		out, err := c.clients.config.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
		if err != nil {
			c.fail(ctx, "config:DescribeConfigurationRecorders", c.out.Region, err)
			return
		}
		recorders = out
	})
	g.Go(func() {
		out, err := c.clients.config.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
		if err != nil {
			c.fail(ctx, "config:DescribeConfigurationRecorderStatus", c.out.Region, err)
			return
		}
		status = out
	})
	g.Wait()
	if recorders == nil {
		return
	}
	byName := map[string]*cfgtypes.ConfigurationRecorderStatus{}
	if status != nil {
		for i := range status.ConfigurationRecordersStatus {
			byName[str(status.ConfigurationRecordersStatus[i].Name)] = &status.ConfigurationRecordersStatus[i]
		}
	}
	out := make([]inventory.ConfigRecorder, 0, len(recorders.ConfigurationRecorders))
	for _, r := range recorders.ConfigurationRecorders {
		out = append(out, inventory.ConfigRecorder{Recorder: r, Status: byName[str(r.Name)]})
	}
	sort.Slice(out, func(i, j int) bool { return str(out[i].Recorder.Name) < str(out[j].Recorder.Name) })
	c.add(func(a *inventory.AWS) { a.ConfigRecorders = out })
}
