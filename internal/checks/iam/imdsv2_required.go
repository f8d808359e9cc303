package iam

import (
	"fmt"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imdsv2Required: EKS-IAM-018.
//
// CLUSTER_NODES (ec2:DescribeInstances .MetadataOptions): fails when the metadata endpoint is
// on (HttpEndpoint "enabled", or absent, which is EC2's default) and HttpTokens is not
// "required". LAUNCH_TEMPLATES (ec2:DescribeLaunchTemplateVersions
// .LaunchTemplateData.MetadataOptions): fails when HttpTokens is "optional" and the template
// does not disable the endpoint.
//
// Decisions where the catalogue asks for more than the collectors read:
//   - A launch template without MetadataOptions.HttpTokens is not judged. The launch default
//     depends on the AMI's ImdsSupport (ec2:DescribeImages) and the account default
//     (ec2:GetInstanceMetadataDefaults), neither of which is collected yet; the instances
//     launched from the template are judged on their effective MetadataOptions instead.
//     EKS AL2023 and Bottlerocket AMIs set ImdsSupport v2.0, so failing here would mostly
//     be false positives.
//   - Karpenter EC2NodeClass (karpenter.k8s.aws): fails when spec.metadataOptions.httpTokens
//     is set and not "required"; absent passes (Karpenter defaults to required; unverified:
//     Karpenter's defaults are not in the pinned Go modules). Their instances are judged as
//     CLUSTER_NODES too. The account defaults are not reported (not collected).
//
// Manifest mode: not applicable.
var imdsv2Required = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-018",
		Slug:     "imdsv2-required",
		Title:    "Node instances must require IMDSv2",
		Section:  "iam",
		Severity: check.High,
		Source:   check.SourceAWSEC2,
		Remediation: "Set http_tokens=required in the node group launch template (or aws ec2 modify-instance-metadata-options " +
			"--http-tokens required for running instances) and roll the nodes.",
		References: check.References{Guide: "iam#restrict-access-to-the-instance-profile-assigned-to-the-worker-node"},
	},
	Reads: []string{readDescribeInstances, readDescribeLaunchTemplate},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, o := range ec2NodeClasses(inv) {
			r.Evaluated(1)
			if v, ok := nodeClassMetadata(o, "httpTokens"); ok && v != "required" {
				r.Fail(o, fieldpath.Root.Key("spec").Key("metadataOptions").Key("httpTokens"),
					fmt.Sprintf("EC2NodeClass %s sets httpTokens %v: nodes it launches accept IMDSv1", o.Name, v))
			}
		}
		a := inv.AWS
		if a == nil {
			return
		}
		for _, i := range a.Instances {
			r.Evaluated(1)
			mo := i.MetadataOptions
			if mo == nil || mo.HttpEndpoint == ec2types.InstanceMetadataEndpointStateDisabled || mo.HttpTokens == ec2types.HttpTokensStateRequired {
				continue
			}
			tokens := string(mo.HttpTokens)
			if tokens == "" {
				tokens = "unset"
			}
			r.FailResource(a.InstanceARN(i), "MetadataOptions.HttpTokens",
				"node instance "+inventory.InstanceName(i)+" accepts IMDSv1 (HttpTokens "+tokens+"): any process on the node, "+
					"or a pod that reaches 169.254.169.254, can read the node role's credentials without a session token")
		}
		for _, lt := range a.LaunchTemplates {
			r.Evaluated(1)
			d := lt.Version.LaunchTemplateData
			if d == nil || d.MetadataOptions == nil {
				continue
			}
			mo := d.MetadataOptions
			if mo.HttpEndpoint == ec2types.LaunchTemplateInstanceMetadataEndpointStateDisabled || mo.HttpTokens != ec2types.LaunchTemplateHttpTokensStateOptional {
				continue
			}
			r.FailResource(a.LaunchTemplateARN(lt), "LaunchTemplateData.MetadataOptions.HttpTokens",
				"launch template "+lt.Name()+" sets HttpTokens optional: nodes it launches accept IMDSv1")
		}
	},
}

func init() { check.Register(imdsv2Required) }
