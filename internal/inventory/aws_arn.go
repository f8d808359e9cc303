package inventory

import (
	"strconv"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ARN builds the ARN of a regional resource of the scanned account, for findings on
// resources whose API responses carry no ARN (EC2 instances, launch templates, security
// groups, subnets): a.ARN("ec2", "instance/i-0abc") is
// arn:aws:ec2:us-east-1:111122223333:instance/i-0abc.
func (a *AWS) ARN(service, resource string) string {
	partition := a.Partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":" + service + ":" + a.Region + ":" + a.Account + ":" + resource
}

// InstanceARN is the ARN of a CLUSTER_NODES instance.
func (a *AWS) InstanceARN(i ec2types.Instance) string {
	return a.ARN("ec2", "instance/"+sdkaws.ToString(i.InstanceId))
}

// InstanceName is "i-0abc (node group apps)" for an instance a managed node group launched,
// else the instance ID.
func InstanceName(i ec2types.Instance) string {
	id := sdkaws.ToString(i.InstanceId)
	for _, t := range i.Tags {
		if sdkaws.ToString(t.Key) == "eks:nodegroup-name" {
			return id + " (node group " + sdkaws.ToString(t.Value) + ")"
		}
	}
	return id
}

// LaunchTemplateARN is the ARN of a launch template.
func (a *AWS) LaunchTemplateARN(lt LaunchTemplate) string {
	return a.ARN("ec2", "launch-template/"+sdkaws.ToString(lt.Version.LaunchTemplateId))
}

// Name is "lt-0abc (nodes) version 3, used by node groups apps, web".
func (lt LaunchTemplate) Name() string {
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
		s += ", used by node groups " + strings.Join(lt.Nodegroups, ", ")
	}
	return s
}
