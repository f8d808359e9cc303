package iam

import (
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// rbacSecretsAccess: EKS-IAM-027, CIS EKS 4.1.2.
//
// Forbidden: a Role/ClusterRole that is not RBAC_EXEMPT whose effective rules grant get, list
// or watch on secrets (core group) and that a binding grants to a subject that is not
// RBAC_EXEMPT; and a binding of an RBAC_EXEMPT role with such rules (edit, admin, ...) to a
// subject that is not exempt. Reading Secrets yields service account tokens, registry and
// database credentials. Findings follow the RBAC helpers (role at the rule's first granting
// verb with bindings and subjects; exempt role's binding at its first non-exempt subject).
// Severity: high for list or watch granted cluster-wide (ClusterRole through a
// ClusterRoleBinding); low for get alone, on a rule restricted by resourceNames, granted only
// within namespaces (Role, or ClusterRole through RoleBindings); high (the check's severity)
// otherwise. A role that no binding in the input names is reported as info.
//
// Decisions: rules limited by resourceNames count (graded as above). A role bound only to
// exempt subjects is not reported, not even as info. Manifest mode evaluates the RBAC objects
// in the input plus the Kubernetes default roles they bind (edit and admin read Secrets).
var rbacSecretsAccess = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IAM-027",
		Slug:        "rbac-secrets-access",
		Title:       "Access to Secrets must be minimised",
		Section:     "iam",
		Severity:    check.High,
		Source:      check.SourceK8sRBAC,
		Remediation: "Remove get/list/watch on secrets, or restrict with resourceNames to the specific Secrets a workload reads.",
		References: check.References{
			Guide:  "iam#employ-least-privileged-access-when-creating-rolebindings-and-clusterrolebindings",
			CISEKS: "4.1.2",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		evalBound(inv, r, boundQuery{
			accesses:    []access{{verbs: []string{"get", "list", "watch"}, groups: coreGroup, resources: []string{"secrets"}, anyName: true}},
			unboundInfo: true,
			severity:    secretsSeverity,
		})
	},
}

// secretsSeverity grades EKS-IAM-027 findings.
func secretsSeverity(hits []ruleHit, bs []boundBinding) check.Severity {
	listOrWatch, named := false, true
	for _, h := range hits {
		named = named && len(h.rule.ResourceNames) > 0
		for _, g := range h.grants {
			listOrWatch = listOrWatch || g.verb != "get"
		}
	}
	if !anyClusterWide(bs) && !listOrWatch && named {
		return check.Low
	}
	return check.High
}

func init() { check.Register(rbacSecretsAccess) }
