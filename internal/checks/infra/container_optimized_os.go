package infra

import (
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Node labels that say how a node is managed.
const (
	labelNodegroup   = "eks.amazonaws.com/nodegroup"
	labelComputeType = "eks.amazonaws.com/compute-type"
	labelNodePool    = "karpenter.sh/nodepool"
	labelProvisioner = "karpenter.sh/provisioner-name" // Karpenter before v1
)

// containerOptimizedOS: EKS-INF-001 (CIS EKS v1.4 3.3.1).
//
// Managed node groups (eks:DescribeNodegroup .amiType): BOTTLEROCKET_* pass; AL2023_* is an
// info finding (general-purpose but minimal); AL2_* fails medium (end of support for new EKS
// versions); WINDOWS_* and anything else fail low. Node groups with a CUSTOM AMI, and nodes
// outside managed node groups, are judged by the Node's .status.nodeInfo.osImage: Bottlerocket
// and Flatcar pass, "Amazon Linux 2023" is info, "Amazon Linux 2" medium, anything else
// (Ubuntu, Windows, ...) low. Fargate and EKS Auto Mode nodes pass (AWS-managed, Bottlerocket
// based). Nodes of a node group whose amiType was judged are not judged again.
var containerOptimizedOS = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-001",
		Slug:        "container-optimized-os",
		Title:       "Nodes should run a container-optimised OS",
		Section:     "infrastructure",
		Severity:    check.Low,
		Source:      check.SourceAWSEKS,
		Remediation: "Move node groups to Bottlerocket (amiType BOTTLEROCKET_x86_64/ARM_64) or EKS Auto Mode.",
		References:  check.References{Guide: "hosts#use-an-os-optimized-for-running-containers", CISEKSLegacy: "1.4: 3.3.1"},
	},
	Reads: []string{"Node", inventory.AWSKind("eks:ListNodegroups"), inventory.AWSKind("eks:DescribeNodegroup")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Cluster == nil {
			return
		}
		judged := map[string]bool{} // node groups judged by amiType
		for _, ng := range a.Nodegroups {
			ami := string(ng.AmiType)
			if ami == "" || ami == "CUSTOM" {
				continue
			}
			r.Evaluated(1)
			judged[sdkaws.ToString(ng.NodegroupName)] = true
			arn := sdkaws.ToString(ng.NodegroupArn)
			name := sdkaws.ToString(ng.NodegroupName)
			switch {
			case strings.HasPrefix(ami, "BOTTLEROCKET_"):
			case strings.HasPrefix(ami, "AL2023_"):
				r.FailResourceWith(arn, "AmiType", check.Info, "node group "+name+" runs Amazon Linux 2023 ("+ami+"): general-purpose, though minimal; Bottlerocket is container-optimised")
			case strings.HasPrefix(ami, "AL2_"):
				r.FailResourceWith(arn, "AmiType", check.Medium, "node group "+name+" runs Amazon Linux 2 ("+ami+"), a general-purpose OS at the end of its support for new EKS versions")
			default:
				r.FailResource(arn, "AmiType", "node group "+name+" runs "+ami+", a general-purpose OS")
			}
		}
		for _, o := range inv.OfKind("Node") {
			node, ok := o.Typed.(*corev1.Node)
			if !ok || judged[node.Labels[labelNodegroup]] {
				continue
			}
			r.Evaluated(1)
			if ct := node.Labels[labelComputeType]; ct == "fargate" || ct == "auto" {
				continue
			}
			image := node.Status.NodeInfo.OSImage
			path := fieldpath.Root.Key("status").Key("nodeInfo").Key("osImage")
			lower := strings.ToLower(image)
			switch {
			case strings.Contains(lower, "bottlerocket"), strings.Contains(lower, "flatcar"):
			case image == "":
				// osImage unknown (a Node manifest without status): nothing to judge.
			case strings.Contains(image, "Amazon Linux 2023"):
				r.FailWith(o, path, check.Info, "node runs "+image+": general-purpose, though minimal; Bottlerocket is container-optimised")
			case strings.Contains(image, "Amazon Linux 2"):
				r.FailWith(o, path, check.Medium, "node runs "+image+", a general-purpose OS at the end of its support for new EKS versions")
			default:
				r.Fail(o, path, "node runs "+image+", a general-purpose OS")
			}
		}
	},
}

func init() { check.Register(containerOptimizedOS) }
