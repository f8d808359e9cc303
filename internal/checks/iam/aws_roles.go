package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the IAM checks that read the cluster's roles and their policies (EKS-IAM-011,
// 012, 014, 015, 017).

var (
	readGetRole              = inventory.AWSKind("iam:GetRole")
	readListAttachedPolicies = inventory.AWSKind("iam:ListAttachedRolePolicies")
	readListRolePolicies     = inventory.AWSKind("iam:ListRolePolicies")
	readGetRolePolicy        = inventory.AWSKind("iam:GetRolePolicy")
	readGetPolicy            = inventory.AWSKind("iam:GetPolicy")
	readGetPolicyVersion     = inventory.AWSKind("iam:GetPolicyVersion")
	readGetInstanceProfile   = inventory.AWSKind("iam:GetInstanceProfile")
	// rolePolicyReads are the calls that fill a role's permission policies.
	rolePolicyReads = []string{readGetRole, readListAttachedPolicies, readListRolePolicies, readGetRolePolicy, readGetPolicy, readGetPolicyVersion}
)

// trustPath is the field path of statement i of a role's trust policy.
func trustPath(i int) fieldpath.Path { return fieldpath.Path("TrustPolicy.Statement").Index(i) }

// roleARN is the ARN of a collected role.
func roleARN(r *inventory.IAMRole) string { return deref(r.Role.Arn) }

// hasUse reports whether the role was collected for a use with this prefix ("irsa",
// "pod-identity", "node", "cluster").
func hasUse(r *inventory.IAMRole, use string) bool {
	for _, u := range r.Uses {
		if u == use || strings.HasPrefix(u, use+":") {
			return true
		}
	}
	return false
}

// sortedRoles returns the collected roles ordered by ARN, so findings come out stable.
func sortedRoles(a *inventory.AWS) []*inventory.IAMRole {
	out := make([]*inventory.IAMRole, 0, len(a.Roles))
	for i := range a.Roles {
		out = append(out, &a.Roles[i])
	}
	sort.SliceStable(out, func(i, j int) bool { return roleARN(out[i]) < roleARN(out[j]) })
	return out
}

// rolePolicy is one permission policy of a role: an attached managed policy (with its
// document when customer-managed and read) or an inline policy.
type rolePolicy struct {
	// Name is the policy name; ARN is set for managed policies.
	Name, ARN string
	// AWSManaged is set for AWS managed policies, known by name (their documents are not read).
	AWSManaged bool
	Doc        *awspolicy.Document
	// Path is the field of the role (AttachedPolicies[i], InlinePolicies[i]) the policy is at.
	Path fieldpath.Path
	// Err is set when the document does not parse.
	Err error
}

// Label names the policy in messages: `managed policy "X"` or `inline policy "Y"`.
func (p rolePolicy) Label() string {
	if p.ARN != "" {
		return fmt.Sprintf("managed policy %q", p.Name)
	}
	return fmt.Sprintf("inline policy %q", p.Name)
}

// rolePolicies returns a role's attached and inline policies with their documents.
func rolePolicies(a *inventory.AWS, r *inventory.IAMRole) []rolePolicy {
	var out []rolePolicy
	for i, ap := range r.AttachedPolicies {
		arn := deref(ap.PolicyArn)
		p := rolePolicy{Name: deref(ap.PolicyName), ARN: arn, AWSManaged: isAWSManagedPolicy(arn),
			Path: fieldpath.Path("AttachedPolicies").Index(i)}
		if p.Name == "" {
			p.Name = inventory.PolicyName(arn)
		}
		if !p.AWSManaged {
			for _, mp := range a.Policies {
				if deref(mp.Policy.Arn) == arn {
					p.Doc, p.Err = awspolicy.Parse(mp.Document)
				}
			}
		}
		out = append(out, p)
	}
	for i, ip := range r.InlinePolicies {
		p := rolePolicy{Name: ip.Name, Path: fieldpath.Path("InlinePolicies").Index(i).Key("document")}
		p.Doc, p.Err = awspolicy.Parse(ip.Document)
		out = append(out, p)
	}
	return out
}

// isAWSManagedPolicy reports whether a policy ARN is an AWS managed policy
// (arn:<partition>:iam::aws:policy/...).
func isAWSManagedPolicy(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[4] == "aws"
}

// oidcIssuer is the cluster's OIDC issuer without its scheme
// ("oidc.eks.us-east-1.amazonaws.com/id/ABC"), or "".
func oidcIssuer(a *inventory.AWS) string {
	if a.Cluster == nil || a.Cluster.Identity == nil || a.Cluster.Identity.Oidc == nil {
		return ""
	}
	return strings.TrimPrefix(deref(a.Cluster.Identity.Oidc.Issuer), "https://")
}

// oidcProviderARN is the IAM OIDC provider ARN of an issuer in the scanned account.
func oidcProviderARN(a *inventory.AWS, issuer string) string {
	partition := a.Partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":iam::" + a.Account + ":oidc-provider/" + issuer
}

// nodeRoleReads are the calls that find NODE_ROLES.
var nodeRoleReads = []string{readDescribeCluster, inventory.AWSKind("eks:ListNodegroups"), inventory.AWSKind("eks:DescribeNodegroup"),
	inventory.AWSKind("ec2:DescribeInstances"), readGetInstanceProfile, readListAccessEntries, readDescribeAccessEntry}

// broadServices are the services whose "<service>:*" on Resource "*" EKS-IAM-012 treats as
// critical.
var broadServices = []string{"iam", "sts", "s3", "secretsmanager", "kms", "ec2"}

// adminPolicies are the AWS managed policies that grant (nearly) everything.
var adminPolicies = []string{"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}

// wildcardActions returns the Action entries of an Allow statement that are "*" or
// "<service>:*" for one of services (any service when services is nil).
func wildcardActions(st *awspolicy.Statement, services []string) []string {
	if !st.Allows() {
		return nil
	}
	var out []string
	for _, a := range st.Action {
		svc, rest, ok := strings.Cut(a, ":")
		switch {
		case a == "*":
			out = append(out, a)
		case ok && rest == "*" && (services == nil || slices.Contains(services, strings.ToLower(svc))):
			out = append(out, a)
		}
	}
	return out
}

// StatementPath is the field path of statement i: inside an inline policy's document, or the
// attachment of a managed policy (whose document is in AWS.Policies, not on the role).
func (p rolePolicy) StatementPath(i int) fieldpath.Path {
	if p.ARN != "" {
		return p.Path
	}
	return p.Path.Key("Statement").Index(i)
}
