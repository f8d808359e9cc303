package network

import (
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// vpcFlowLogs: EKS-NET-009.
//
// eks:DescribeCluster .resourcesVpcConfig.vpcId, ec2:DescribeFlowLogs filtered by the VPC and
// the cluster subnets (.subnetIds): passes when the VPC has an ACTIVE flow log with
// TrafficType ALL or REJECT, or every cluster subnet has one. Otherwise fails on the VPC:
// low when the only active flow logs capture ACCEPT traffic, medium when there is none.
//
// Decisions: FlowLogStatus is compared case-insensitively; a flow log whose delivery failed
// (DeliverLogsStatus FAILED) still counts as existing, since the catalogue asks only for
// status ACTIVE. Subnet-level coverage needs an ALL or REJECT log on every subnet of
// .subnetIds. Manifest mode: not applicable.
var vpcFlowLogs = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-NET-009",
		Slug:     "vpc-flow-logs",
		Title:    "VPC Flow Logs must be enabled for the cluster VPC",
		Section:  "network",
		Severity: check.Medium,
		Source:   check.SourceAWSEC2,
		Remediation: "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc> --traffic-type ALL " +
			"--log-destination-type cloud-watch-logs|s3 ...",
		References: check.References{Guide: "network#log-network-traffic-metadata"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("ec2:DescribeFlowLogs")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil || a.Cluster.ResourcesVpcConfig == nil {
			return
		}
		vc := a.Cluster.ResourcesVpcConfig
		vpc := sdkaws.ToString(vc.VpcId)
		if vpc == "" {
			return
		}
		r.Evaluated(1)
		full := func(res string) bool {
			return slices.ContainsFunc(a.FlowLogs, func(f ec2types.FlowLog) bool {
				return flowLogFor(f, res) && (f.TrafficType == ec2types.TrafficTypeAll || f.TrafficType == ec2types.TrafficTypeReject)
			})
		}
		if full(vpc) {
			return
		}
		if len(vc.SubnetIds) > 0 && !slices.ContainsFunc(vc.SubnetIds, func(s string) bool { return !full(s) }) {
			return
		}
		var acceptOnly []string
		for _, f := range a.FlowLogs {
			if flowLogFor(f, sdkaws.ToString(f.ResourceId)) && f.TrafficType == ec2types.TrafficTypeAccept {
				acceptOnly = append(acceptOnly, sdkaws.ToString(f.FlowLogId)+" on "+sdkaws.ToString(f.ResourceId))
			}
		}
		if len(acceptOnly) > 0 {
			r.FailResourceWith(a.ARN("ec2", "vpc/"+vpc), "FlowLogs", check.Low, "VPC "+vpc+
				" logs only accepted traffic ("+strings.Join(acceptOnly, ", ")+") and not every cluster subnet logs rejected traffic: "+
				"rejected connections, such as scans, go unrecorded")
			return
		}
		r.FailResource(a.ARN("ec2", "vpc/"+vpc), "FlowLogs", "VPC "+vpc+" has no active flow log (nor one on every cluster subnet)")
	},
}

// flowLogFor reports whether a flow log is active and logs the resource.
func flowLogFor(f ec2types.FlowLog, resource string) bool {
	return sdkaws.ToString(f.ResourceId) == resource && strings.EqualFold(sdkaws.ToString(f.FlowLogStatus), "ACTIVE")
}

func init() { check.Register(vpcFlowLogs) }
