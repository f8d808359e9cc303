package infra

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the infrastructure checks that read CLUSTER_NODES and LAUNCH_TEMPLATES (EKS-INF-006, 008).

var (
	readDescribeInstances      = inventory.AWSKind("ec2:DescribeInstances")
	readDescribeLaunchTemplate = inventory.AWSKind("ec2:DescribeLaunchTemplateVersions")
)

// instanceNodegroup is the managed node group that launched an instance, or "".
func instanceNodegroup(i ec2types.Instance) string {
	for _, t := range i.Tags {
		if sdkaws.ToString(t.Key) == "eks:nodegroup-name" {
			return sdkaws.ToString(t.Value)
		}
	}
	return ""
}

// nodeSecurityGroups are the IDs of the security groups attached to CLUSTER_NODES and their
// network interfaces.
func nodeSecurityGroups(a *inventory.AWS) map[string]bool {
	out := map[string]bool{}
	for _, i := range a.Instances {
		for _, g := range i.SecurityGroups {
			out[sdkaws.ToString(g.GroupId)] = true
		}
		for _, ni := range i.NetworkInterfaces {
			for _, g := range ni.Groups {
				out[sdkaws.ToString(g.GroupId)] = true
			}
		}
	}
	return out
}

// nodegroupARN is the node group's ARN, else the cluster's.
func nodegroupARN(a *inventory.AWS, ng ekstypes.Nodegroup) string {
	if arn := sdkaws.ToString(ng.NodegroupArn); arn != "" {
		return arn
	}
	return a.ClusterResource()
}
