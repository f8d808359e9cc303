package network

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// networkPolicyEventLogs: EKS-NET-016.
//
// When the VPC CNI enforces NetworkPolicies (EKS-NET-005 cases a, b, d), fails unless the
// network policy agent writes policy event logs: the vpc-cni add-on's nodeAgent.
// enablePolicyEventLogs "true", or the aws-network-policy-agent container's
// --enable-policy-event-logs=true. Not applicable for other enforcers. Decision: shipping the
// logs to CloudWatch (nodeAgent.enableCloudWatchLogs) is named in the finding, not required:
// the event logs on the node already show accepted and denied flows.
var networkPolicyEventLogs = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-NET-016",
		Slug:        "network-policy-event-logs",
		Title:       "Network policy event logging should be enabled",
		Section:     "network",
		Severity:    check.Low,
		Source:      check.SourceAWSEKS,
		Remediation: "Set nodeAgent.enablePolicyEventLogs and nodeAgent.enableCloudWatchLogs to true in the vpc-cni add-on configuration.",
		References:  check.References{Guide: "network#monitoring-network-policy-enforcement"},
	},
	Reads: awsNetpolReads,
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil || inv.AWS.Cluster == nil {
			return
		}
		e := findEnforcer(inv)
		if e == nil || !e.VPCCNI {
			return
		}
		r.Evaluated(1)
		if e.EventLogs {
			return
		}
		msg := "the VPC CNI enforces NetworkPolicies (" + e.How + ") but writes no policy event logs (nodeAgent.enablePolicyEventLogs)"
		if !e.CloudWatch {
			msg += ", and none reach CloudWatch Logs (nodeAgent.enableCloudWatchLogs)"
		}
		r.FailResource(inv.AWS.ClusterResource(), "", msg)
	},
}

func init() { check.Register(networkPolicyEventLogs) }
