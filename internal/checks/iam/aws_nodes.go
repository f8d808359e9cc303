package iam

import (
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the IAM checks that read CLUSTER_NODES and LAUNCH_TEMPLATES (EKS-IAM-018, 019).

var (
	readDescribeInstances      = inventory.AWSKind("ec2:DescribeInstances")
	readDescribeLaunchTemplate = inventory.AWSKind("ec2:DescribeLaunchTemplateVersions")
)

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
