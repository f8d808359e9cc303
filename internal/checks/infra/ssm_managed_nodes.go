package infra

import (
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ssmCorePolicy is the AWS-managed policy that lets the SSM agent register a node.
const ssmCorePolicy = "AmazonSSMManagedInstanceCore"

// ssmManagedNodes: EKS-INF-011.
//
// ssm:DescribeInstanceInformation filtered by the instance IDs of CLUSTER_NODES: fails for
// each node that is not registered with Systems Manager, and for each whose PingStatus is
// not Online. Reports info for each node role (an IAM role the cluster uses as "node") whose
// attached policies do not include AmazonSSMManagedInstanceCore. Decision: the policy is
// matched by name among attached managed policies; an inline or customer policy granting
// the same actions is not recognised, hence info only.
var ssmManagedNodes = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-INF-011",
		Slug:        "ssm-managed-nodes",
		Title:       "Nodes should be manageable through SSM instead of direct login",
		Section:     "infrastructure",
		Severity:    check.Low,
		Source:      check.SourceAWSOther,
		Remediation: "Attach AmazonSSMManagedInstanceCore to the node role and make sure the SSM agent (or Bottlerocket control container) runs.",
		References:  check.References{Guide: "hosts#minimal-iam-policy-for-ssm-based-ssh-access"},
	},
	Reads: []string{readDescribeInstances, inventory.AWSKind("ssm:DescribeInstanceInformation"), inventory.AWSKind("iam:GetRole"), inventory.AWSKind("iam:ListAttachedRolePolicies")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil {
			return
		}
		managed := a.ManagedInstancesByID()
		for _, i := range a.Instances {
			r.Evaluated(1)
			m, ok := managed[sdkaws.ToString(i.InstanceId)]
			switch {
			case !ok:
				r.FailResource(a.InstanceARN(i), "", "node "+inventory.InstanceName(i)+" is not registered with Systems Manager: it cannot be reached through Session Manager, so direct login (SSH) is the only way in")
			case m.PingStatus != ssmtypes.PingStatusOnline:
				r.FailResource(a.InstanceARN(i), "", "node "+inventory.InstanceName(i)+" is registered with Systems Manager but its agent is "+string(m.PingStatus)+", not Online")
			}
		}
		for _, role := range a.Roles {
			if !slices.Contains(role.Uses, inventory.RoleUseNode) {
				continue
			}
			r.Evaluated(1)
			has := false
			for _, p := range role.AttachedPolicies {
				if sdkaws.ToString(p.PolicyName) == ssmCorePolicy {
					has = true
				}
			}
			if !has {
				r.FailResourceWith(sdkaws.ToString(role.Role.Arn), "AttachedPolicies", check.Info, "node role "+sdkaws.ToString(role.Role.RoleName)+" does not have "+ssmCorePolicy+" attached: the SSM agent on its nodes may be unable to register")
			}
		}
	},
}

func init() { check.Register(ssmManagedNodes) }
