package infra

import (
	"strconv"

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

// instanceName is "i-0abc (node group apps)" for an instance a managed node group launched,
// else the instance ID.
func instanceName(i ec2types.Instance) string {
	id := sdkaws.ToString(i.InstanceId)
	for _, t := range i.Tags {
		if sdkaws.ToString(t.Key) == "eks:nodegroup-name" {
			return id + " (node group " + sdkaws.ToString(t.Value) + ")"
		}
	}
	return id
}

// instanceARN is the ARN of a CLUSTER_NODES instance.
func instanceARN(a *inventory.AWS, i ec2types.Instance) string {
	return a.ARN("ec2", "instance/"+sdkaws.ToString(i.InstanceId))
}

// launchTemplateName is "lt-0abc (nodes) version 3, used by node groups apps, web".
func launchTemplateName(lt inventory.LaunchTemplate) string {
	v := lt.Version
	s := sdkaws.ToString(v.LaunchTemplateId)
	if n := sdkaws.ToString(v.LaunchTemplateName); n != "" {
		s += " (" + n + ")"
	}
	s += " version " + strconv.FormatInt(sdkaws.ToInt64(v.VersionNumber), 10)
	switch len(lt.Nodegroups) {
	case 0:
	case 1:
		s += ", used by node group " + lt.Nodegroups[0]
	default:
		s += ", used by node groups " + joinComma(lt.Nodegroups)
	}
	return s
}

// launchTemplateARN is the ARN of a launch template.
func launchTemplateARN(a *inventory.AWS, lt inventory.LaunchTemplate) string {
	return a.ARN("ec2", "launch-template/"+sdkaws.ToString(lt.Version.LaunchTemplateId))
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

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
