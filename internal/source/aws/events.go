package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/eksguard/eksguard/internal/inventory"
)

// guardDutyRules reads the rules of the default event bus whose event pattern mentions the
// source aws.guardduty, with their targets. Other rules are not kept; a rule deleted
// meanwhile is kept without targets.
func (c *collector) guardDutyRules(ctx context.Context) {
	var rules []inventory.EventRule
	in := &eventbridge.ListRulesInput{}
	for {
		page, err := c.clients.events.ListRules(ctx, in)
		if err != nil {
			c.fail(ctx, "events:ListRules", c.out.Region, err)
			return
		}
		for _, r := range page.Rules {
			if strings.Contains(str(r.EventPattern), "aws.guardduty") {
				rules = append(rules, inventory.EventRule{Rule: r})
			}
		}
		if str(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	var g group
	for i := range rules {
		g.Go(func() {
			tin := &eventbridge.ListTargetsByRuleInput{Rule: rules[i].Rule.Name}
			for {
				page, err := c.clients.events.ListTargetsByRule(ctx, tin)
				switch {
				case isCode(err, "ResourceNotFoundException"):
					c.debugf("rule %s: %v", str(rules[i].Rule.Name), err)
					return
				case err != nil:
					c.fail(ctx, "events:ListTargetsByRule", str(rules[i].Rule.Arn), err)
					return
				}
				rules[i].Targets = append(rules[i].Targets, page.Targets...)
				if str(page.NextToken) == "" {
					return
				}
				tin.NextToken = page.NextToken
			}
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) { a.GuardDutyRules = rules })
}
