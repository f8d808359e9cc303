package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

const (
	actionAssumeWebIdentity = "sts:AssumeRoleWithWebIdentity"
	saSubjectPrefix         = "system:serviceaccount:"
)

// irsaTrustScope: EKS-IAM-014.
//
// The IRSA roles are the collected roles used by an annotated ServiceAccount (Uses
// "irsa:<ns>/<sa>") and every collected role whose trust policy has a Federated principal
// equal to this cluster's OIDC provider ARN (arn:<partition>:iam::<account>:oidc-provider/
// <issuer host and path>). For each Allow statement with sts:AssumeRoleWithWebIdentity (an
// Action wildcard such as sts:* counts) that trusts that provider, on the role's ARN:
//   - high when no condition uses "<issuer>:sub" (any pod of the cluster can assume it);
//   - medium when a sub condition has a wildcard (* or ?) under a Like operator in the
//     namespace or service-account part, or lists more than one service account;
//   - low when no "<issuer>:aud" condition equals sts.amazonaws.com.
//
// Decision, for trust wildcards and cross-account principals: other Allow statements of an
// IRSA role's trust policy fail on its ARN, high when the principal is anyone ("*" or
// {"AWS": "*"}) without an aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceAccount or
// aws:PrincipalArn condition, medium for AWS principals or OIDC providers of another account.
//
// Also, for each ServiceAccount annotated eks.amazonaws.com/role-arn: medium on the role's
// ARN when the role does not exist (broken binding), or when no statement trusts this
// cluster's provider with a sub matching system:serviceaccount:<ns>:<name> (a statement
// without any sub condition matches: the high finding above covers it).
//
// Decisions: the catalogue's "every IAM role whose trust policy has [this provider]" would
// need iam:ListRoles over the account, which the collector does not call; roles it read for
// another use (node, cluster, Pod Identity) are still held to this check when they trust the
// provider. Roles in another account are not read by the collector and are not evaluated;
// a ServiceAccount without a namespace counts as "default"; sub and aud keys are compared
// case-insensitively, like IAM condition keys; a cluster without an OIDC issuer is not
// evaluated.
var irsaTrustScope = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-014",
		Slug:        "irsa-trust-scope",
		Title:       "IRSA role trust policies must be scoped to one service account, namespace and cluster",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceAWSIAM,
		Remediation: `Use StringEquals conditions "<issuer>:sub": "system:serviceaccount:<ns>:<sa>" and "<issuer>:aud": "sts.amazonaws.com" in one statement per cluster (eksctl create iamserviceaccount does this).`,
		References:  check.References{Guide: "iam#scope-the-iam-role-trust-policy-for-irsa-roles-to-the-service-account-name-namespace-and-cluster"},
	},
	Reads: []string{"ServiceAccount", readDescribeCluster, readGetRole},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := awsCluster(inv)
		if a == nil {
			return
		}
		issuer := oidcIssuer(a)
		if issuer == "" {
			return
		}
		provider := oidcProviderARN(a, issuer)
		for _, role := range sortedRoles(a) {
			doc, err := awspolicy.Parse(role.TrustPolicy)
			if err != nil {
				continue
			}
			trusted := irsaStatements(doc, provider)
			if !hasUse(role, inventory.RoleUseIRSA) && len(trusted) == 0 {
				continue
			}
			r.Evaluated(1)
			for _, i := range trusted {
				checkIRSAStatement(r, roleARN(role), i, &doc.Statement[i], issuer)
			}
			if hasUse(role, inventory.RoleUseIRSA) {
				checkIRSAOtherPrincipals(r, a, roleARN(role), doc, trusted)
			}
		}
		checkIRSABindings(inv, a, r, issuer, provider)
	},
}

// irsaStatements are the indexes of the Allow statements that let the provider assume the
// role with a web identity.
func irsaStatements(doc *awspolicy.Document, provider string) []int {
	var out []int
	for i := range doc.Statement {
		st := &doc.Statement[i]
		if st.Allows() && st.MatchesAction(actionAssumeWebIdentity) && slices.Contains(st.Principal.Values("Federated"), provider) {
			out = append(out, i)
		}
	}
	return out
}

func checkIRSAStatement(r *check.Reporter, arn string, i int, st *awspolicy.Statement, issuer string) {
	path := trustPath(i).Key("Condition")
	subs := st.Conditions(issuer + ":sub")
	if len(subs) == 0 {
		r.FailResourceWith(arn, path, check.High, fmt.Sprintf("trust statement %d lets any service account of the cluster assume the role: it has no %s:sub condition", i, issuer))
	}
	for _, c := range subs {
		like := strings.HasSuffix(awspolicy.BaseOperator(c.Operator), "Like")
		var wild []string
		for _, v := range c.Values {
			if like && strings.ContainsAny(v, "*?") {
				wild = append(wild, v)
			}
		}
		switch {
		case len(wild) > 0:
			r.FailResourceWith(arn, path.Key(c.Operator), check.Medium, fmt.Sprintf("trust statement %d matches service accounts by wildcard: %s %s %s", i, c.Operator, c.Key, strings.Join(wild, ", ")))
		case len(c.Values) > 1:
			r.FailResourceWith(arn, path.Key(c.Operator), check.Medium, fmt.Sprintf("trust statement %d lets %d service accounts assume the role: %s", i, len(c.Values), strings.Join(c.Values, ", ")))
		}
	}
	audOK := false
	for _, c := range st.Conditions(issuer + ":aud") {
		if awspolicy.BaseOperator(c.Operator) == "StringEquals" && slices.Equal(c.Values, awspolicy.Strings{"sts.amazonaws.com"}) {
			audOK = true
		}
	}
	if !audOK {
		r.FailResourceWith(arn, path, check.Low, fmt.Sprintf("trust statement %d has no StringEquals %s:aud condition equal to sts.amazonaws.com", i, issuer))
	}
}

// checkIRSAOtherPrincipals reports the other Allow statements of an IRSA role's trust
// policy that open it beyond the cluster: anyone, or principals of another account.
func checkIRSAOtherPrincipals(r *check.Reporter, a *inventory.AWS, arn string, doc *awspolicy.Document, irsa []int) {
	for i := range doc.Statement {
		st := &doc.Statement[i]
		if !st.Allows() || slices.Contains(irsa, i) {
			continue
		}
		if st.Principal.IsAnyone() && !slices.ContainsFunc([]string{"aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:SourceAccount", "aws:PrincipalArn"}, st.HasConditionKey) {
			r.FailResourceWith(arn, trustPath(i).Key("Principal"), check.High, fmt.Sprintf("trust statement %d lets any principal assume this IRSA role", i))
			continue
		}
		var foreign []string
		for _, p := range st.Principal.Values("AWS") {
			if p != "*" && principalAccount(p) != a.Account {
				foreign = append(foreign, p)
			}
		}
		for _, p := range st.Principal.Values("Federated") {
			if strings.Contains(p, ":oidc-provider/") && principalAccount(p) != a.Account {
				foreign = append(foreign, p)
			}
		}
		if len(foreign) > 0 {
			r.FailResourceWith(arn, trustPath(i).Key("Principal"), check.Medium, fmt.Sprintf("trust statement %d also lets another account assume this IRSA role: %s", i, strings.Join(foreign, ", ")))
		}
	}
}

// checkIRSABindings holds each annotated ServiceAccount to its role's trust policy.
func checkIRSABindings(inv *inventory.Inventory, a *inventory.AWS, r *check.Reporter, issuer, provider string) {
	type binding struct{ role, ns, name string }
	var bindings []binding
	for _, o := range inv.OfKind("ServiceAccount") {
		sa, ok := o.Typed.(*corev1.ServiceAccount)
		if !ok {
			continue
		}
		role := strings.TrimSpace(sa.Annotations[irsaAnnotation])
		if role == "" {
			continue
		}
		ns := o.Namespace
		if ns == "" {
			ns = "default"
		}
		bindings = append(bindings, binding{role, ns, o.Name})
	}
	sort.Slice(bindings, func(i, j int) bool {
		x, y := bindings[i], bindings[j]
		return x.role+" "+x.ns+"/"+x.name < y.role+" "+y.ns+"/"+y.name
	})
	for _, b := range bindings {
		subject := saSubjectPrefix + b.ns + ":" + b.name
		if slices.Contains(a.MissingRoles, b.role) {
			r.Evaluated(1)
			r.FailResourceWith(b.role, "", check.Medium, fmt.Sprintf("ServiceAccount %s/%s is annotated with this role, which does not exist", b.ns, b.name))
			continue
		}
		role := a.Role(b.role)
		if role == nil {
			continue // another account, or not read (a gap names it)
		}
		doc, err := awspolicy.Parse(role.TrustPolicy)
		if err != nil {
			r.FailResourceWith(b.role, "TrustPolicy", check.Medium, fmt.Sprintf("ServiceAccount %s/%s is annotated with this role, whose trust policy does not parse: %v", b.ns, b.name, err))
			continue
		}
		r.Evaluated(1)
		trusts := false
		for _, i := range irsaStatements(doc, provider) {
			subs := doc.Statement[i].Conditions(issuer + ":sub")
			if len(subs) == 0 || slices.ContainsFunc(subs, func(c awspolicy.ConditionKey) bool { return subMatches(c, subject) }) {
				trusts = true
			}
		}
		if !trusts {
			r.FailResourceWith(b.role, "TrustPolicy", check.Medium, fmt.Sprintf("ServiceAccount %s/%s is annotated with this role, but its trust policy does not let %s of this cluster (%s) assume it", b.ns, b.name, subject, issuer))
		}
	}
}

// subMatches reports whether a sub condition admits subject.
func subMatches(c awspolicy.ConditionKey, subject string) bool {
	op := awspolicy.BaseOperator(c.Operator)
	for _, v := range c.Values {
		switch op {
		case "StringEquals":
			if v == subject {
				return true
			}
		case "StringEqualsIgnoreCase":
			if strings.EqualFold(v, subject) {
				return true
			}
		case "StringLike":
			if awspolicy.Match(v, subject) {
				return true
			}
		}
	}
	return false
}

func init() { check.Register(irsaTrustScope) }
