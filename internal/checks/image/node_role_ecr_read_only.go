package image

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrNodeWriteActions are the ECR actions a node role must not be allowed (EKS-IMG-011).
var ecrNodeWriteActions = []string{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
	"ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:SetRepositoryPolicy", "ecr:PutLifecyclePolicy", "ecr:CreateRepository"}

// ecrWriteManagedPolicies are AWS managed policies known to allow some of those actions on
// every repository (their documents are not read).
var ecrWriteManagedPolicies = []string{"AdministratorAccess", "PowerUserAccess", "AmazonEC2ContainerRegistryFullAccess",
	"AmazonEC2ContainerRegistryPowerUser", "EC2InstanceProfileForImageBuilderECRContainerBuilds"}

// nodeRoleECRReadOnly: EKS-IMG-011 (CIS EKS 5.1.3).
//
// For each role in NODE_ROLES (collected roles with use "node"), on the role's ARN: fails for
// each policy that allows one of ecr:PutImage, ecr:InitiateLayerUpload, ecr:UploadLayerPart,
// ecr:CompleteLayerUpload, ecr:BatchDeleteImage, ecr:DeleteRepository, ecr:SetRepositoryPolicy,
// ecr:PutLifecyclePolicy or ecr:CreateRepository, naming the actions. Read-only policies such
// as AmazonEC2ContainerRegistryReadOnly and AmazonEC2ContainerRegistryPullOnly pass.
//
// Decision: the catalogue's iam:SimulatePrincipalPolicy is replaced by reading the policies
// the collector already holds (the role's attached and inline policies), so permission
// boundaries and SCPs are not taken into account. AWS managed policies are known by name:
// AdministratorAccess, PowerUserAccess, AmazonEC2ContainerRegistryFullAccess,
// AmazonEC2ContainerRegistryPowerUser and EC2InstanceProfileForImageBuilderECRContainerBuilds
// allow writes; any other AWS managed policy passes. In customer-managed and
// inline policies, an Allow statement counts when its Action (or NotAction) covers a write
// action and its Resource is "*", a NotResource, or a pattern that can name an ECR repository;
// an action the role's policies Deny on Resource "*" does not count.
var nodeRoleECRReadOnly = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-011",
		Slug:        "node-role-ecr-read-only",
		Title:       "Node roles must have read-only access to ECR",
		Section:     "image-security",
		Severity:    check.Medium,
		Source:      check.SourceAWSIAM,
		Remediation: "Replace broader ECR policies on node roles with AmazonEC2ContainerRegistryPullOnly.",
		References:  check.References{Guide: "image#create-iam-policies-for-ecr-repositories", CISEKS: "5.1.3"},
	},
	Reads: []string{inventory.AWSKind("eks:DescribeCluster"), inventory.AWSKind("eks:ListNodegroups"), inventory.AWSKind("eks:DescribeNodegroup"),
		inventory.AWSKind("ec2:DescribeInstances"), inventory.AWSKind("iam:GetInstanceProfile"), inventory.AWSKind("eks:ListAccessEntries"),
		inventory.AWSKind("eks:DescribeAccessEntry"), inventory.AWSKind("iam:GetRole"), inventory.AWSKind("iam:ListAttachedRolePolicies"),
		inventory.AWSKind("iam:ListRolePolicies"), inventory.AWSKind("iam:GetRolePolicy"), inventory.AWSKind("iam:GetPolicy"),
		inventory.AWSKind("iam:GetPolicyVersion")},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		a := inv.AWS
		roles := make([]*inventory.IAMRole, 0, len(a.Roles))
		for i := range a.Roles {
			if slices.Contains(a.Roles[i].Uses, inventory.RoleUseNode) {
				roles = append(roles, &a.Roles[i])
			}
		}
		sort.Slice(roles, func(i, j int) bool { return deref(roles[i].Role.Arn) < deref(roles[j].Role.Arn) })
		for _, role := range roles {
			r.Evaluated(1)
			arn := deref(role.Role.Arn)
			type pol struct {
				label string
				path  fieldpath.Path
				doc   *awspolicy.Document
			}
			var docs []pol
			for i, ap := range role.AttachedPolicies {
				parn, name := deref(ap.PolicyArn), deref(ap.PolicyName)
				path := fieldpath.Path("AttachedPolicies").Index(i)
				if strings.SplitN(parn+"::::", ":", 6)[4] == "aws" {
					if slices.Contains(ecrWriteManagedPolicies, name) {
						r.FailResource(arn, path, fmt.Sprintf("node role carries %s, which allows writing to ECR", name))
					}
					continue
				}
				for _, p := range a.Policies {
					if deref(p.Policy.Arn) == parn {
						if d, err := awspolicy.Parse(p.Document); err == nil {
							docs = append(docs, pol{fmt.Sprintf("managed policy %q", name), path, d})
						}
					}
				}
			}
			for i, ip := range role.InlinePolicies {
				if d, err := awspolicy.Parse(ip.Document); err == nil {
					docs = append(docs, pol{fmt.Sprintf("inline policy %q", ip.Name), fieldpath.Path("InlinePolicies").Index(i).Key("document"), d})
				}
			}
			denied := map[string]bool{}
			for _, p := range docs {
				for i := range p.doc.Statement {
					st := &p.doc.Statement[i]
					if strings.EqualFold(st.Effect, "Deny") && st.AllResources() && len(st.Condition) == 0 {
						for _, w := range ecrNodeWriteActions {
							denied[w] = denied[w] || st.MatchesAction(w)
						}
					}
				}
			}
			for _, p := range docs {
				var allowed []string
				for i := range p.doc.Statement {
					st := &p.doc.Statement[i]
					if !st.Allows() || !mayNameECRRepository(st) {
						continue
					}
					for _, w := range ecrNodeWriteActions {
						if !denied[w] && st.MatchesAction(w) && !slices.Contains(allowed, w) {
							allowed = append(allowed, w)
						}
					}
				}
				if len(allowed) > 0 {
					r.FailResource(arn, p.path, fmt.Sprintf("node role's %s allows %s", p.label, strings.Join(allowed, ", ")))
				}
			}
		}
	},
}

// mayNameECRRepository reports whether a statement's resources can include an ECR repository.
func mayNameECRRepository(st *awspolicy.Statement) bool {
	if st.AllResources() {
		return true
	}
	for _, res := range st.Resource {
		parts := strings.SplitN(res, ":", 4)
		if len(parts) >= 3 && awspolicy.Match(parts[2], "ecr") {
			return true
		}
	}
	return false
}

func init() { check.Register(nodeRoleECRReadOnly) }
