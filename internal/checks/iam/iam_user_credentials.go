package iam

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// maxAccessKeyAge is how old (since last rotation) an active access key of an IAM user with
// EKS permissions may be (EKS-IAM-039).
const maxAccessKeyAge = 90 * 24 * time.Hour

// eksProbeActions are the actions whose grant makes an IAM user one "with EKS permissions"
// (EKS-IAM-039): the catalogue's iam:SimulatePrincipalPolicy probes.
var eksProbeActions = []string{"eks:UpdateClusterConfig", "eks:CreateAccessEntry", "eks:AccessKubernetesApi"}

// allActionsManagedPolicies are AWS managed policies known to allow every EKS action, used
// when their documents were not collected.
var allActionsManagedPolicies = []string{"AdministratorAccess", "PowerUserAccess"}

// iamUserCredentials: EKS-IAM-039.
//
// For each IAM user of the account (iam:GetAccountAuthorizationDetails) whose effective
// policies allow eks:UpdateClusterConfig, eks:CreateAccessEntry or eks:AccessKubernetesApi on
// a resource that can be an EKS resource, or who is a cluster admin of this cluster by an
// access entry (EKS-IAM-010: AmazonEKSClusterAdminPolicy or AmazonEKSAdminPolicy with a
// cluster scope), the credential report's row of the user fails (on the user's ARN):
//   - password_enabled true and mfa_active false;
//   - an active access key whose access_key_N_last_rotated is more than 90 days before the
//     report's generation time;
//   - for a cluster admin, any active access key.
//
// Decisions: the catalogue's iam:SimulatePrincipalPolicy (one call per user and action, and
// unsupported by moto) is replaced by evaluating the user's inline, attached and group
// policies locally (awspolicy.Grants): an unconditioned Deny on all resources removes an
// action, Allow conditions are not evaluated, permission boundaries and SCPs are not applied.
// An AWS managed policy whose document was not collected counts only when it is
// AdministratorAccess or PowerUserAccess. The 90 days are measured to the report's
// GeneratedTime (the report is at most four hours old), so results do not depend on the clock.
// A user missing from the report (created after it) is not evaluated. The cluster-admin part
// reads access entries only, not ClusterRoleBindings, so that the AWS-only scan evaluates it.
var iamUserCredentials = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-039",
		Slug:        "iam-user-credentials",
		Title:       "IAM users with EKS permissions must use MFA and must not hold long-lived access keys",
		Section:     "iam",
		Severity:    check.Medium,
		Source:      check.SourceAWSIAM,
		Remediation: "Move human access to IAM Identity Center roles with MFA; remove access keys or rotate them and use STS AssumeRole from the source account.",
		References:  check.References{Guide: "iam#employ-least-privileged-access-to-aws-resources"},
	},
	Reads: append([]string{inventory.AWSKind("iam:GetAccountAuthorizationDetails"), inventory.AWSKind("iam:GenerateCredentialReport"),
		inventory.AWSKind("iam:GetCredentialReport")}, accessEntryReads...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		a := inv.AWS
		if a == nil || a.Authorization == nil || a.CredentialReport == nil {
			return
		}
		now := time.Now()
		if t := a.CredentialReport.GeneratedTime; t != nil {
			now = *t
		}
		rows := map[string]inventory.CredentialReportUser{}
		for _, u := range a.CredentialReport.Users {
			rows[u.ARN] = u
		}
		admins := map[string]string{}
		for _, e := range a.AccessEntries {
			if p := clusterAdminPolicy(e); p != "" && inventory.IsIAMUser(deref(e.Entry.PrincipalArn)) {
				admins[deref(e.Entry.PrincipalArn)] = p
			}
		}
		users := slices.Clone(a.Authorization.Users) // sorted here, not in the shared inventory
		sort.Slice(users, func(i, j int) bool { return deref(users[i].Arn) < deref(users[j].Arn) })
		for _, u := range users {
			arn := deref(u.Arn)
			grants := userGrants(a.Authorization.UserPolicies(u), eksProbeActions, func(st *awspolicy.Statement) bool { return st.MayNameService("eks") })
			admin := admins[arn]
			if len(grants) == 0 && admin == "" {
				continue
			}
			row, ok := rows[arn]
			if !ok {
				continue
			}
			r.Evaluated(1)
			var why []string
			if len(grants) > 0 {
				why = append(why, "is allowed "+describeGrants(grants))
			}
			if admin != "" {
				why = append(why, "is a cluster admin of "+a.ClusterName+" through an access entry with "+admin)
			}
			who := fmt.Sprintf("IAM user %s %s", deref(u.UserName), strings.Join(why, " and "))
			if row.PasswordEnabled && !row.MFAActive {
				r.FailResource(arn, "", who+", and signs in with a password without MFA")
			}
			for _, k := range row.AccessKeys {
				switch {
				case !k.Active:
				case admin != "":
					r.FailResource(arn, "", fmt.Sprintf("%s, and holds an active access key (slot %d): cluster admins must not have long-lived keys", who, k.Slot))
				case k.LastRotated != nil && now.Sub(*k.LastRotated) > maxAccessKeyAge:
					r.FailResource(arn, "", fmt.Sprintf("%s, and holds an active access key (slot %d) last rotated %s, %d days before the credential report (more than 90)",
						who, k.Slot, k.LastRotated.Format("2006-01-02"), int(now.Sub(*k.LastRotated).Hours()/24)))
				}
			}
		}
	},
}

// userGrants evaluates a principal's policies (awspolicy.Grants); an AWS managed policy
// whose document was not collected grants everything when it is one of
// allActionsManagedPolicies.
func userGrants(policies []inventory.PrincipalPolicy, actions []string, resource func(*awspolicy.Statement) bool) map[string][]string {
	var docs []awspolicy.Labeled
	for _, p := range policies {
		doc := p.Document
		if doc == "" && strings.HasPrefix(p.PolicyARN, "arn:") && strings.Contains(p.PolicyARN, ":iam::aws:policy/") {
			for _, n := range allActionsManagedPolicies {
				if p.Name() == n {
					doc = `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
				}
			}
		}
		if d, err := awspolicy.Parse([]byte(doc)); err == nil && doc != "" {
			docs = append(docs, awspolicy.Labeled{Label: p.Label, Doc: d})
		}
	}
	return awspolicy.Grants(docs, actions, resource)
}

// describeGrants is "eks:CreateAccessEntry, eks:UpdateClusterConfig (by inline policy "x")".
func describeGrants(grants map[string][]string) string {
	var actions, labels []string
	for a, ls := range grants {
		actions = append(actions, a)
		for _, l := range ls {
			if !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
	}
	sort.Strings(actions)
	sort.Strings(labels)
	return strings.Join(actions, ", ") + " (by " + strings.Join(labels, ", ") + ")"
}

func init() { check.Register(iamUserCredentials) }
