package iam

import (
	"slices"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// awsAuthSystemMasters: EKS-IAM-006 (CIS EKS v1.4 4.1.7, dropped in v1.8.0).
//
// Forbidden: a mapRoles or mapUsers entry of the kube-system/aws-auth ConfigMap whose groups
// contain "system:masters". That group bypasses RBAC entirely (the authorizer admits it before
// any Role is consulted), so no binding can be removed to revoke it. There is no exception:
// the cluster creator's implicit admin never appears in aws-auth. Severity is critical for an
// IAM user (mapUsers: a long-lived access key becomes cluster admin) and for a role ARN
// containing a wildcard; high otherwise. Findings point at data.mapRoles or data.mapUsers and
// name the entry index, ARN and username. aws-auth lives in kube-system, so system namespaces
// are evaluated.
//
// Decisions: aws-auth is found and parsed as in EKS-IAM-005 (kube-system or no namespace;
// authenticationMode is not visible in manifests, so every aws-auth in the input is evaluated).
// Values or entries that do not parse are reported by EKS-IAM-005 only; this check evaluates
// the entries that do. The group name is compared exactly, as Kubernetes compares groups.
var awsAuthSystemMasters = &check.Check{
	Meta: check.Meta{
		ID:       "EKS-IAM-006",
		Slug:     "aws-auth-system-masters",
		Title:    "aws-auth must not map IAM principals to system:masters",
		Section:  "iam",
		Severity: check.High,
		Source:   check.SourceK8sObjects,
		Remediation: "Map the principal to a dedicated Kubernetes group bound to a least-privilege (Cluster)Role, or replace the mapping " +
			"with an access entry associated with AmazonEKSClusterAdminPolicy only for break-glass roles.",
		References: check.References{
			Guide:        "iam#use-iam-roles-when-multiple-users-need-identical-access-to-the-cluster",
			CISEKSLegacy: "1.4: 4.1.7 Avoid use of system:masters group",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"ConfigMap"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		for _, c := range findAWSAuth(inv) {
			r.Evaluated(1)
			for _, e := range slices.Concat(c.Roles, c.Users) {
				if !slices.Contains(e.Groups, "system:masters") {
					continue
				}
				msg := "aws-auth " + e.Label() + " maps " + e.Principal()
				if e.Username != "" {
					msg += " (username " + strconv.Quote(e.Username) + ")"
				}
				msg += " to system:masters, which bypasses RBAC and cannot be revoked by deleting bindings"
				sev := check.High
				switch {
				case e.Key == awsAuthMapUsers:
					sev = check.Critical
					msg += "; an IAM user's long-lived keys become cluster admin"
				case strings.Contains(e.ARN, "*"):
					sev = check.Critical
					msg += "; the role ARN contains a wildcard"
				}
				r.FailWith(c.Object, e.Path(), sev, msg)
			}
		}
	},
}

func init() { check.Register(awsAuthSystemMasters) }
