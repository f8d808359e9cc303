package iam

import (
	"strconv"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imdsHopLimit: EKS-IAM-019.
//
// CLUSTER_NODES (ec2:DescribeInstances .MetadataOptions.HttpPutResponseHopLimit) and
// LAUNCH_TEMPLATES (.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit): fails
// (medium) when the hop limit is greater than 1, so pods behind the node's network namespace
// reach IMDS and the node role's credentials. Instances whose metadata endpoint is disabled
// are reported as info (node components that read metadata break); their hop limit is moot.
//
// Decisions where the catalogue asks for more than eksguard has:
//   - imds_hop2_allowlist is not configurable yet, so every node group is held to 1; node
//     groups whose pods must use IMDS with hop limit 2 take an exception instead. The
//     finding says when the limit is exactly 2 (the documented setting for such groups).
//   - A launch template without HttpPutResponseHopLimit is not judged: the launch default
//     is 1 unless ec2:GetInstanceMetadataDefaults (not collected) sets another; the instances
//     it launched are judged on their effective value instead.
//   - A launch template that disables the endpoint is not judged (no hop limit applies).
//   - Karpenter EC2NodeClass (karpenter.k8s.aws): fails when
//     spec.metadataOptions.httpPutResponseHopLimit is greater than 1; absent passes
//     (Karpenter's default is 1; unverified, as in EKS-IAM-018).
//
// hostNetwork pods reach IMDS regardless of the hop limit (EKS-POD-004). Manifest mode: not
// applicable.
var imdsHopLimit = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-019",
		Slug:     "imds-hop-limit",
		Title:    "IMDS hop limit must be 1 unless pods need instance metadata",
		Section:  "iam",
		Severity: check.Medium,
		Source:   check.SourceAWSEC2,
		Remediation: "Set http_put_response_hop_limit=1 in the launch template (2 only for node groups whose pods must use IMDS, " +
			"and then block IMDS for other pods with NetworkPolicy, see EKS-NET-006).",
		References: check.References{Guide: "iam#when-your-application-needs-access-to-imds-use-imdsv2-and-increase-the-hop-limit-on-ec2-instances-to-2"},
	},
	Reads: []string{readDescribeInstances, readDescribeLaunchTemplate},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, o := range ec2NodeClasses(inv) {
			r.Evaluated(1)
			if v, ok := nodeClassMetadata(o, "httpPutResponseHopLimit"); ok {
				if hop, isNum := rawInt(v); isNum && hop > 1 {
					r.Fail(o, fieldpath.Root.Key("spec").Key("metadataOptions").Key("httpPutResponseHopLimit"),
						"EC2NodeClass "+o.Name+" sets IMDS hop limit "+strconv.Itoa(hop)+hopNote(int32(hop)))
				}
			}
		}
		a := inv.AWS
		if a == nil {
			return
		}
		for _, i := range a.Instances {
			r.Evaluated(1)
			mo := i.MetadataOptions
			if mo == nil {
				continue
			}
			if mo.HttpEndpoint == ec2types.InstanceMetadataEndpointStateDisabled {
				r.FailResourceWith(a.InstanceARN(i), "MetadataOptions.HttpEndpoint", check.Info,
					"node instance "+inventory.InstanceName(i)+" has the instance metadata endpoint disabled: node components that read "+
						"metadata (VPC CNI, kubelet's cloud provider, SSM agent) may not work")
				continue
			}
			if hop := sdkaws.ToInt32(mo.HttpPutResponseHopLimit); hop > 1 {
				r.FailResource(a.InstanceARN(i), "MetadataOptions.HttpPutResponseHopLimit",
					"node instance "+inventory.InstanceName(i)+" has IMDS hop limit "+strconv.Itoa(int(hop))+hopNote(hop))
			}
		}
		for _, lt := range a.LaunchTemplates {
			r.Evaluated(1)
			d := lt.Version.LaunchTemplateData
			if d == nil || d.MetadataOptions == nil || d.MetadataOptions.HttpEndpoint == ec2types.LaunchTemplateInstanceMetadataEndpointStateDisabled {
				continue
			}
			if hop := sdkaws.ToInt32(d.MetadataOptions.HttpPutResponseHopLimit); hop > 1 {
				r.FailResource(a.LaunchTemplateARN(lt), "LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit",
					"launch template "+lt.Name()+" sets IMDS hop limit "+strconv.Itoa(int(hop))+hopNote(hop))
			}
		}
	},
}

// rawInt reads a number of an untyped object (JSON decodes float64, YAML int64 or int).
func rawInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int64:
		return int(n), true
	case int:
		return n, true
	}
	return 0, false
}

func hopNote(hop int32) string {
	msg := ": pods that are not on the host network can reach instance metadata and the node role's credentials"
	if hop == 2 {
		msg += " (2 is meant only for node groups whose pods must use IMDS; take an exception for those)"
	}
	return msg
}

func init() { check.Register(imdsHopLimit) }
