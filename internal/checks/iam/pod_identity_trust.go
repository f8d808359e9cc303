package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

const podIdentityService = "pods.eks.amazonaws.com"

// podIdentityScopingKeys are the trust conditions that scope a Pod Identity statement
// (EKS-IAM-015): the session tags Pod Identity sets, and the source account or ARN.
var podIdentityScopingKeys = []string{"aws:RequestTag/kubernetes-namespace", "aws:RequestTag/kubernetes-service-account",
	"aws:RequestTag/eks-cluster-arn", "aws:RequestTag/eks-cluster-name", "aws:SourceAccount", "aws:SourceArn"}

// podIdentityPrincipalTags are the permission-policy conditions that tell the service
// accounts of a shared Pod Identity role apart.
var podIdentityPrincipalTags = []string{"aws:PrincipalTag/kubernetes-namespace", "aws:PrincipalTag/kubernetes-service-account",
	"aws:PrincipalTag/eks-cluster-arn", "aws:PrincipalTag/eks-cluster-name"}

// podIdentityTrust: EKS-IAM-015.
//
// For each role of an EKS Pod Identity association (eks:DescribePodIdentityAssociation
// .roleArn), its trust policy, on the role's ARN:
//   - high for an Allow statement trusting Service pods.eks.amazonaws.com that also trusts
//     another principal; and (decision, from the title's "this account") for any other Allow
//     statement of the role that trusts anyone ("*" or {"AWS": "*"}) without an
//     aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceAccount or aws:PrincipalArn condition;
//   - medium (decision, likewise) for an AWS principal of another account in any Allow statement;
//   - low for a pods.eks.amazonaws.com statement with no scoping condition: none of
//     aws:RequestTag/kubernetes-namespace, aws:RequestTag/kubernetes-service-account,
//     aws:RequestTag/eks-cluster-arn, aws:RequestTag/eks-cluster-name, aws:SourceAccount,
//     aws:SourceArn (the catalogue marks the cluster tag names unverified);
//   - medium when an association has disableSessionTags true and the statement scopes by
//     aws:RequestTag/ conditions, which then cannot match;
//   - medium, on the target role, when an association has a targetRoleArn whose trust policy
//     has no Allow statement trusting the association's role with an sts:ExternalId condition
//     equal to the association's externalId (a target role in another account is not read and
//     not evaluated);
//   - medium when the role serves more than one (namespace, service account) pair of this
//     cluster and neither its permission policies use aws:PrincipalTag/ conditions on the
//     namespace, service account or cluster tags nor every association carries a session
//     policy. Decision: the catalogue's "across clusters" is limited to this cluster, the only
//     one whose associations are read.
var podIdentityTrust = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-015",
		Slug:        "pod-identity-trust",
		Title:       "EKS Pod Identity role trust policies must be restricted to the EKS Pod Identity service and this account",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceAWSIAM,
		Remediation: "Keep one statement: Principal Service pods.eks.amazonaws.com, actions sts:AssumeRole and sts:TagSession, with aws:SourceAccount / aws:SourceArn conditions; use session-tag conditions when a role is deliberately shared.",
		References:  check.References{Guide: "iam#abac-and-eks-pod-identities"},
	},
	Reads: append([]string{readListPodIdentity, readDescribePodIdentity}, rolePolicyReads...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if inv.AWS == nil {
			return
		}
		a := inv.AWS
		byRole := map[string][]ekstypes.PodIdentityAssociation{}
		for _, p := range a.PodIdentityAssociations {
			if arn := deref(p.RoleArn); arn != "" {
				byRole[arn] = append(byRole[arn], p)
			}
		}
		roles := make([]string, 0, len(byRole))
		for arn := range byRole {
			roles = append(roles, arn)
		}
		sort.Strings(roles)
		for _, arn := range roles {
			role := a.Role(arn)
			if role == nil {
				continue // another account, missing, or not read (a gap names it)
			}
			r.Evaluated(1)
			assocs := byRole[arn]
			doc, err := awspolicy.Parse(role.TrustPolicy)
			if err != nil {
				r.FailResource(arn, "TrustPolicy", fmt.Sprintf("Pod Identity role's trust policy does not parse: %v", err))
				continue
			}
			for i := range doc.Statement {
				checkPodIdentityStatement(r, a, arn, i, &doc.Statement[i], assocs)
			}
			checkTargetRoles(r, a, arn, assocs)
			checkSharedPodIdentityRole(r, a, role, assocs)
		}
	},
}

func checkPodIdentityStatement(r *check.Reporter, a *inventory.AWS, arn string, i int, st *awspolicy.Statement, assocs []ekstypes.PodIdentityAssociation) {
	if !st.Allows() {
		return
	}
	path := trustPath(i)
	podIdentity := slices.Contains(st.Principal.Values("Service"), podIdentityService)
	var others, foreign []string
	for _, p := range st.Principal.All() {
		if p != "Service:"+podIdentityService {
			others = append(others, p)
		}
		if acct, ok := strings.CutPrefix(p, "AWS:"); ok && acct != "*" && principalAccount(acct) != a.Account {
			foreign = append(foreign, acct)
		}
	}
	switch {
	case podIdentity && len(others) > 0:
		r.FailResourceWith(arn, path.Key("Principal"), check.High, fmt.Sprintf("trust statement %d trusts %s and also %s", i, podIdentityService, strings.Join(others, ", ")))
	case !podIdentity && st.Principal.IsAnyone() && !slices.ContainsFunc([]string{"aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:SourceAccount", "aws:PrincipalArn"}, st.HasConditionKey):
		r.FailResourceWith(arn, path.Key("Principal"), check.High, fmt.Sprintf("trust statement %d lets any AWS principal assume this Pod Identity role", i))
	case len(foreign) > 0:
		r.FailResourceWith(arn, path.Key("Principal"), check.Medium, fmt.Sprintf("trust statement %d trusts principals of another account: %s", i, strings.Join(foreign, ", ")))
	}
	if !podIdentity {
		return
	}
	if !slices.ContainsFunc(podIdentityScopingKeys, st.HasConditionKey) {
		r.FailResourceWith(arn, path, check.Low, fmt.Sprintf("trust statement %d lets %s assume the role for any cluster, namespace and service account: it has no session-tag, aws:SourceAccount or aws:SourceArn condition", i, podIdentityService))
	}
	var tagKeys []string
	for _, keys := range st.Condition {
		for k := range keys {
			if strings.HasPrefix(strings.ToLower(k), "aws:requesttag/") && !slices.Contains(tagKeys, k) {
				tagKeys = append(tagKeys, k)
			}
		}
	}
	sort.Strings(tagKeys)
	if len(tagKeys) == 0 {
		return
	}
	for _, p := range assocs {
		if p.DisableSessionTags != nil && *p.DisableSessionTags {
			r.FailResourceWith(arn, path.Key("Condition"), check.Medium, fmt.Sprintf("trust statement %d conditions on %s, but the association for %s/%s disables session tags, so they cannot match",
				i, strings.Join(tagKeys, ", "), deref(p.Namespace), deref(p.ServiceAccount)))
		}
	}
}

// checkTargetRoles holds each association's target role to an sts:ExternalId condition on
// the association's role.
func checkTargetRoles(r *check.Reporter, a *inventory.AWS, source string, assocs []ekstypes.PodIdentityAssociation) {
	for _, p := range assocs {
		target := a.Role(deref(p.TargetRoleArn))
		if target == nil {
			continue
		}
		doc, err := awspolicy.Parse(target.TrustPolicy)
		if err != nil {
			continue
		}
		ok := false
		for i := range doc.Statement {
			st := &doc.Statement[i]
			if !st.Allows() || !slices.Contains(st.Principal.Values("AWS"), source) {
				continue
			}
			for _, c := range st.Conditions("sts:ExternalId") {
				if awspolicy.BaseOperator(c.Operator) == "StringEquals" && slices.Equal(c.Values, awspolicy.Strings{deref(p.ExternalId)}) {
					ok = true
				}
			}
		}
		if !ok {
			r.FailResourceWith(roleARN(target), "TrustPolicy", check.Medium, fmt.Sprintf("target role of the Pod Identity association for %s/%s does not require sts:ExternalId %q from %s",
				deref(p.Namespace), deref(p.ServiceAccount), deref(p.ExternalId), source))
		}
	}
}

// checkSharedPodIdentityRole reports a role shared by several service accounts with nothing
// telling them apart.
func checkSharedPodIdentityRole(r *check.Reporter, a *inventory.AWS, role *inventory.IAMRole, assocs []ekstypes.PodIdentityAssociation) {
	pairs := map[string]bool{}
	allPolicies := true
	for _, p := range assocs {
		pairs[deref(p.Namespace)+"/"+deref(p.ServiceAccount)] = true
		allPolicies = allPolicies && deref(p.Policy) != ""
	}
	if len(pairs) < 2 || allPolicies {
		return
	}
	for _, p := range rolePolicies(a, role) {
		if p.Doc == nil {
			continue
		}
		for i := range p.Doc.Statement {
			if slices.ContainsFunc(podIdentityPrincipalTags, p.Doc.Statement[i].HasConditionKey) {
				return
			}
		}
	}
	list := make([]string, 0, len(pairs))
	for k := range pairs {
		list = append(list, k)
	}
	sort.Strings(list)
	r.FailResourceWith(roleARN(role), "", check.Medium, fmt.Sprintf("Pod Identity role serves %s with no aws:PrincipalTag conditions in its policies and no session policy on every association", strings.Join(list, ", ")))
}

// principalAccount is the account of an AWS principal: an account ID or an ARN.
func principalAccount(p string) string {
	if !strings.HasPrefix(p, "arn:") {
		return p
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

func init() { check.Register(podIdentityTrust) }
