package inventory

import (
	"fmt"
	"strings"

	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// PrincipalPolicy is one identity policy that applies to an IAM user, group or role, as
// IAMAuthorization holds it.
type PrincipalPolicy struct {
	// Label says where the policy comes from: `inline policy "eks"`, `managed policy
	// "AdministratorAccess"`, `inline policy "eks" of group platform`.
	Label string
	// PolicyARN is the ARN of a managed policy, "" for an inline one.
	PolicyARN string
	// Document is the policy's JSON text, "" when a managed policy's document was not
	// collected (not in IAMAuthorization.Policies).
	Document string
}

// Name of the managed policy (the last segment of PolicyARN), or "".
func (p PrincipalPolicy) Name() string {
	if p.PolicyARN == "" {
		return ""
	}
	return PolicyName(p.PolicyARN)
}

// ManagedDocument is the default version's document of a collected managed policy.
func (z *IAMAuthorization) ManagedDocument(arn string) (string, bool) {
	for _, p := range z.Policies {
		if p.Arn != nil && *p.Arn == arn {
			for _, v := range p.PolicyVersionList {
				if v.Document != nil {
					return *v.Document, true
				}
			}
			return "", false
		}
	}
	return "", false
}

func (z *IAMAuthorization) managed(suffix string, list []iamtypes.AttachedPolicy) []PrincipalPolicy {
	var out []PrincipalPolicy
	for _, ap := range list {
		arn := deref(ap.PolicyArn)
		doc, _ := z.ManagedDocument(arn)
		out = append(out, PrincipalPolicy{Label: fmt.Sprintf("managed policy %q%s", PolicyName(arn), suffix), PolicyARN: arn, Document: doc})
	}
	return out
}

// GroupPolicies are a group's inline and attached managed policies.
func (z *IAMAuthorization) GroupPolicies(g iamtypes.GroupDetail) []PrincipalPolicy {
	return z.groupPolicies(g, "")
}

func (z *IAMAuthorization) groupPolicies(g iamtypes.GroupDetail, suffix string) []PrincipalPolicy {
	var out []PrincipalPolicy
	for _, p := range g.GroupPolicyList {
		out = append(out, PrincipalPolicy{Label: fmt.Sprintf("inline policy %q%s", deref(p.PolicyName), suffix), Document: deref(p.PolicyDocument)})
	}
	return append(out, z.managed(suffix, g.AttachedManagedPolicies)...)
}

// UserPolicies are a user's inline and attached managed policies and those of its groups.
func (z *IAMAuthorization) UserPolicies(u iamtypes.UserDetail) []PrincipalPolicy {
	var out []PrincipalPolicy
	for _, p := range u.UserPolicyList {
		out = append(out, PrincipalPolicy{Label: fmt.Sprintf("inline policy %q", deref(p.PolicyName)), Document: deref(p.PolicyDocument)})
	}
	out = append(out, z.managed("", u.AttachedManagedPolicies)...)
	for _, name := range u.GroupList {
		for _, g := range z.Groups {
			if deref(g.GroupName) == name {
				out = append(out, z.groupPolicies(g, " of group "+name)...)
			}
		}
	}
	return out
}

// RolePolicies are a role's inline and attached managed policies.
func (z *IAMAuthorization) RolePolicies(r iamtypes.RoleDetail) []PrincipalPolicy {
	var out []PrincipalPolicy
	for _, p := range r.RolePolicyList {
		out = append(out, PrincipalPolicy{Label: fmt.Sprintf("inline policy %q", deref(p.PolicyName)), Document: deref(p.PolicyDocument)})
	}
	return append(out, z.managed("", r.AttachedManagedPolicies)...)
}

// IsServiceLinkedRole reports whether a role is service-linked (path /aws-service-role/).
func IsServiceLinkedRole(r iamtypes.RoleDetail) bool {
	return strings.HasPrefix(deref(r.Path), "/aws-service-role/")
}
