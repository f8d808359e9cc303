package iam

import (
	"strconv"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the IAM checks that read CLUSTER_NODES and LAUNCH_TEMPLATES (EKS-IAM-018, 019).

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

// ec2NodeClasses are the Karpenter EC2NodeClass objects (karpenter.k8s.aws) of the input.
func ec2NodeClasses(inv *inventory.Inventory) []*inventory.Object {
	var out []*inventory.Object
	for _, o := range inv.OfKind("EC2NodeClass") {
		if o.Group() == "karpenter.k8s.aws" {
			out = append(out, o)
		}
	}
	return out
}

// nodeClassMetadata reads spec.metadataOptions.<key> of an EC2NodeClass: the value and
// whether it is set.
func nodeClassMetadata(o *inventory.Object, key string) (any, bool) {
	spec, _ := o.Raw["spec"].(map[string]any)
	mo, _ := spec["metadataOptions"].(map[string]any)
	v, ok := mo[key]
	return v, ok && v != nil
}
