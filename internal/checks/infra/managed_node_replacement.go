package infra

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// managedNodeReplacement: EKS-INF-005.
//
// Classifies each Node by its labels: eks.amazonaws.com/nodegroup (managed node group),
// karpenter.sh/nodepool (or provisioner-name, Karpenter), eks.amazonaws.com/compute-type
// fargate or auto (AWS-managed) pass. Other nodes are self-managed: low when their instance
// (spec.providerID, ec2:DescribeInstances) belongs to an Auto Scaling group (tag
// aws:autoscaling:groupName, named in the finding), medium when it belongs to none (a pet).
var managedNodeReplacement = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-005",
		Slug:        "managed-node-replacement",
		Title:       "Worker nodes should be replaceable through managed automation",
		Section:     "infrastructure",
		Severity:    check.Low,
		Source:      check.SourceAWSEKS,
		Remediation: "Migrate self-managed nodes to managed node groups, Karpenter or Auto Mode so replacement is automated.",
		References:  check.References{Guide: "hosts#treat-your-infrastructure-as-immutable-and-automate-the-replacement-of-your-worker-nodes"},
	},
	Reads: []string{"Node", inventory.AWSKind("ec2:DescribeInstances")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		asg := map[string]string{} // instance ID -> Auto Scaling group
		for _, i := range a.Instances {
			for _, t := range i.Tags {
				if sdkaws.ToString(t.Key) == "aws:autoscaling:groupName" {
					asg[sdkaws.ToString(i.InstanceId)] = sdkaws.ToString(t.Value)
				}
			}
		}
		for _, o := range inv.OfKind("Node") {
			node, ok := o.Typed.(*corev1.Node)
			if !ok {
				continue
			}
			r.Evaluated(1)
			l := node.Labels
			if l[labelNodegroup] != "" || l[labelNodePool] != "" || l[labelProvisioner] != "" || l[labelComputeType] == "fargate" || l[labelComputeType] == "auto" {
				continue
			}
			path := fieldpath.Root.Key("metadata").Key("labels")
			id := inventory.ProviderInstanceID(node.Spec.ProviderID)
			if group := asg[id]; group != "" {
				r.Fail(o, path, "self-managed node (instance "+id+" of Auto Scaling group "+group+"): not in a managed node group, Karpenter NodePool or Auto Mode")
				continue
			}
			what := "self-managed node"
			if id != "" {
				what += " (instance " + id + ")"
			}
			r.FailWith(o, path, check.Medium, what+" in no Auto Scaling group, managed node group or NodePool: nothing replaces it automatically")
		}
	},
}

func init() { check.Register(managedNodeReplacement) }
