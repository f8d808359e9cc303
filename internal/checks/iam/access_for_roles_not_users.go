package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// accessForRolesNotUsers: EKS-IAM-007.
//
// Fails for each access entry (eks:ListAccessEntries, DescribeAccessEntry) whose principal is
// an IAM user (arn:<partition>:iam::<account>:user/...), naming its associated access
// policies, and for each mapUsers entry of kube-system/aws-auth, naming its groups. Roles
// (IAM Identity Center roles under /aws-reserved/sso.amazonaws.com/ preferred) pass.
var accessForRolesNotUsers = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-007",
		Slug:     "access-for-roles-not-users",
		Title:    "Cluster access must be granted to IAM roles, not IAM users",
		Section:  "iam",
		Severity: check.Medium,
		Source:   check.SourceAWSEKS,
		Remediation: "Grant access to an IAM role (ideally an IAM Identity Center permission-set role) that the users assume; " +
			"delete the per-user access entry or mapUsers entry.",
		References: check.References{Guide: "iam#use-iam-roles-when-multiple-users-need-identical-access-to-the-cluster"},
	},
	Reads: append([]string{"ConfigMap"}, accessEntryReads...),
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		if a := awsCluster(inv); a != nil {
			for _, e := range a.AccessEntries {
				r.Evaluated(1)
				principal := deref(e.Entry.PrincipalArn)
				if inventory.IsIAMUser(principal) {
					r.FailResource(entryResource(a, e), "Entry.PrincipalArn",
						"access entry grants IAM user "+principal+" cluster access ("+describePolicies(e)+"): grant it to a role the user assumes")
				}
			}
		}
		for _, c := range findAWSAuth(inv) {
			for _, e := range c.Users {
				r.Evaluated(1)
				r.Fail(c.Object, e.Path(), "aws-auth "+e.Label()+" maps "+e.Describe()+": grant access to a role the user assumes")
			}
			r.Evaluated(len(c.Roles))
		}
	},
}

func init() { check.Register(accessForRolesNotUsers) }
