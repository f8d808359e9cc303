package iam

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// nodeRoleAllowedPolicies are the AWS managed policies a node role may carry (EKS-IAM-012).
var nodeRoleAllowedPolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryReadOnly",
	"AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"}

const cniPolicy = "AmazonEKS_CNI_Policy"

// nodeRolePolicies: EKS-IAM-012.
//
// For each role in NODE_ROLES (collected roles with use "node"), on the role's ARN:
//   - critical for an attached AdministratorAccess, PowerUserAccess or IAMFullAccess, and for
//     each Allow statement of a customer-managed or inline policy with Action "*" or
//     "<service>:*" for iam, sts, s3, secretsmanager, kms or ec2 on Resource "*" (or a
//     NotResource);
//   - medium for every other policy not in the allowed list (AmazonEKSWorkerNodePolicy,
//     AmazonEKSWorkerNodeMinimalPolicy, AmazonEC2ContainerRegistryReadOnly,
//     AmazonEC2ContainerRegistryPullOnly, AmazonSSMManagedInstanceCore,
//     CloudWatchAgentServerPolicy), inline policies included;
//   - medium for AmazonEKS_CNI_Policy when aws-node has its own credentials: ServiceAccount
//     kube-system/aws-node annotated eks.amazonaws.com/role-arn, a Pod Identity association
//     for kube-system/aws-node, or the vpc-cni add-on's serviceAccountRoleArn.
//
// Decisions: Reads names only what finds NODE_ROLES and their policies, so that an AWS-only
// scan (no ServiceAccounts) or a denied add-on or Pod Identity call does not withhold the
// critical findings; aws-node's own role is then known from what was read, and the CNI
// finding may be missed. Only the AWS managed policies of the allowed list (account "aws") pass; a
// customer-managed copy with the same name is "another policy". The catalogue's one-level
// raise when EKS-IAM-018 or EKS-IAM-019 (IMDS reachable from pods) also fails is not applied:
// a check does not see other checks' results; those findings stand beside this one.
var nodeRolePolicies = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-012",
		Slug:        "node-role-policies",
		Title:       "Node IAM roles must carry only node policies",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceAWSIAM,
		Remediation: "Move application permissions to IRSA or EKS Pod Identity roles; leave the node role with the node policies only.",
		References:  check.References{Guide: "iam#restrict-access-to-the-instance-profile-assigned-to-the-worker-node"},
	},
	Reads: append(append([]string{}, nodeRoleReads...), rolePolicyReads...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		cniOwnRole := awsNodeHasOwnRole(inv, a)
		for _, role := range sortedRoles(a) {
			if !hasUse(role, inventory.RoleUseNode) {
				continue
			}
			r.Evaluated(1)
			arn := roleARN(role)
			for _, p := range rolePolicies(a, role) {
				switch {
				case p.AWSManaged && slices.Contains(adminPolicies, p.Name):
					r.FailResourceWith(arn, p.Path, check.Critical, fmt.Sprintf("node role carries %s: every pod that reaches the node's credentials gets it", p.Name))
					continue
				case p.AWSManaged && slices.Contains(nodeRoleAllowedPolicies, p.Name):
					continue
				case p.AWSManaged && p.Name == cniPolicy:
					if cniOwnRole != "" {
						r.FailResourceWith(arn, p.Path, check.Medium, fmt.Sprintf("node role still carries %s although aws-node has its own role (%s): detach it", cniPolicy, cniOwnRole))
					}
					continue
				}
				critical := false
				if p.Doc != nil {
					for i := range p.Doc.Statement {
						st := &p.Doc.Statement[i]
						if acts := wildcardActions(st, broadServices); len(acts) > 0 && st.AllResources() {
							critical = true
							r.FailResourceWith(arn, p.StatementPath(i), check.Critical,
								fmt.Sprintf("%s statement %d allows %s on every resource", p.Label(), i, strings.Join(acts, ", ")))
						}
					}
				}
				if !critical {
					r.FailResourceWith(arn, p.Path, check.Medium, fmt.Sprintf("node role carries %s, which is not a node policy", p.Label()))
				}
			}
		}
	},
}

// awsNodeHasOwnRole says how aws-node gets its own AWS credentials, or "".
func awsNodeHasOwnRole(inv *inventory.Inventory, a *inventory.AWS) string {
	for _, o := range inv.OfKind("ServiceAccount") {
		if sa, ok := o.Typed.(*corev1.ServiceAccount); ok && o.Namespace == "kube-system" && o.Name == "aws-node" && sa.Annotations[irsaAnnotation] != "" {
			return "IRSA " + sa.Annotations[irsaAnnotation]
		}
	}
	for _, p := range a.PodIdentityAssociations {
		if deref(p.Namespace) == "kube-system" && deref(p.ServiceAccount) == "aws-node" && deref(p.RoleArn) != "" {
			return "Pod Identity " + deref(p.RoleArn)
		}
	}
	for _, ad := range a.Addons {
		if deref(ad.AddonName) == "vpc-cni" && deref(ad.ServiceAccountRoleArn) != "" {
			return "vpc-cni add-on " + deref(ad.ServiceAccountRoleArn)
		}
	}
	return ""
}

func init() { check.Register(nodeRolePolicies) }
